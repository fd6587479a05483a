// File accessors: metadata lookups with typed reads, tensor lookups. Parsing is in parser.cc.
#include "gguf/file.h"

#include <cinttypes>
#include <cstdint>

namespace edgellm::gguf {

int64_t TensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

std::string TensorInfo::shape_string() const {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(ne[i]);
  }
  return s + "]";
}

const Value* File::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

uint64_t File::tensor_data_bytes() const {
  uint64_t n = 0;
  for (const auto& t : tensors_) n += t.n_bytes;
  return n;
}

namespace {
Status missing(const std::string& file, std::string_view key) {
  return make_error(ErrorCode::kNotFound, "%s: metadata key '%.*s' is missing", file.c_str(),
                    static_cast<int>(key.size()), key.data());
}
Status wrong_type(const std::string& file, std::string_view key, const char* want, const Value& v) {
  return make_error(ErrorCode::kCorruptFile, "%s: metadata key '%.*s' should be %s, but is %s",
                    file.c_str(), static_cast<int>(key.size()), key.data(), want,
                    value_type_name(v.type()));
}
}  // namespace

Result<int64_t> File::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name_, key);
  if (!v->is_integer() && v->type() != ValueType::BOOL)
    return wrong_type(name_, key, "an integer", *v);
  if (v->type() == ValueType::UINT64 && v->as_uint() > static_cast<uint64_t>(INT64_MAX)) {
    return make_error(ErrorCode::kOutOfRange, "%s: metadata key '%.*s' = %" PRIu64 " is too large",
                      name_.c_str(), static_cast<int>(key.size()), key.data(), v->as_uint());
  }
  return v->as_int();
}

Result<double> File::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name_, key);
  if (!v->is_number()) return wrong_type(name_, key, "a number", *v);
  return v->as_double();
}

Result<bool> File::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name_, key);
  if (!v->is_number()) return wrong_type(name_, key, "a bool", *v);
  return v->as_bool();
}

Result<std::string> File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name_, key);
  if (!v->is_string()) return wrong_type(name_, key, "a string", *v);
  return v->as_string();
}

Result<int64_t> File::get_int_or(std::string_view key, int64_t fallback) const {
  return has(key) ? get_int(key) : Result<int64_t>(fallback);
}
Result<double> File::get_float_or(std::string_view key, double fallback) const {
  return has(key) ? get_float(key) : Result<double>(fallback);
}
Result<bool> File::get_bool_or(std::string_view key, bool fallback) const {
  return has(key) ? get_bool(key) : Result<bool>(fallback);
}
Result<std::string> File::get_string_or(std::string_view key, std::string fallback) const {
  return has(key) ? get_string(key) : Result<std::string>(std::move(fallback));
}

Result<const Value*> File::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return missing(name_, key);
  if (!v->is_array()) return wrong_type(name_, key, "an array", *v);
  return v;
}

}  // namespace edgellm::gguf
