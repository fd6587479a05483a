// Writing a random-weight GGUF model with the exact tensor shapes, hyperparameter metadata and
// vocabulary size of a preset (a named real model), so that a runtime's speed and memory use on
// a device can be measured before the real model is downloaded.
//
// The file carries the metadata keys and tensor names of the GGUF converter, the tensor types of
// the chosen recipe (as `edgellm quantize` would pick them), a synthetic vocabulary (vocab.h) and
// weights from weights.h: norms are 1, matrices have standard deviation 1/sqrt(row length), so a
// forward pass stays in range. Tensors are generated while the file is written (peak memory is a
// few MiB plus the vocabulary, whatever the model size), and the same seed gives the same bytes.
//
// Usage:
//   const synth::Preset* p = synth::find_preset("llama-3.2-1b");
//   auto summary = synth::write_synthetic_model(*p, "llama.gguf", {quant::Recipe::Q4_K_M, 1});
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/writer.h"
#include "quant/recipe.h"
#include "synth/presets.h"
#include "synth/tensors.h"

namespace edgellm::synth {

struct SynthOptions {
  quant::Recipe recipe = quant::Recipe::F16;
  uint64_t seed = 0;
};

// Whether every tensor type of `recipe` can be generated (true for every recipe today).
bool can_synthesize(quant::Recipe recipe);

// A writer holding the model's metadata and one streamed tensor per TensorSpec. Nothing is
// generated until write() / to_bytes(); file_size() gives the exact size of the file.
Result<gguf::Writer> synthetic_model_writer(const Preset& preset, const SynthOptions& options);

struct SynthSummary {
  std::vector<TensorSpec> tensors;
  int64_t n_elements = 0;
  uint64_t file_bytes = 0;
  double seconds = 0.0;
};

// Writes the model to `path` (atomically, through a temporary file).
Result<SynthSummary> write_synthetic_model(const Preset& preset, const std::string& path,
                                           const SynthOptions& options);

}  // namespace edgellm::synth
