// Writing GGUF files (version 3 by default, or 2). Metadata keeps insertion order; tensors are laid
// out in the order added, each at the next multiple of the alignment (general.alignment, default
// 32), so reading a file and writing it back gives the same bytes.
//
// Tensor data is either borrowed (a pointer the caller keeps alive until write() returns, such as
// a mapped input file) or owned by the writer. Tensors are checked when added; metadata values
// and the version are checked by write() and to_bytes(), which refuse to produce a file that the
// reader would reject. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/value.h"

namespace edgellm::gguf {

class Writer {
 public:
  explicit Writer(uint32_t version = 3) : version_(version) {}

  // A writer holding `file`'s metadata and tensors (data borrowed from the file's mapping).
  static Writer copy_of(const File& file);

  // Adds a key, or replaces its value in place if present.
  void set(const std::string& key, Value value);
  void remove(const std::string& key);
  const Value* find(const std::string& key) const;
  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }

  // Adds a tensor whose data the caller keeps alive until write() returns. Errors: a duplicate or
  // empty name, an unknown type, 0 or more than 4 dimensions, a negative dimension, a row length
  // that is not a multiple of the type's block size, a size that overflows, null data.
  Status add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                    const void* data);
  // Adds a tensor whose data the writer keeps; `data` must hold exactly the tensor's bytes.
  Status add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                    std::vector<uint8_t> data);
  size_t tensor_count() const { return tensors_.size(); }

  // Checks what add_tensor() cannot: the version is 2 or 3, values are well formed (element types
  // known, numeric bytes a whole number of elements, nesting at most kMaxArrayDepth), and
  // general.alignment, when set, is a u32 power of two.
  Status validate() const;

  // Bytes the file will take (meaningful once validate() passes).
  uint64_t file_size() const;

  // Writes to `path` through a temporary file renamed into place, so a failure leaves no
  // half-written file under the final name.
  Status write(const std::string& path) const;
  // Serializes the whole file into memory (small files and tests).
  Result<std::string> to_bytes() const;

 private:
  struct Tensor {
    std::string name;
    TensorType type;
    std::vector<int64_t> ne;
    uint64_t n_bytes;
    const uint8_t* data;  // borrowed, or owned.data()
    std::vector<uint8_t> owned;
  };

  uint32_t alignment() const;
  std::string header_bytes() const;  // header, metadata and tensor infos, padded to alignment
  Status check_new_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                          uint64_t* n_bytes) const;

  uint32_t version_;
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace edgellm::gguf
