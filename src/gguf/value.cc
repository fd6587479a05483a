// Metadata value conversions, display and serialization.
#include "gguf/value.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>

namespace edgellm::gguf {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::UINT8:
      return "u8";
    case ValueType::INT8:
      return "i8";
    case ValueType::UINT16:
      return "u16";
    case ValueType::INT16:
      return "i16";
    case ValueType::UINT32:
      return "u32";
    case ValueType::INT32:
      return "i32";
    case ValueType::FLOAT32:
      return "f32";
    case ValueType::BOOL:
      return "bool";
    case ValueType::STRING:
      return "string";
    case ValueType::ARRAY:
      return "array";
    case ValueType::UINT64:
      return "u64";
    case ValueType::INT64:
      return "i64";
    case ValueType::FLOAT64:
      return "f64";
  }
  return "unknown";
}

size_t value_type_size(ValueType type) {
  switch (type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL:
      return 1;
    case ValueType::UINT16:
    case ValueType::INT16:
      return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32:
      return 4;
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64:
      return 8;
    case ValueType::STRING:
    case ValueType::ARRAY:
      return 0;
  }
  return 0;
}

Value Value::string(std::string v) {
  Value out;
  out.type_ = ValueType::STRING;
  out.str_ = std::move(v);
  return out;
}

Value Value::string_array(std::vector<std::string> v) {
  Value out;
  out.type_ = ValueType::ARRAY;
  out.elem_type_ = ValueType::STRING;
  out.strs_ = std::move(v);
  return out;
}

Value Value::numeric_array(ValueType elem_type, std::vector<uint8_t> raw) {
  Value out;
  out.type_ = ValueType::ARRAY;
  out.elem_type_ = elem_type;
  out.raw_ = std::move(raw);
  return out;
}

Value Value::nested_array(ValueType elem_type, std::vector<Value> elems) {
  Value out;
  out.type_ = ValueType::ARRAY;
  out.elem_type_ = elem_type;
  out.nested_ = std::move(elems);
  return out;
}

namespace {

// Float to integer with truncation, saturating, NaN to 0: a plain cast of an out-of-range float is
// undefined behaviour, and files can hold any float.
int64_t saturate_to_int(double d) {
  if (!(d == d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(d);
}

// Converts raw little-endian bits of a scalar of type t.
int64_t bits_to_int(ValueType t, uint64_t b) {
  switch (t) {
    case ValueType::UINT8:
      return static_cast<uint8_t>(b);
    case ValueType::INT8:
      return static_cast<int8_t>(b);
    case ValueType::UINT16:
      return static_cast<uint16_t>(b);
    case ValueType::INT16:
      return static_cast<int16_t>(b);
    case ValueType::UINT32:
      return static_cast<uint32_t>(b);
    case ValueType::INT32:
      return static_cast<int32_t>(b);
    case ValueType::UINT64:
      return static_cast<int64_t>(b);
    case ValueType::INT64:
      return static_cast<int64_t>(b);
    case ValueType::BOOL:
      return b != 0;
    case ValueType::FLOAT32: {
      float f;
      uint32_t u = static_cast<uint32_t>(b);
      std::memcpy(&f, &u, 4);
      return saturate_to_int(f);
    }
    case ValueType::FLOAT64: {
      double d;
      std::memcpy(&d, &b, 8);
      return saturate_to_int(d);
    }
    default:
      return 0;
  }
}

double bits_to_double(ValueType t, uint64_t b) {
  if (t == ValueType::FLOAT32) {
    float f;
    uint32_t u = static_cast<uint32_t>(b);
    std::memcpy(&f, &u, 4);
    return f;
  }
  if (t == ValueType::FLOAT64) {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  if (t == ValueType::UINT64) return static_cast<double>(b);
  return static_cast<double>(bits_to_int(t, b));
}

uint64_t elem_bits(const std::vector<uint8_t>& raw, ValueType t, size_t i) {
  const size_t sz = value_type_size(t);
  uint64_t b = 0;
  std::memcpy(&b, raw.data() + i * sz, sz);
  return b;
}

}  // namespace

int64_t Value::as_int() const { return bits_to_int(type_, bits_); }
uint64_t Value::as_uint() const {
  return type_ == ValueType::UINT64 ? bits_ : static_cast<uint64_t>(bits_to_int(type_, bits_));
}
double Value::as_double() const { return bits_to_double(type_, bits_); }

size_t Value::array_size() const {
  if (type_ != ValueType::ARRAY) return 0;
  if (elem_type_ == ValueType::STRING) return strs_.size();
  if (elem_type_ == ValueType::ARRAY) return nested_.size();
  const size_t esz = value_type_size(elem_type_);
  return esz == 0 ? 0 : raw_.size() / esz;
}

int64_t Value::int_at(size_t i) const {
  return bits_to_int(elem_type_, elem_bits(raw_, elem_type_, i));
}
double Value::double_at(size_t i) const {
  return bits_to_double(elem_type_, elem_bits(raw_, elem_type_, i));
}

std::vector<float> Value::to_floats() const {
  std::vector<float> out;
  if (type_ != ValueType::ARRAY || value_type_size(elem_type_) == 0) return out;
  const size_t n = array_size();
  out.resize(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(double_at(i));
  return out;
}

std::vector<int64_t> Value::to_ints() const {
  std::vector<int64_t> out;
  if (type_ != ValueType::ARRAY || value_type_size(elem_type_) == 0) return out;
  const size_t n = array_size();
  out.resize(n);
  for (size_t i = 0; i < n; ++i) out[i] = int_at(i);
  return out;
}

namespace {

std::string quote(const std::string& s, size_t max_len) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max_len; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (s.size() > max_len) out += "...";
  out += "\"";
  return out;
}

std::string scalar_display(ValueType t, uint64_t bits) {
  char buf[64];
  if (t == ValueType::BOOL) return bits ? "true" : "false";
  if (is_float_type(t)) {
    std::snprintf(buf, sizeof(buf), "%g", bits_to_double(t, bits));
  } else if (t == ValueType::UINT64) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64, bits);
  } else {
    std::snprintf(buf, sizeof(buf), "%" PRId64, bits_to_int(t, bits));
  }
  return buf;
}

}  // namespace

std::string Value::to_display_string(size_t max_items) const {
  if (type_ == ValueType::STRING) return quote(str_, 200);
  if (type_ != ValueType::ARRAY) return scalar_display(type_, bits_);
  const size_t n = array_size();
  std::string out = "[";
  for (size_t i = 0; i < n && i < max_items; ++i) {
    if (i) out += ", ";
    if (elem_type_ == ValueType::STRING) {
      out += quote(strs_[i], 40);
    } else if (elem_type_ == ValueType::ARRAY) {
      out += nested_[i].to_display_string(max_items);
    } else {
      out += scalar_display(elem_type_, elem_bits(raw_, elem_type_, i));
    }
  }
  if (n > max_items) out += ", ... (" + std::to_string(n) + " items)";
  out += "]";
  return out;
}

uint64_t Value::serialized_size() const {
  switch (type_) {
    case ValueType::STRING:
      return 8 + str_.size();
    case ValueType::ARRAY: {
      uint64_t n = 4 + 8;
      if (elem_type_ == ValueType::STRING) {
        for (const auto& s : strs_) n += 8 + s.size();
      } else if (elem_type_ == ValueType::ARRAY) {
        for (const auto& v : nested_) n += v.serialized_size();
      } else {
        n += raw_.size();
      }
      return n;
    }
    default:
      return value_type_size(type_);
  }
}

namespace {
void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out.append(s);
}
}  // namespace

void Value::serialize(std::string& out) const {
  switch (type_) {
    case ValueType::STRING:
      put_str(out, str_);
      return;
    case ValueType::ARRAY:
      put_u32(out, static_cast<uint32_t>(elem_type_));
      put_u64(out, array_size());
      if (elem_type_ == ValueType::STRING) {
        for (const auto& s : strs_) put_str(out, s);
      } else if (elem_type_ == ValueType::ARRAY) {
        for (const auto& v : nested_) v.serialize(out);
      } else {
        out.append(reinterpret_cast<const char*>(raw_.data()), raw_.size());
      }
      return;
    default:
      out.append(reinterpret_cast<const char*>(&bits_), value_type_size(type_));
      return;
  }
}

}  // namespace edgellm::gguf
