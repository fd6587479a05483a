// Calibration passes: run a model over a text in windows and watch the inputs of its matrix
// products, to build an importance matrix (per weight matrix, the mean squared input activation
// of each column, as llama-imatrix collects it) or GPTQ Hessians (sum of x x^T per linear layer).
//
// Windows follow llama-imatrix: the text is tokenized once, cut into n_tokens / n_ctx windows,
// each window's first token is replaced by BOS (where the model adds one), and every position of
// every window counts. Statistics are keyed by tensor name ("blk.3.ffn_down.weight").
//
// Not thread-safe; each call creates its own Context.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "model/context.h"
#include "model/model.h"
#include "quant/gptq.h"
#include "quant/imatrix.h"

namespace edgellm {

struct CalibrationOptions {
  int64_t n_ctx = 512;     // window length
  int64_t max_chunks = 0;  // 0: every whole window
  int n_threads = 0;       // 0: physical cores
};

// After each window: windows done, windows in all.
using CalibrationProgress = std::function<void(int64_t done, int64_t total)>;

// Runs `model` over the windows of `tokens`, calling `observer` before every matrix product.
// Returns the number of windows run. Fails if there is not one whole window.
Result<int64_t> run_calibration(std::shared_ptr<const model::Model> model,
                                std::span<const model::Token> tokens,
                                const CalibrationOptions& options,
                                const model::MatmulObserver& observer,
                                const CalibrationProgress& progress = {});

// Sums of squared activations for the layer matrices (blk.*) and output.weight.
Result<quant::ImportanceMatrix> collect_imatrix(std::shared_ptr<const model::Model> model,
                                                std::span<const model::Token> tokens,
                                                const CalibrationOptions& options,
                                                const CalibrationProgress& progress = {});

// GPTQ Hessians of the 2-D matrices for which want(name) is true. Matrices that read the same
// input (q, k and v; gate and up) share one Hessian object. MoE expert slices are not collected.
using HessianMap = std::map<std::string, std::shared_ptr<quant::Hessian>>;
Result<HessianMap> collect_hessians(std::shared_ptr<const model::Model> model,
                                    std::span<const model::Token> tokens,
                                    const CalibrationOptions& options,
                                    const std::function<bool(const std::string&)>& want,
                                    const CalibrationProgress& progress = {});

}  // namespace edgellm
