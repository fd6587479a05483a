// GGUF serialization: header, metadata, tensor infos, aligned tensor data.
#include "gguf/writer.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

namespace edgellm::gguf {
namespace {

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
void put_str(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out.append(s);
}
uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

bool known_type(ValueType t) { return static_cast<uint32_t>(t) < kValueTypeCount; }

// Checks that `v` serializes to something the reader accepts and reads back as `v`.
Status check_value(const Value& v, const std::string& where, int depth) {
  if (!known_type(v.type())) {
    return make_error(ErrorCode::kInvalidArgument, "%s: unknown value type %u", where.c_str(),
                      static_cast<uint32_t>(v.type()));
  }
  if (!v.is_array()) return Status::Ok();
  if (depth >= kMaxArrayDepth) {
    return make_error(ErrorCode::kInvalidArgument, "%s: arrays nested more than %d deep",
                      where.c_str(), kMaxArrayDepth);
  }
  const ValueType et = v.array_type();
  if (!known_type(et)) {
    return make_error(ErrorCode::kInvalidArgument, "%s: unknown array element type %u",
                      where.c_str(), static_cast<uint32_t>(et));
  }
  const bool is_str = et == ValueType::STRING, is_arr = et == ValueType::ARRAY;
  if ((!is_str && !v.strings().empty()) || (!is_arr && !v.elements().empty()) ||
      ((is_str || is_arr) && !v.raw().empty())) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: array contents do not match its element type %s", where.c_str(),
                      value_type_name(et));
  }
  if (!is_str && !is_arr && v.raw().size() % value_type_size(et) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: %zu bytes of %s data is not a whole number of elements", where.c_str(),
                      v.raw().size(), value_type_name(et));
  }
  for (size_t i = 0; i < v.elements().size(); ++i) {
    const Value& e = v.elements()[i];
    const std::string ew = where + strfmt(" element %zu", i);
    if (!e.is_array()) {
      return make_error(ErrorCode::kInvalidArgument, "%s: is %s, but the array holds arrays",
                        ew.c_str(), value_type_name(e.type()));
    }
    EDGELLM_RETURN_IF_ERROR(check_value(e, ew, depth + 1));
  }
  return Status::Ok();
}

}  // namespace

Writer Writer::copy_of(const File& file) {
  Writer w(file.version());
  w.kv_ = file.metadata();
  for (const TensorInfo& t : file.tensors()) {
    w.tensors_.push_back(Tensor{t.name, t.type, t.ne, t.n_bytes, t.data, {}});
  }
  return w;
}

void Writer::set(const std::string& key, Value value) {
  for (auto& kv : kv_) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  kv_.emplace_back(key, std::move(value));
}

void Writer::remove(const std::string& key) {
  for (auto it = kv_.begin(); it != kv_.end(); ++it) {
    if (it->first == key) {
      kv_.erase(it);
      return;
    }
  }
}

const Value* Writer::find(const std::string& key) const {
  for (const auto& kv : kv_) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

uint32_t Writer::alignment() const {
  const Value* a = find("general.alignment");
  if (a != nullptr && a->type() == ValueType::UINT32) {
    const uint64_t v = a->as_uint();
    if (v != 0 && (v & (v - 1)) == 0) return static_cast<uint32_t>(v);
  }
  return kDefaultAlignment;
}

Status Writer::validate() const {
  if (version_ != 2 && version_ != 3) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot write GGUF version %u (only versions 2 and 3)", version_);
  }
  for (const auto& [key, value] : kv_) {
    EDGELLM_RETURN_IF_ERROR(check_value(value, "metadata key '" + key + "'", 0));
  }
  if (const Value* a = find(kKeyAlignment)) {
    const uint64_t al = a->type() == ValueType::UINT32 ? a->as_uint() : 0;
    if (al == 0 || (al & (al - 1)) != 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "metadata key '%s' must be a u32 power of two, not %s %s", kKeyAlignment,
                        value_type_name(a->type()), a->to_display_string().c_str());
    }
  }
  return Status::Ok();
}

Status Writer::check_new_tensor(const std::string& name, TensorType type,
                                const std::vector<int64_t>& ne, uint64_t* n_bytes) const {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "empty tensor name");
  for (const Tensor& t : tensors_) {
    if (t.name == name) {
      return make_error(ErrorCode::kInvalidArgument, "duplicate tensor '%s'", name.c_str());
    }
  }
  const auto tr = tensor_type_traits(static_cast<uint32_t>(type));
  if (!tr) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': unknown tensor type %u",
                      name.c_str(), static_cast<uint32_t>(type));
  }
  if (ne.empty() || ne.size() > static_cast<size_t>(kMaxDims)) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': %zu dimensions (1 to %d allowed)",
                      name.c_str(), ne.size(), kMaxDims);
  }
  int64_t n = 1;
  for (size_t d = 0; d < ne.size(); ++d) {
    if (ne[d] < 0) {
      return make_error(ErrorCode::kInvalidArgument, "tensor '%s': dimension %zu is negative",
                        name.c_str(), d);
    }
    if (ne[d] != 0 && n > std::numeric_limits<int64_t>::max() / ne[d]) {
      return make_error(ErrorCode::kInvalidArgument, "tensor '%s': more than 2^63 elements",
                        name.c_str());
    }
    n *= ne[d];
  }
  if (ne[0] % tr->block_size != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor '%s': row length %" PRId64
                      " is not a multiple of the %s block size %" PRId64,
                      name.c_str(), ne[0], tr->name, tr->block_size);
  }
  const uint64_t blocks = static_cast<uint64_t>(n / tr->block_size);
  if (blocks > std::numeric_limits<uint64_t>::max() / 2 / tr->type_size) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': data size overflows",
                      name.c_str());
  }
  *n_bytes = blocks * tr->type_size;
  return Status::Ok();
}

Status Writer::add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                          const void* data) {
  uint64_t n_bytes = 0;
  EDGELLM_RETURN_IF_ERROR(check_new_tensor(name, type, ne, &n_bytes));
  if (data == nullptr && n_bytes > 0) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': no data given", name.c_str());
  }
  tensors_.push_back(Tensor{name, type, ne, n_bytes, static_cast<const uint8_t*>(data), {}});
  return Status::Ok();
}

Status Writer::add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                          std::vector<uint8_t> data) {
  uint64_t n_bytes = 0;
  EDGELLM_RETURN_IF_ERROR(check_new_tensor(name, type, ne, &n_bytes));
  if (data.size() != n_bytes) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': %zu bytes given, %llu expected",
                      name.c_str(), data.size(), static_cast<unsigned long long>(n_bytes));
  }
  tensors_.push_back(Tensor{name, type, ne, n_bytes, nullptr, std::move(data)});
  tensors_.back().data = tensors_.back().owned.data();
  return Status::Ok();
}

Status Writer::add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                          RowProducer produce) {
  uint64_t n_bytes = 0;
  EDGELLM_RETURN_IF_ERROR(check_new_tensor(name, type, ne, &n_bytes));
  if (!produce) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '%s': no producer given", name.c_str());
  }
  tensors_.push_back(Tensor{name, type, ne, n_bytes, nullptr, {}, std::move(produce)});
  return Status::Ok();
}

Status Writer::emit(const Tensor& t, const std::function<bool(const uint8_t*, size_t)>& sink) const {
  if (t.n_bytes == 0) return Status::Ok();
  if (!t.produce) {
    if (!sink(t.data, t.n_bytes)) return make_error(ErrorCode::kIoError, "write failed");
    return Status::Ok();
  }
  // Chunks of whole rows, about kChunkBytes each (at least one row), reusing one buffer.
  constexpr uint64_t kChunkBytes = 4u << 20;
  const uint64_t row_bytes = row_size(t.type, t.ne[0]);
  const int64_t n_rows = static_cast<int64_t>(t.n_bytes / row_bytes);
  const int64_t rows_per_chunk =
      static_cast<int64_t>(std::max<uint64_t>(1, kChunkBytes / row_bytes));
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(n_rows, rows_per_chunk) * row_bytes));
  for (int64_t r = 0; r < n_rows; r += rows_per_chunk) {
    const int64_t n = std::min(rows_per_chunk, n_rows - r);
    EDGELLM_RETURN_IF_ERROR(t.produce(r, n, buf.data()).with_context("tensor '" + t.name + "'"));
    if (!sink(buf.data(), static_cast<size_t>(n * row_bytes))) {
      return make_error(ErrorCode::kIoError, "write failed");
    }
  }
  return Status::Ok();
}

std::string Writer::header_bytes() const {
  const uint64_t al = alignment();
  std::string out;
  put_u32(out, kMagic);
  put_u32(out, version_);
  put_u64(out, tensors_.size());
  put_u64(out, kv_.size());
  for (const auto& [key, value] : kv_) {
    put_str(out, key);
    put_u32(out, static_cast<uint32_t>(value.type()));
    value.serialize(out);
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    put_str(out, t.name);
    put_u32(out, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) put_u64(out, static_cast<uint64_t>(d));
    put_u32(out, static_cast<uint32_t>(t.type));
    put_u64(out, offset);
    offset = align_up(offset + t.n_bytes, al);
  }
  // The data section starts aligned. A file without tensors has no data section and no padding
  // (this is how the GGUF tools write vocabulary-only files).
  if (!tensors_.empty()) out.resize(align_up(out.size(), al), '\0');
  return out;
}

uint64_t Writer::file_size() const {
  const uint64_t al = alignment();
  uint64_t n = header_bytes().size();
  for (const Tensor& t : tensors_) n += align_up(t.n_bytes, al);
  return n;
}

Result<std::string> Writer::to_bytes() const {
  EDGELLM_RETURN_IF_ERROR(validate());
  const uint64_t al = alignment();
  std::string out = header_bytes();
  for (const Tensor& t : tensors_) {
    EDGELLM_RETURN_IF_ERROR(emit(t, [&](const uint8_t* p, size_t n) {
      out.append(reinterpret_cast<const char*>(p), n);
      return true;
    }));
    out.resize(align_up(out.size(), al), '\0');
  }
  return out;
}

Status Writer::write(const std::string& path) const {
  EDGELLM_RETURN_IF_ERROR(validate().with_context("cannot write '" + path + "'"));
  const uint64_t al = alignment();
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return make_error(ErrorCode::kIoError, "cannot create '%s': %s", tmp.c_str(),
                      std::strerror(errno));
  }
  int write_errno = 0;  // set by the first failed fwrite
  auto sink = [&](const uint8_t* p, size_t n) {
    if (std::fwrite(p, 1, n, f) == n) return true;
    write_errno = errno != 0 ? errno : EIO;
    return false;
  };
  static const uint8_t kZeros[256] = {};
  const std::string header = header_bytes();
  Status st;
  if (!sink(reinterpret_cast<const uint8_t*>(header.data()), header.size())) {
    st = Status(ErrorCode::kIoError, "write failed");
  }
  for (size_t i = 0; i < tensors_.size() && st.ok(); ++i) {
    st = emit(tensors_[i], sink);
    for (uint64_t pad = align_up(tensors_[i].n_bytes, al) - tensors_[i].n_bytes;
         st.ok() && pad > 0;) {
      const size_t chunk = pad < sizeof(kZeros) ? static_cast<size_t>(pad) : sizeof(kZeros);
      if (!sink(kZeros, chunk)) st = Status(ErrorCode::kIoError, "write failed");
      pad -= chunk;
    }
  }
  if (std::fclose(f) != 0 && st.ok()) {
    write_errno = errno;
    st = Status(ErrorCode::kIoError, "close failed");
  }
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    write_errno = errno;
    st = Status(ErrorCode::kIoError, "rename failed");
  }
  if (st.ok()) return st;
  std::remove(tmp.c_str());
  // An I/O failure names the system's reason; a producer's error keeps its own message.
  if (write_errno != 0) {
    return make_error(ErrorCode::kIoError, "cannot write '%s': %s", path.c_str(),
                      std::strerror(write_errno));
  }
  return st.with_context("cannot write '" + path + "'");
}

}  // namespace edgellm::gguf
