// A read-only memory map of a whole file. Model weights are used in place from this map and never
// copied. Move-only; the mapping lives until the object is destroyed. Safe to read from many
// threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace edgellm {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path` read-only. An empty file maps to size() == 0 and data() == nullptr.
  static Result<MappedFile> open(const std::string& path);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Hints that the whole file will be read soon (prefetch), or read sequentially.
  void advise_willneed() const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole file into a string, byte for byte.
Result<std::string> read_file(const std::string& path);
// Writes `data` to `path` through a temporary file and a rename, so that a failure never leaves
// a half-written file under the final name.
Status write_file_atomic(const std::string& path, const void* data, size_t size);

}  // namespace edgellm
