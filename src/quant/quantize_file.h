// Quantizing a whole GGUF model file: plan the per-tensor types of a recipe, convert each tensor
// (any input type that can be dequantized, already-quantized input included), and write a GGUF
// file that any GGUF runtime loads. Metadata is copied, general.file_type and
// general.quantization_version are set, and tensors are written in the order the GGUF
// ecosystem's quantizer uses (non-layer tensors by name, then layer by layer, by name), so
// that with the reference rounding our output equals theirs byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "quant/imatrix.h"
#include "quant/recipe.h"

namespace edgellm::quant {

// How rows are rounded when no custom quantizer takes the tensor.
enum class Rounding {
  kReference,  // the published reference algorithms: bytes equal to the ecosystem's quantizer
  kOptimized,  // our weighted scale search (lower error; uses the importance matrix when given)
};

// Quantizes one whole tensor. `weights` holds n_rows rows of n_per_row floats (for 3-D tensors,
// the matrices one after another), `out` receives n_rows * row_size(plan.to, n_per_row) bytes.
// Returns false (with `out` untouched) to leave the tensor to the default rounding.
using TensorQuantizer = std::function<Result<bool>(const TensorPlan& plan, const float* weights,
                                                   int64_t n_rows, int64_t n_per_row,
                                                   uint8_t* out, ThreadPool& pool)>;

struct QuantizeOptions {
  Recipe recipe = Recipe::Q4_K_M;
  PlanOptions plan;
  Rounding rounding = Rounding::kOptimized;
  const ImportanceMatrix* imatrix = nullptr;  // not owned; may be null
  std::string imatrix_path;                   // recorded in the output's metadata
  TensorQuantizer custom;                     // e.g. GPTQ; may be empty
  // Extra metadata to record (added after the input's keys).
  std::vector<std::pair<std::string, std::string>> extra_string_metadata;
  int n_threads = 0;                          // 0: all cores
};

struct TensorReport {
  TensorPlan plan;
  int64_t n_elements = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  bool used_importance = false;
  bool custom = false;  // written by QuantizeOptions::custom
};

struct QuantizeSummary {
  std::vector<TensorReport> tensors;
  uint64_t file_bytes_in = 0;
  uint64_t file_bytes_out = 0;
  uint64_t tensor_bytes_in = 0;
  uint64_t tensor_bytes_out = 0;
  int64_t n_elements = 0;
  std::vector<std::string> warnings;  // requantized input, fallbacks, missing imatrix entries
  double seconds = 0.0;
  // Bits per weight over all tensors (tensor bytes * 8 / elements).
  double bits_per_weight() const {
    return n_elements > 0 ? static_cast<double>(tensor_bytes_out) * 8.0 / static_cast<double>(n_elements) : 0.0;
  }
};

// Called after each tensor: index (1-based count done), total, and that tensor's report.
using QuantizeProgress = std::function<void(size_t done, size_t total, const TensorReport& t)>;

// The tensors of `file` in the order a quantized file lists them.
std::vector<TensorDesc> ordered_tensors(const gguf::File& file);

// What quantize_file() will write, without converting anything: each tensor's type (in output
// order) and the exact size of the output file.
struct FilePlan {
  ModelShape shape;
  std::vector<TensorPlan> tensors;
  uint64_t file_bytes = 0;
};
Result<FilePlan> plan_file(const gguf::File& in, const QuantizeOptions& options);

// Quantizes in_path into out_path. Progress may be empty.
Result<QuantizeSummary> quantize_file(const std::string& in_path, const std::string& out_path,
                                      const QuantizeOptions& options,
                                      const QuantizeProgress& progress = {});

// Rounds n_rows rows with the chosen rounding, spread over the pool. `importance`: n_per_row
// column weights or null.
void quantize_rows(TensorType type, Rounding rounding, const float* src, int64_t n_rows,
                   int64_t n_per_row, uint8_t* dst, const float* importance, ThreadPool& pool);

}  // namespace edgellm::quant
