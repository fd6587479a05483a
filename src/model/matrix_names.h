// Names the weight matrices a Context multiplies by, from the data pointer a MatmulObserver sees:
// which GGUF tensor the matrix lies in and, for the 3-D expert tensors of MoE models, which
// expert's slice it is. Calibration tools (importance matrices, GPTQ) key their statistics by
// tensor name, as the files they write and the quantizer expect.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "kernels/kernels.h"

namespace edgellm::model {

struct MatrixName {
  const std::string* name = nullptr;  // the tensor's name (owned by the MatrixNames)
  int64_t n_per_row = 0;              // columns (ne[0])
  int64_t matrix = 0;                 // expert index inside a 3-D tensor, else 0
  int64_t n_matrices = 1;             // ne[2] of a 3-D tensor, else 1
};

class MatrixNames {
 public:
  // Indexes the tensors of `file`, which must outlive this object (pointers are compared with
  // its mapping).
  explicit MatrixNames(const gguf::File& file);

  // The tensor holding w.data, or a MatrixName with name == nullptr when w is not inside one
  // of the file's tensors (e.g. a converted copy).
  MatrixName find(const kernels::Matrix& w) const;

 private:
  struct Range {
    const uint8_t* begin;
    const uint8_t* end;
    std::string name;
    int64_t n_per_row;
    int64_t n_matrices;
    uint64_t matrix_bytes;
  };
  std::vector<Range> ranges_;  // sorted by begin
};

}  // namespace edgellm::model
