// A GGUF metadata value: a scalar, a string, or an array (of scalars, of strings, or of arrays).
// Values own their contents (metadata is small next to the tensors, which stay in the mmap).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace edgellm::gguf {

// Type ids as the GGUF format numbers them.
enum class ValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
constexpr uint32_t kValueTypeCount = 13;
// Arrays of arrays nest at most this deep (real files use one level). The reader refuses deeper
// nesting, which bounds its recursion; the writer refuses it too, so what it writes reads back.
constexpr int kMaxArrayDepth = 8;

const char* value_type_name(ValueType type);
// Bytes of a scalar of this type in the file; 0 for STRING and ARRAY.
size_t value_type_size(ValueType type);
inline bool is_integer_type(ValueType t) {
  return t == ValueType::UINT8 || t == ValueType::INT8 || t == ValueType::UINT16 ||
         t == ValueType::INT16 || t == ValueType::UINT32 || t == ValueType::INT32 ||
         t == ValueType::UINT64 || t == ValueType::INT64;
}
inline bool is_float_type(ValueType t) {
  return t == ValueType::FLOAT32 || t == ValueType::FLOAT64;
}

class Value {
 public:
  Value() = default;

  // Scalars. The raw little-endian bits are kept so that a value writes back exactly.
  static Value u8(uint8_t v) { return scalar(ValueType::UINT8, v); }
  static Value i8(int8_t v) { return scalar(ValueType::INT8, v); }
  static Value u16(uint16_t v) { return scalar(ValueType::UINT16, v); }
  static Value i16(int16_t v) { return scalar(ValueType::INT16, v); }
  static Value u32(uint32_t v) { return scalar(ValueType::UINT32, v); }
  static Value i32(int32_t v) { return scalar(ValueType::INT32, v); }
  static Value u64(uint64_t v) { return scalar(ValueType::UINT64, v); }
  static Value i64(int64_t v) { return scalar(ValueType::INT64, v); }
  static Value f32(float v) { return scalar(ValueType::FLOAT32, v); }
  static Value f64(double v) { return scalar(ValueType::FLOAT64, v); }
  static Value boolean(bool v) { return scalar(ValueType::BOOL, static_cast<uint8_t>(v ? 1 : 0)); }
  static Value string(std::string v);
  static Value string_array(std::vector<std::string> v);
  // A numeric or bool array from raw little-endian element bytes (count = bytes / elem size).
  // The writer refuses a byte count that is not a multiple of the element size.
  static Value numeric_array(ValueType elem_type, std::vector<uint8_t> raw);
  // A numeric or bool array of `elem_type` holding `v`, each element converted to that type
  // (array_of(ValueType::INT32, std::vector<int64_t>{1, 2}) stores two i32). Values must be
  // representable in the element type.
  template <class T>
  static Value array_of(ValueType elem_type, const std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T>);
    std::vector<uint8_t> raw;
    raw.reserve(v.size() * 8);
    for (const T& x : v) append_converted(elem_type, x, raw);
    return numeric_array(elem_type, std::move(raw));
  }
  // An array of arrays: elem_type must be ARRAY and every element an array value.
  static Value nested_array(ValueType elem_type, std::vector<Value> elems);

  ValueType type() const { return type_; }
  bool is_array() const { return type_ == ValueType::ARRAY; }
  bool is_string() const { return type_ == ValueType::STRING; }
  bool is_integer() const { return is_integer_type(type_); }
  bool is_number() const {
    return is_integer() || is_float_type(type_) || type_ == ValueType::BOOL;
  }

  // Scalar reads with conversion from any numeric type (the caller checks is_number()). Floats
  // convert to integers with truncation, saturating at the integer range (NaN gives 0).
  int64_t as_int() const;
  uint64_t as_uint() const;
  double as_double() const;
  bool as_bool() const { return as_uint() != 0; }
  const std::string& as_string() const { return str_; }

  // Arrays.
  ValueType array_type() const { return elem_type_; }
  size_t array_size() const;
  const std::vector<std::string>& strings() const { return strs_; }  // STRING arrays
  const std::vector<Value>& elements() const { return nested_; }     // ARRAY-of-ARRAY
  const std::vector<uint8_t>& raw() const { return raw_; }           // numeric arrays
  // Element i < array_size() of a numeric array converted to int64 / double.
  int64_t int_at(size_t i) const;
  double double_at(size_t i) const;
  // A numeric array converted element by element.
  std::vector<float> to_floats() const;
  std::vector<int64_t> to_ints() const;

  // A short human-readable rendering (arrays abbreviated), for `edgellm info`.
  std::string to_display_string(size_t max_items = 8) const;

  // Bytes this value takes in a GGUF file (not counting the type tag).
  uint64_t serialized_size() const;
  // Appends the value's bytes (without the type tag) to `out`.
  void serialize(std::string& out) const;

 private:
  template <class T>
  static Value scalar(ValueType t, T v) {
    Value out;
    out.type_ = t;
    std::memcpy(&out.bits_, &v, sizeof(T));
    return out;
  }

  template <class T>
  static void append_converted(ValueType elem_type, T x, std::vector<uint8_t>& raw) {
    auto put = [&raw](auto y) {
      const auto* b = reinterpret_cast<const uint8_t*>(&y);
      raw.insert(raw.end(), b, b + sizeof(y));
    };
    switch (elem_type) {
      case ValueType::UINT8:
        put(static_cast<uint8_t>(x));
        break;
      case ValueType::INT8:
        put(static_cast<int8_t>(x));
        break;
      case ValueType::UINT16:
        put(static_cast<uint16_t>(x));
        break;
      case ValueType::INT16:
        put(static_cast<int16_t>(x));
        break;
      case ValueType::UINT32:
        put(static_cast<uint32_t>(x));
        break;
      case ValueType::INT32:
        put(static_cast<int32_t>(x));
        break;
      case ValueType::UINT64:
        put(static_cast<uint64_t>(x));
        break;
      case ValueType::INT64:
        put(static_cast<int64_t>(x));
        break;
      case ValueType::FLOAT32:
        put(static_cast<float>(x));
        break;
      case ValueType::FLOAT64:
        put(static_cast<double>(x));
        break;
      case ValueType::BOOL:
        put(static_cast<uint8_t>(x != T(0) ? 1 : 0));
        break;
      // Strings and arrays have no numeric form: the bytes make the writer refuse the value.
      case ValueType::STRING:
      case ValueType::ARRAY:
        put(x);
        break;
    }
  }

  ValueType type_ = ValueType::UINT8;
  ValueType elem_type_ = ValueType::UINT8;
  uint64_t bits_ = 0;              // scalar: raw bits, zero-extended
  std::string str_;                // STRING
  std::vector<uint8_t> raw_;       // numeric ARRAY: raw element bytes
  std::vector<std::string> strs_;  // STRING ARRAY
  std::vector<Value> nested_;      // ARRAY ARRAY

  friend class Parser;
};

}  // namespace edgellm::gguf
