// Reading GGUF files (versions 2 and 3) through mmap. Metadata is parsed into owned values; tensor
// data is never copied: each TensorInfo points into the mapping, which lives as long as the File.
//
// Every count, length, offset, type and dimension is checked against the file size before it is
// used, so a truncated or hostile file yields an error naming the key or tensor at fault, never a
// crash or an allocation larger than the file. A File is immutable after open() and safe to read
// from many threads.
#pragma once

#include <cstdint>
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

struct TensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // dimensions, ne[0] varies fastest (the row length)
  TensorType type = TensorType::F32;
  uint64_t offset = 0;      // from the start of the data section
  uint64_t n_bytes = 0;     // exact size of the tensor's data
  const uint8_t* data = nullptr;  // into the mapping

  int64_t n_elements() const;
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

  // Total bytes of tensor data (sum of n_bytes).
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
  std::unordered_map<std::string, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace edgellm::gguf
