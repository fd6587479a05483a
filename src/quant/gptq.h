// GPTQ: quantize a weight matrix so that its outputs on calibration inputs stay close, rather
// than its weights. With H = sum over calibration rows of x x^T (the Hessian of the layer's
// squared output error), columns are quantized one at a time and each column's rounding error is
// spread onto the columns not yet quantized, weighted by the inverse Hessian (through its upper
// Cholesky factor), so that later columns compensate for it. Updates are applied lazily in
// blocks of 128 columns. Scales are fitted when the sweep reaches each group of columns, from
// the weights as updated so far, and the result is stored in the ordinary GGUF block layout.
//
// Thread-safe: functions are pure; work is spread over the given pool.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/tensor_type.h"

namespace edgellm::quant {

struct GptqOptions {
  double damp = 0.01;   // added to H's diagonal: damp * mean(diag(H))
  int block_size = 128; // columns per lazy batch update
  int group_size = 0;   // columns whose scales are fitted together; 0: the format's sub-block
};

// Sums x x^T over activation rows: the Hessian GPTQ needs for one linear layer's input.
class Hessian {
 public:
  explicit Hessian(int64_t n = 0) : n_(n), h_(static_cast<size_t>(n * n), 0.0) {}
  int64_t n() const { return n_; }
  int64_t n_samples() const { return n_samples_; }
  // Adds n_rows rows of n() values, row t at x + t * ld.
  void add(const float* x, int64_t n_rows, int64_t ld, ThreadPool& pool);
  const double* data() const { return h_.data(); }  // [n][n], row-major, symmetric

 private:
  int64_t n_ = 0;
  int64_t n_samples_ = 0;
  std::vector<double> h_;
};

// True if gptq_quantize() supports `type` (the block formats with an optimized fit).
bool gptq_supports(TensorType type);

// Quantizes w [n_rows][n_cols] to `type` into out (n_rows * row_size(type, n_cols) bytes) with
// the Hessian h [n_cols][n_cols]. Errors: an unsupported type, n_cols not a multiple of the
// block size, a group size that does not fit the format, or a Hessian that stays singular
// after damping.
Status gptq_quantize(TensorType type, const float* w, int64_t n_rows, int64_t n_cols,
                     const double* h, const GptqOptions& options, uint8_t* out, ThreadPool& pool);

}  // namespace edgellm::quant
