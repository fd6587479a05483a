// Importance matrices: per weight matrix, the sum over calibration tokens of the squared input
// activation of each column. Rounding error on column j of a weight matrix costs, on average,
// error^2 * E[x_j^2] at the layer's output, so these means are the weights the quantizers use.
//
// Files use the GGUF imatrix layout of the GGUF ecosystem (general.type = "imatrix"; tensors
// "<name>.in_sum2" [n_per_row, n_mat] and "<name>.counts" [1, n_mat]), so files from either
// tool work with the other; the older binary ".dat" layout is read as well.
//
// Not thread-safe for writing: accumulate from one thread (or one instance per thread and merge).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgellm::quant {

class ImportanceMatrix {
 public:
  struct Entry {
    int64_t n_per_row = 0;       // columns of the weight matrix (its input width)
    int64_t n_mat = 1;           // matrices in the tensor (experts of a 3-D MoE tensor)
    std::vector<double> sum2;    // [n_mat][n_per_row] sums of squared activations
    std::vector<double> counts;  // [n_mat] activation rows accumulated
  };

  // Adds n_rows activation rows x[r * n_per_row + j] seen by matrix `mat` of tensor `name`
  // (n_mat matrices in all). Fails if the shape disagrees with earlier calls for that tensor.
  Status add(const std::string& name, const float* x, int64_t n_rows, int64_t n_per_row,
             int64_t mat = 0, int64_t n_mat = 1);
  // Adds all of `other` into this one (shapes must agree).
  Status merge(const ImportanceMatrix& other);

  // Mean squared activation per column, [n_mat * n_per_row]; empty if the tensor is unknown.
  // Matrices that never saw a token get weight 1 everywhere (no information: plain error).
  std::vector<float> column_weights(const std::string& name) const;

  const std::map<std::string, Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // Calibration provenance written into the file and copied into quantized models.
  std::vector<std::string> datasets;
  int64_t chunk_count = 0;
  int64_t chunk_size = 0;

  // Reads a GGUF imatrix file, or the older binary layout.
  static Result<ImportanceMatrix> load(const std::string& path);
  Status save(const std::string& path) const;

 private:
  static Result<ImportanceMatrix> load_legacy(const std::string& path);

  std::map<std::string, Entry> entries_;
};

}  // namespace edgellm::quant
