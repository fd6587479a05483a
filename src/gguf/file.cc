// GGUF parsing with every field checked against the bytes that remain.
#include "gguf/file.h"

#include <cinttypes>
#include <cstring>
#include <limits>

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

// Reads the header, metadata and tensor infos of a GGUF buffer. Each read checks the bytes left.
class Parser {
 public:
  Parser(const uint8_t* data, size_t size, const std::string& name)
      : p_(data), size_(size), name_(name) {}

  Status parse(File& f);

 private:
  // Nesting deeper than this is refused: real files use at most one level.
  static constexpr int kMaxArrayDepth = 8;

  size_t left() const { return size_ - pos_; }

  Status truncated(const std::string& what) const {
    return make_error(ErrorCode::kCorruptFile, "%s: truncated file: %s at offset %zu runs past the end (%zu bytes)",
                      name_.c_str(), what.c_str(), pos_, size_);
  }
  Status corrupt(const std::string& what) const {
    return make_error(ErrorCode::kCorruptFile, "%s: %s", name_.c_str(), what.c_str());
  }

  template <class T>
  Status read(T& out, const std::string& what) {
    if (left() < sizeof(T)) return truncated(what);
    std::memcpy(&out, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status read_string(std::string& out, const std::string& what) {
    uint64_t len = 0;
    EDGELLM_RETURN_IF_ERROR(read(len, what + " (string length)"));
    if (len > left()) {
      return corrupt(strfmt("%s: string length %" PRIu64 " exceeds the %zu bytes left in the file",
                            what.c_str(), len, left()));
    }
    out.assign(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return Status::Ok();
  }

  Status read_value(ValueType type, Value& out, const std::string& key, int depth);

  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
};

Status Parser::read_value(ValueType type, Value& out, const std::string& key, int depth) {
  const std::string what = "metadata key '" + key + "'";
  out.type_ = type;
  switch (type) {
    case ValueType::STRING: return read_string(out.str_, what);
    case ValueType::ARRAY: {
      if (depth >= kMaxArrayDepth) return corrupt(what + ": arrays nested too deeply");
      uint32_t et = 0;
      uint64_t n = 0;
      EDGELLM_RETURN_IF_ERROR(read(et, what + " (array type)"));
      EDGELLM_RETURN_IF_ERROR(read(n, what + " (array length)"));
      if (et >= kValueTypeCount) {
        return corrupt(strfmt("%s: unknown array element type %u", what.c_str(), et));
      }
      const ValueType elem = static_cast<ValueType>(et);
      out.elem_type_ = elem;
      if (elem == ValueType::STRING) {
        // Each string needs at least its 8-byte length.
        if (n > left() / 8) {
          return corrupt(strfmt("%s: array of %" PRIu64 " strings cannot fit in the %zu bytes left",
                                what.c_str(), n, left()));
        }
        out.strs_.resize(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) {
          EDGELLM_RETURN_IF_ERROR(read_string(out.strs_[i], what + strfmt("[%" PRIu64 "]", i)));
        }
      } else if (elem == ValueType::ARRAY) {
        // Each inner array needs at least its 12-byte header.
        if (n > left() / 12) {
          return corrupt(strfmt("%s: array of %" PRIu64 " arrays cannot fit in the %zu bytes left",
                                what.c_str(), n, left()));
        }
        out.nested_.resize(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) {
          EDGELLM_RETURN_IF_ERROR(read_value(ValueType::ARRAY, out.nested_[i], key, depth + 1));
        }
      } else {
        const size_t esz = value_type_size(elem);
        if (n > left() / esz) {
          return corrupt(strfmt("%s: array of %" PRIu64 " %s values exceeds the %zu bytes left",
                                what.c_str(), n, value_type_name(elem), left()));
        }
        const size_t bytes = static_cast<size_t>(n) * esz;
        out.raw_.assign(p_ + pos_, p_ + pos_ + bytes);
        pos_ += bytes;
      }
      return Status::Ok();
    }
    default: {
      const size_t sz = value_type_size(type);
      if (left() < sz) return truncated(what);
      out.bits_ = 0;
      std::memcpy(&out.bits_, p_ + pos_, sz);
      pos_ += sz;
      return Status::Ok();
    }
  }
}

Status Parser::parse(File& f) {
  uint32_t magic = 0;
  if (size_ < 4) return corrupt("not a GGUF file (too short for the header)");
  EDGELLM_RETURN_IF_ERROR(read(magic, "magic"));
  if (magic != kMagic) {
    return corrupt("not a GGUF file (bad magic; expected 'GGUF' at the start)");
  }
  uint32_t version = 0;
  EDGELLM_RETURN_IF_ERROR(read(version, "version"));
  if (version == 1) return make_error(ErrorCode::kUnsupported, "%s: GGUF version 1 is not supported (only 2 and 3)", name_.c_str());
  if ((version & 0xffff) == 0 && version != 0) {
    return make_error(ErrorCode::kUnsupported, "%s: big-endian GGUF files are not supported", name_.c_str());
  }
  if (version != 2 && version != 3) {
    return make_error(ErrorCode::kUnsupported, "%s: unsupported GGUF version %u (only 2 and 3)",
                      name_.c_str(), version);
  }
  f.version_ = version;
  uint64_t n_tensors = 0, n_kv = 0;
  EDGELLM_RETURN_IF_ERROR(read(n_tensors, "tensor count"));
  EDGELLM_RETURN_IF_ERROR(read(n_kv, "metadata count"));
  // A key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least
  // 8 + 4 + 8 + 4 + 8.
  if (n_kv > left() / 13) {
    return corrupt(strfmt("metadata count %" PRIu64 " cannot fit in a %zu-byte file", n_kv, size_));
  }
  if (n_tensors > left() / 32) {
    return corrupt(strfmt("tensor count %" PRIu64 " cannot fit in a %zu-byte file", n_tensors, size_));
  }

  f.kv_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key;
    EDGELLM_RETURN_IF_ERROR(read_string(key, strfmt("key of metadata entry %" PRIu64, i)));
    uint32_t type = 0;
    EDGELLM_RETURN_IF_ERROR(read(type, "type of metadata key '" + key + "'"));
    if (type >= kValueTypeCount) {
      return corrupt(strfmt("metadata key '%s' has unknown value type %u", key.c_str(), type));
    }
    Value v;
    EDGELLM_RETURN_IF_ERROR(read_value(static_cast<ValueType>(type), v, key, 0));
    if (f.kv_index_.count(key)) return corrupt("duplicate metadata key '" + key + "'");
    f.kv_index_.emplace(key, f.kv_.size());
    f.kv_.emplace_back(std::move(key), std::move(v));
  }

  if (const Value* a = f.find("general.alignment")) {
    if (a->type() != ValueType::UINT32) {
      return corrupt(strfmt("metadata key 'general.alignment' must be u32, not %s",
                            value_type_name(a->type())));
    }
    const uint32_t al = static_cast<uint32_t>(a->as_uint());
    if (al == 0 || (al & (al - 1)) != 0) {
      return corrupt(strfmt("metadata key 'general.alignment' = %u is not a power of two", al));
    }
    f.alignment_ = al;
  }

  f.tensors_.resize(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo& t = f.tensors_[i];
    EDGELLM_RETURN_IF_ERROR(read_string(t.name, strfmt("name of tensor %" PRIu64, i)));
    const std::string what = "tensor '" + t.name + "'";
    uint32_t n_dims = 0;
    EDGELLM_RETURN_IF_ERROR(read(n_dims, what + " (dimension count)"));
    if (n_dims > static_cast<uint32_t>(kMaxDims)) {
      return corrupt(strfmt("%s has %u dimensions (at most %d)", what.c_str(), n_dims, kMaxDims));
    }
    t.ne.resize(n_dims);
    int64_t n_el = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      EDGELLM_RETURN_IF_ERROR(read(dim, what + " (dimensions)"));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return corrupt(strfmt("%s: dimension %u is negative or too large", what.c_str(), d));
      }
      t.ne[d] = static_cast<int64_t>(dim);
      if (t.ne[d] != 0 && n_el > std::numeric_limits<int64_t>::max() / t.ne[d]) {
        return corrupt(what + ": element count overflows");
      }
      n_el *= t.ne[d];
    }
    uint32_t type_id = 0;
    EDGELLM_RETURN_IF_ERROR(read(type_id, what + " (type)"));
    auto tr = tensor_type_traits(type_id);
    if (!tr) return corrupt(strfmt("%s has unknown tensor type %u", what.c_str(), type_id));
    t.type = static_cast<TensorType>(type_id);
    EDGELLM_RETURN_IF_ERROR(read(t.offset, what + " (offset)"));
    const int64_t row = n_dims > 0 ? t.ne[0] : 1;
    if (row % tr->block_size != 0) {
      return corrupt(strfmt("%s: row length %" PRId64 " is not a multiple of the %s block size %" PRId64,
                            what.c_str(), row, tr->name, tr->block_size));
    }
    // n_el / block_size * type_size cannot overflow: n_el fits in the file after this check.
    const uint64_t blocks = static_cast<uint64_t>(n_el / tr->block_size);
    if (blocks > std::numeric_limits<uint64_t>::max() / tr->type_size) {
      return corrupt(what + ": data size overflows");
    }
    t.n_bytes = blocks * tr->type_size;
    if (f.tensor_index_.count(t.name)) return corrupt("duplicate tensor name '" + t.name + "'");
    f.tensor_index_.emplace(t.name, static_cast<size_t>(i));
  }

  // The data section starts at the next multiple of the alignment.
  const uint64_t al = f.alignment_;
  const uint64_t data_off = (static_cast<uint64_t>(pos_) + al - 1) / al * al;
  if (n_tensors > 0 && data_off > size_) {
    return corrupt(strfmt("data section offset %" PRIu64 " is past the end of the file (%zu bytes)",
                          data_off, size_));
  }
  f.data_offset_ = data_off;
  const uint64_t data_size = data_off <= size_ ? size_ - data_off : 0;
  for (TensorInfo& t : f.tensors_) {
    if (t.offset % al != 0) {
      return corrupt(strfmt("tensor '%s': data offset %" PRIu64 " is not a multiple of the alignment %" PRIu64,
                            t.name.c_str(), t.offset, al));
    }
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return corrupt(strfmt("tensor '%s': data [%" PRIu64 ", +%" PRIu64 ") runs past the end of the file "
                            "(data section holds %" PRIu64 " bytes; truncated file?)",
                            t.name.c_str(), t.offset, t.n_bytes, data_size));
    }
    t.data = p_ + data_off + t.offset;
  }
  return Status::Ok();
}

Result<File> File::parse(const uint8_t* data, size_t size, std::string name) {
  File f;
  f.base_ = data;
  f.size_ = size;
  f.name_ = std::move(name);
  Parser parser(data, size, f.name_);
  EDGELLM_RETURN_IF_ERROR(parser.parse(f));
  return f;
}

Result<File> File::open(const std::string& path) {
  auto mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.status();
  auto map = std::make_shared<MappedFile>(std::move(mapped).value());
  auto f = parse(map->data(), map->size(), path);
  if (!f.ok()) return f.status();
  f->map_ = std::move(map);
  return f;
}

const Value* File::find(std::string_view key) const {
  auto it = kv_index_.find(std::string(key));
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
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
  if (!v->is_integer() && v->type() != ValueType::BOOL) return wrong_type(name_, key, "an integer", *v);
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
