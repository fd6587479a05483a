// Reading GGUF files (versions 2 and 3) through mmap. Metadata is parsed into owned values; tensor
// data is never copied: each TensorInfo points into the mapping, which lives as long as the File.
//
// Every count, length, offset, type and dimension is checked against the file size before it is
// used, so a truncated or hostile file yields an error naming the key or tensor at fault, never a
// crash, a hang or an allocation out of proportion to the file's size. Tensors must lie inside the
// file, aligned, without overlapping. A File is immutable after open() and safe to read from many
// threads.
//
// A mapped file must not be truncated by another process while it is open: the pages would
// vanish under the mapping (SIGBUS), which no parser can guard against.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "gguf/tensor_type.h"
#include "gguf/value.h"

namespace edgellm::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint32_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;
constexpr const char* kKeyAlignment = "general.alignment";

struct TensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // dimensions (0 to 4, each >= 0), ne[0] varies fastest (the row length)
  TensorType type = TensorType::F32;
  uint64_t offset = 0;            // from the start of the data section
  uint64_t n_bytes = 0;           // exact size of the tensor's data
  const uint8_t* data = nullptr;  // into the mapping

  int64_t n_elements() const;  // 1 for a tensor without dimensions
  int64_t n_rows() const { return ne.empty() || ne[0] == 0 ? 0 : n_elements() / ne[0]; }
  // "[256, 512]"
  std::string shape_string() const;
};

class File {
 public:
  // Maps and parses `path`.
  static Result<File> open(const std::string& path);
  // Parses a buffer the caller keeps alive (used by the fuzzer and tests). `name` is used in
  // error messages.
  static Result<File> parse(const uint8_t* data, size_t size, std::string name = "<memory>");

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t file_size() const { return size_; }
  const std::string& path() const { return name_; }
  const uint8_t* base() const { return base_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed reads. An absent key is kNotFound; a key of the wrong type is kCorruptFile naming it.
  // get_int accepts every integer type and bool; a u64 above INT64_MAX is kOutOfRange.
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;
  // Reads with a default for absent keys; a present key of the wrong type is still an error.
  Result<int64_t> get_int_or(std::string_view key, int64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;
  Result<std::string> get_string_or(std::string_view key, std::string fallback) const;
  // An array value (any element type); kNotFound if absent, kCorruptFile if not an array.
  Result<const Value*> get_array(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

  // Total bytes of tensor data (sum of n_bytes; at most file_size(), as tensors cannot overlap).
  uint64_t tensor_data_bytes() const;

 private:
  friend class Parser;

  std::shared_ptr<MappedFile> map_;  // null when parsing caller-owned memory
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  // Transparent hashing lets find(string_view) look up without building a std::string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using NameIndex = std::unordered_map<std::string, size_t, NameHash, std::equal_to<>>;
  NameIndex kv_index_;
  std::vector<TensorInfo> tensors_;
  NameIndex tensor_index_;
};

}  // namespace edgellm::gguf
