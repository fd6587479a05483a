// GPTQ for a whole GGUF model: run the model over calibration text, collect each linear layer's
// input Hessian (sum over calibration tokens of x x^T; the factor 2 of H = 2 X^T X cancels
// against the relative damping), and quantize each matrix with quant::gptq_quantize() into the
// type the recipe gives it. The file is then written by quant::quantize_file(), so the layout,
// metadata and the tensors GPTQ does not take (token embedding, 1-D tensors, types without a
// block fit, MoE experts) are exactly those of plain quantization.
//
// Sequential mode (the classic GPTQ): layer l's Hessians are collected from a model whose layers
// before l are already quantized, so each layer compensates the error of the ones before it.
// That costs one calibration pass per layer (plus one for the output matrix), through an
// intermediate GGUF file written next to the output and removed afterwards. One-pass mode
// collects every Hessian from the float model at once (faster; more memory for big models).
//
// Not thread-safe; uses options.n_threads threads.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "quant/gptq.h"
#include "quant/quantize_file.h"
#include "runtime/calibrate.h"

namespace edgellm {

struct GptqFileOptions {
  quant::GptqOptions gptq;
  CalibrationOptions calib;
  bool sequential = true;
};

// One line of progress per layer ("layer 3/8: 7 matrices, ...").
using GptqLog = std::function<void(const std::string& line)>;

// Quantizes in_path to out_path under `options` (recipe, imatrix for the non-GPTQ tensors,
// threads), with GPTQ for the matrices it supports, calibrated on `calib_text`.
Result<quant::QuantizeSummary> quantize_file_gptq(const std::string& in_path,
                                                  const std::string& out_path,
                                                  const std::string& calib_text,
                                                  const quant::QuantizeOptions& options,
                                                  const GptqFileOptions& gptq_options,
                                                  const GptqLog& log = {},
                                                  const quant::QuantizeProgress& progress = {});

}  // namespace edgellm
