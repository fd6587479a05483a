// The GGUF parser: header, metadata and tensor infos, with every field checked against the bytes
// that remain before it is used.
//
// Two rules keep hostile files harmless:
//  - a count or length read from the file is compared with the bytes left before anything is
//    allocated or copied for it, so memory stays proportional to the file's real size;
//  - error context ("metadata key 'x' element 7") is built only when an error is reported, so the
//    checks cost nothing on the 100k-string vocabularies of real models.
#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <limits>

#include "base/function_ref.h"
#include "gguf/file.h"

namespace edgellm::gguf {

// Names the place being parsed, for error messages: "metadata key 'general.name'".
using Where = FunctionRef<std::string()>;

// A key or tensor name as error messages show it: control bytes escaped so the message stays one
// line, and cut after 100 bytes (a hostile name can be megabytes long).
std::string shown(const std::string& name) {
  std::string out;
  for (size_t i = 0; i < name.size() && i < 100; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f) {
      out += strfmt("\\x%02x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (name.size() > 100) out += "...";
  return out;
}

class Parser {
 public:
  Parser(const uint8_t* data, size_t size, const std::string& name)
      : p_(data), size_(size), name_(name) {}

  Status parse(File& f);

 private:
  // The smallest a metadata entry can be: key length (8), type (4), a one-byte value.
  static constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
  // The smallest a tensor info can be: name length (8), dimension count (4), type (4), offset (8).
  static constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;
  // The most array elements, and metadata entries or tensor infos, reserved ahead of parsing
  // them (a few MiB at most); vectors grow past these as elements actually parse.
  static constexpr uint64_t kMaxReserve = 1 << 16;
  static constexpr uint64_t kMaxReserveEntries = 1 << 10;

  size_t left() const { return size_ - pos_; }

  Status corrupt(const std::string& what) const {
    return Status(ErrorCode::kCorruptFile, name_ + ": " + what);
  }
  Status truncated(Where where, const char* field, uint64_t need) const {
    return make_error(ErrorCode::kCorruptFile,
                      "%s: truncated file: %s: %s at offset %zu needs %" PRIu64
                      " bytes, but the file ends at %zu",
                      name_.c_str(), where().c_str(), field, pos_, need, size_);
  }

  template <class T>
  Status read(T& out, Where where, const char* field) {
    if (left() < sizeof(T)) return truncated(where, field, sizeof(T));
    std::memcpy(&out, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }

  Status read_string(std::string& out, Where where, const char* field);
  Status read_value(ValueType type, Value& out, Where where, int depth);
  Status read_array(Value& out, Where where, int depth);
  Status read_metadata(File& f, uint64_t n_kv);
  Status read_tensor_info(File& f, uint64_t index, uint64_t count, TensorInfo& t);
  Status place_tensors(File& f);

  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
};

Status Parser::read_string(std::string& out, Where where, const char* field) {
  uint64_t len = 0;
  if (left() < sizeof(len)) return truncated(where, field, sizeof(len));
  std::memcpy(&len, p_ + pos_, sizeof(len));
  if (len > left() - sizeof(len)) {
    return corrupt(strfmt("%s: %s of %" PRIu64 " bytes at offset %zu runs past the end of the file "
                          "(%zu bytes left; truncated or corrupt)",
                          where().c_str(), field, len, pos_, left() - sizeof(len)));
  }
  pos_ += sizeof(len);
  out.assign(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return Status::Ok();
}

Status Parser::read_array(Value& out, Where where, int depth) {
  if (depth >= kMaxArrayDepth) {
    return corrupt(strfmt("%s: arrays nested more than %d deep", where().c_str(), kMaxArrayDepth));
  }
  uint32_t et = 0;
  uint64_t n = 0;
  EDGELLM_RETURN_IF_ERROR(read(et, where, "array element type"));
  if (et >= kValueTypeCount) {
    return corrupt(strfmt("%s: unknown array element type %u (known types are 0 to %u)",
                          where().c_str(), et, kValueTypeCount - 1));
  }
  EDGELLM_RETURN_IF_ERROR(read(n, where, "array length"));
  const ValueType elem = static_cast<ValueType>(et);
  out.type_ = ValueType::ARRAY;
  out.elem_type_ = elem;
  // Every element takes at least this many bytes, which bounds what a length can claim.
  const uint64_t min_elem = elem == ValueType::STRING  ? 8
                            : elem == ValueType::ARRAY ? 12
                                                       : value_type_size(elem);
  if (n > left() / min_elem) {
    return corrupt(strfmt("%s: array of %" PRIu64 " %s elements cannot fit in the %zu bytes left "
                          "(truncated or corrupt)",
                          where().c_str(), n, value_type_name(elem), left()));
  }
  if (elem == ValueType::STRING) {
    // Decoded elements take more memory than their bytes in the file (an empty string is 8 bytes
    // there, 32 here), so the vector grows as elements actually parse rather than being sized
    // from the count up front: a corrupted count in a multi-gigabyte file cannot demand
    // gigabytes before the first bad element stops the parse.
    out.strs_.reserve(static_cast<size_t>(std::min<uint64_t>(n, kMaxReserve)));
    for (uint64_t i = 0; i < n; ++i) {
      auto elem_where = [&] { return where() + strfmt(" element %" PRIu64, i); };
      out.strs_.emplace_back();
      EDGELLM_RETURN_IF_ERROR(read_string(out.strs_.back(), elem_where, "string"));
    }
  } else if (elem == ValueType::ARRAY) {
    out.nested_.reserve(static_cast<size_t>(std::min<uint64_t>(n, kMaxReserve / 8)));
    for (uint64_t i = 0; i < n; ++i) {
      auto elem_where = [&] { return where() + strfmt(" element %" PRIu64, i); };
      out.nested_.emplace_back();
      EDGELLM_RETURN_IF_ERROR(read_array(out.nested_.back(), elem_where, depth + 1));
    }
  } else {
    const size_t bytes = static_cast<size_t>(n * min_elem);
    out.raw_.assign(p_ + pos_, p_ + pos_ + bytes);
    pos_ += bytes;
  }
  return Status::Ok();
}

Status Parser::read_value(ValueType type, Value& out, Where where, int depth) {
  switch (type) {
    case ValueType::STRING:
      out.type_ = ValueType::STRING;
      return read_string(out.str_, where, "string");
    case ValueType::ARRAY:
      return read_array(out, where, depth);
    default: {
      const size_t sz = value_type_size(type);
      if (left() < sz) return truncated(where, value_type_name(type), sz);
      out.type_ = type;
      out.bits_ = 0;
      std::memcpy(&out.bits_, p_ + pos_, sz);
      pos_ += sz;
      return Status::Ok();
    }
  }
}

Status Parser::read_metadata(File& f, uint64_t n_kv) {
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key;
    auto entry_where = [&] {
      std::string s = strfmt("metadata entry %" PRIu64 " of %" PRIu64, i, n_kv);
      if (!f.kv_.empty()) s += " (after key '" + shown(f.kv_.back().first) + "')";
      return s;
    };
    EDGELLM_RETURN_IF_ERROR(read_string(key, entry_where, "key"));
    auto key_where = [&] { return "metadata key '" + shown(key) + "'"; };
    uint32_t type = 0;
    EDGELLM_RETURN_IF_ERROR(read(type, key_where, "value type"));
    if (type >= kValueTypeCount) {
      return corrupt(strfmt("metadata key '%s' has unknown value type %u (known types are 0 to %u)",
                            shown(key).c_str(), type, kValueTypeCount - 1));
    }
    Value v;
    EDGELLM_RETURN_IF_ERROR(read_value(static_cast<ValueType>(type), v, key_where, 0));
    if (!f.kv_index_.emplace(key, f.kv_.size()).second) {
      return corrupt("duplicate metadata key '" + shown(key) + "'");
    }
    f.kv_.emplace_back(std::move(key), std::move(v));
  }

  if (const Value* a = f.find(kKeyAlignment)) {
    if (a->type() != ValueType::UINT32) {
      return corrupt(strfmt("metadata key '%s' must be u32, not %s", kKeyAlignment,
                            value_type_name(a->type())));
    }
    const uint64_t al = a->as_uint();
    if (al == 0 || (al & (al - 1)) != 0) {
      return corrupt(
          strfmt("metadata key '%s' = %" PRIu64 " is not a power of two", kKeyAlignment, al));
    }
    f.alignment_ = static_cast<uint32_t>(al);
  }
  return Status::Ok();
}

Status Parser::read_tensor_info(File& f, uint64_t index, uint64_t count, TensorInfo& t) {
  auto index_where = [&] {
    std::string s = strfmt("tensor info %" PRIu64 " of %" PRIu64, index, count);
    if (!f.tensors_.empty()) s += " (after tensor '" + shown(f.tensors_.back().name) + "')";
    return s;
  };
  EDGELLM_RETURN_IF_ERROR(read_string(t.name, index_where, "name"));
  auto where = [&] { return "tensor '" + shown(t.name) + "'"; };
  uint32_t n_dims = 0;
  EDGELLM_RETURN_IF_ERROR(read(n_dims, where, "dimension count"));
  if (n_dims > static_cast<uint32_t>(kMaxDims)) {
    return corrupt(strfmt("tensor '%s' has %u dimensions (at most %d)", shown(t.name).c_str(),
                          n_dims, kMaxDims));
  }
  t.ne.resize(n_dims);
  int64_t n_el = 1;
  for (uint32_t d = 0; d < n_dims; ++d) {
    uint64_t dim = 0;
    EDGELLM_RETURN_IF_ERROR(read(dim, where, "dimension"));
    if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return corrupt(strfmt("tensor '%s': dimension %u is negative (%" PRId64 ")",
                            shown(t.name).c_str(), d, static_cast<int64_t>(dim)));
    }
    t.ne[d] = static_cast<int64_t>(dim);
    if (t.ne[d] != 0 && n_el > std::numeric_limits<int64_t>::max() / t.ne[d]) {
      return corrupt(strfmt("tensor '%s': shape %s has more than 2^63 elements",
                            shown(t.name).c_str(), t.shape_string().c_str()));
    }
    n_el *= t.ne[d];
  }
  uint32_t type_id = 0;
  EDGELLM_RETURN_IF_ERROR(read(type_id, where, "type"));
  const auto tr = tensor_type_traits(type_id);
  if (!tr) {
    return corrupt(
        strfmt("tensor '%s' has unknown tensor type %u", shown(t.name).c_str(), type_id));
  }
  t.type = static_cast<TensorType>(type_id);
  EDGELLM_RETURN_IF_ERROR(read(t.offset, where, "data offset"));
  const int64_t row = n_dims > 0 ? t.ne[0] : 1;
  if (row % tr->block_size != 0) {
    return corrupt(strfmt("tensor '%s': row length %" PRId64
                          " is not a multiple of the %s block size %" PRId64,
                          shown(t.name).c_str(), row, tr->name, tr->block_size));
  }
  const uint64_t blocks = static_cast<uint64_t>(n_el / tr->block_size);
  if (blocks > std::numeric_limits<uint64_t>::max() / tr->type_size) {
    return corrupt(strfmt("tensor '%s': data size of shape %s overflows", shown(t.name).c_str(),
                          t.shape_string().c_str()));
  }
  t.n_bytes = blocks * tr->type_size;
  return Status::Ok();
}

// Computes where the data section starts and checks that every tensor lies inside it, aligned,
// without overlapping another. Overlap is refused (GGUF writers never produce it) so that the sum
// of all tensor sizes is bounded by the file size: a consumer that converts each tensor cannot be
// made to do more work than the file is large.
Status Parser::place_tensors(File& f) {
  const uint64_t al = f.alignment_;
  const uint64_t data_off = (static_cast<uint64_t>(pos_) + al - 1) / al * al;
  if (f.tensors_.empty()) {
    // Vocabulary-only files end right after the metadata, without padding.
    f.data_offset_ = std::min<uint64_t>(data_off, size_);
    return Status::Ok();
  }
  if (data_off > size_) {
    return corrupt(strfmt("truncated file: the tensor data section starts at offset %" PRIu64
                          " (after the tensor infos, aligned to %" PRIu64
                          "), past the end of the file at %zu",
                          data_off, al, size_));
  }
  f.data_offset_ = data_off;
  const uint64_t data_size = size_ - data_off;
  for (TensorInfo& t : f.tensors_) {
    if (t.offset % al != 0) {
      return corrupt(strfmt("tensor '%s': data offset %" PRIu64
                            " is not a multiple of the alignment %" PRIu64,
                            shown(t.name).c_str(), t.offset, al));
    }
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return corrupt(strfmt("tensor '%s': data of %" PRIu64 " bytes at offset %" PRIu64
                            " runs past the end of the file (the data section holds %" PRIu64
                            " bytes; truncated file?)",
                            shown(t.name).c_str(), t.n_bytes, t.offset, data_size));
    }
    t.data = p_ + data_off + t.offset;
  }
  std::vector<const TensorInfo*> order;
  order.reserve(f.tensors_.size());
  for (const TensorInfo& t : f.tensors_) {
    if (t.n_bytes > 0) order.push_back(&t);
  }
  std::sort(order.begin(), order.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const TensorInfo& a = *order[i - 1];
    const TensorInfo& b = *order[i];
    if (b.offset < a.offset + a.n_bytes) {
      return corrupt(strfmt("tensor '%s': data at offset %" PRIu64 " overlaps tensor '%s' (%" PRIu64
                            " bytes at offset %" PRIu64 ")",
                            shown(b.name).c_str(), b.offset, shown(a.name).c_str(), a.n_bytes,
                            a.offset));
    }
  }
  return Status::Ok();
}

Status Parser::parse(File& f) {
  auto header = [] { return std::string("header"); };
  if (size_ < 4) {
    return corrupt(strfmt("not a GGUF file (%zu bytes, too short for the 'GGUF' magic)", size_));
  }
  if (std::memcmp(p_, "GGUF", 4) != 0) {
    return corrupt("not a GGUF file (it does not start with 'GGUF')");
  }
  pos_ = 4;
  uint32_t version = 0;
  EDGELLM_RETURN_IF_ERROR(read(version, header, "version"));
  if (version == 1) {
    return make_error(ErrorCode::kUnsupported,
                      "%s: GGUF version 1 is not supported (only versions 2 and 3)", name_.c_str());
  }
  if (version != 0 && (version & 0xffff) == 0) {
    return make_error(ErrorCode::kUnsupported,
                      "%s: big-endian GGUF files are not supported (version field %08x)",
                      name_.c_str(), version);
  }
  if (version != 2 && version != 3) {
    return make_error(ErrorCode::kUnsupported,
                      "%s: unsupported GGUF version %u (only versions 2 and 3)", name_.c_str(),
                      version);
  }
  f.version_ = version;
  uint64_t n_tensors = 0, n_kv = 0;
  EDGELLM_RETURN_IF_ERROR(read(n_tensors, header, "tensor count"));
  EDGELLM_RETURN_IF_ERROR(read(n_kv, header, "metadata count"));
  // The counts are not trusted: entries are read one by one until the count is reached or the
  // bytes run out, so a truncated file is reported at the entry it cuts, by name. Memory grows
  // with the entries that actually parse.
  const bool kv_fits = n_kv <= left() / kMinKvBytes;
  f.kv_.reserve(static_cast<size_t>(std::min({n_kv, left() / kMinKvBytes, kMaxReserveEntries})));
  Status st = read_metadata(f, n_kv);
  if (!st.ok()) {
    if (kv_fits) return st;
    return Status(st.code(), st.message() + strfmt(" (the header claims %" PRIu64
                                                   " metadata entries, more than the file holds)",
                                                   n_kv));
  }
  const bool tensors_fit = n_tensors <= left() / kMinTensorInfoBytes;
  f.tensors_.reserve(
      static_cast<size_t>(std::min({n_tensors, left() / kMinTensorInfoBytes, kMaxReserveEntries})));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo t;
    st = read_tensor_info(f, i, n_tensors, t);
    if (st.ok() && !f.tensor_index_.emplace(t.name, f.tensors_.size()).second) {
      st = corrupt("duplicate tensor name '" + shown(t.name) + "'");
    }
    if (!st.ok()) {
      if (tensors_fit) return st;
      return Status(st.code(), st.message() + strfmt(" (the header claims %" PRIu64
                                                     " tensors, more than the file holds)",
                                                     n_tensors));
    }
    f.tensors_.push_back(std::move(t));
  }
  return place_tensors(f);
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

}  // namespace edgellm::gguf
