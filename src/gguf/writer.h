// Writing GGUF files (version 3 by default, or 2). Metadata keeps insertion order; tensors are laid
// out in the order added, each at the next multiple of the alignment (general.alignment, default
// 32), so reading a file and writing it back gives the same bytes.
//
// Tensor data is either borrowed (a pointer the caller keeps alive until write() returns, such as
// a mapped input file), owned by the writer, or produced row by row while the file is written (a
// RowProducer), so that a file larger than memory can be streamed out without ever being held. Tensors are checked when added; metadata values
// and the version are checked by write() and to_bytes(), which refuse to produce a file that the
// reader would reject. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/value.h"

namespace edgellm::gguf {

// Fills the bytes of rows [first_row, first_row + n_rows) of one tensor into `dst` (n_rows times
// the tensor's row size). write() and to_bytes() call it with consecutive ranges from row 0, a few
// MiB at a time; each call of write() or to_bytes() starts again at row 0, so a producer should
// be a pure function of the rows asked for. An error aborts the write.
using RowProducer = std::function<Status(int64_t first_row, int64_t n_rows, uint8_t* dst)>;

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
  // Adds a tensor whose data `produce` generates at write time (see RowProducer). A row is ne[0]
  // elements; a tensor has n_elements / ne[0] rows.
  Status add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                    RowProducer produce);
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
    const uint8_t* data;  // borrowed, or owned.data(); null when produced
    std::vector<uint8_t> owned;
    RowProducer produce;  // set for tensors generated at write time
  };

  // Passes the tensor's bytes to `sink` in order, a chunk at a time (one chunk unless produced).
  Status emit(const Tensor& t, const std::function<bool(const uint8_t*, size_t)>& sink) const;

  uint32_t alignment() const;
  std::string header_bytes() const;  // header, metadata and tensor infos, padded to alignment
  Status check_new_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne,
                          uint64_t* n_bytes) const;

  uint32_t version_;
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace edgellm::gguf
