// The exact tensor list of a preset: names and shapes as the GGUF converter writes them for the
// real model (ggml order: ne[0] is the row length, the input features of a matrix), and the type
// each tensor gets under a quantization recipe, chosen by the same mix rules and fallbacks as
// `edgellm quantize` (quant/recipe.h). A memory planner can size a model from this list alone.
//
// Pure functions of their arguments: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/tensor_type.h"
#include "quant/recipe.h"
#include "synth/presets.h"

namespace edgellm::synth {

struct TensorSpec {
  std::string name;          // "blk.0.attn_q.weight"
  std::vector<int64_t> ne;   // [n_embd, n_embd_q] for attn_q
  TensorType type = TensorType::F32;
  std::string note;          // why a fallback type was used (empty otherwise)

  int64_t n_elements() const;
  uint64_t n_bytes() const;  // exact size of the tensor's data
};

// The tensors of `preset` in file order, typed under `recipe`. 1-D tensors (norms, biases,
// rope_freqs) stay F32. Errors: a recipe whose plan cannot be made for these shapes.
Result<std::vector<TensorSpec>> preset_tensors(const Preset& preset, quant::Recipe recipe);

// Sum of n_elements() over all tensors (the parameter count, plus rope_freqs for Llama 3).
int64_t count_elements(const std::vector<TensorSpec>& tensors);
// Sum of n_bytes() (the file adds the header and alignment padding to this).
uint64_t count_bytes(const std::vector<TensorSpec>& tensors);

// Llama 3 rope scaling: one factor per rotary frequency pair (head_dim / 2 values), stored in
// the file as rope_freqs.weight; empty unless the preset uses RopeScalingKind::kLlama3.
std::vector<float> rope_freq_factors(const Preset& preset);

}  // namespace edgellm::synth
