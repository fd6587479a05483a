// What the planner knows about a model without loading it: the hyperparameters, every tensor's
// name, shape, type and byte size, and the matrices the forward pass multiplies by. Built from a
// GGUF file's metadata and tensor table (the tensor data is never read, so planning a model needs
// none of the memory running it does), from a quick parameter-count estimate, or by retyping
// another spec under a quantization recipe (quant/recipe.h's mix rules).
//
// Plain values: copy freely; the functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/tensor_type.h"
#include "model/hparams.h"
#include "model/memory.h"
#include "quant/recipe.h"

namespace edgellm::plan {

struct TensorEntry {
  std::string name;
  std::vector<int64_t> ne;  // ne[0] is the row length
  TensorType type = TensorType::F32;
  uint64_t n_bytes = 0;
};

struct ModelSpec {
  std::string source;     // the file path, "synth:PRESET:TYPE" or "estimate"
  std::string name;       // general.name, the preset name, or "8B estimate"
  std::string type_name;  // "Q4_K_M", "F16", ... (the recipe, or the file's most common type)
  model::HParams hp;
  std::vector<TensorEntry> tensors;          // empty for an estimate
  std::vector<model::WeightShape> matrices;  // what Context::create sizes matmul scratch from
  uint64_t weights_bytes = 0;                // tensor data: what the mapping pages in
  double n_params = 0;                       // elements of all tensors
  // The file before the tensor data (header, metadata with the vocabulary, tensor table).
  // Estimated when there is no file.
  uint64_t metadata_bytes = 0;
  // Vocabulary entries: tokenizer.ggml.tokens and tokenizer.ggml.merges (BPE) array lengths. They
  // decide the size of the parsed metadata and of the tokenizer's tables.
  int64_t n_tokens = 0;
  int64_t n_merges = 0;
  bool tied_output = false;  // no output.weight: token_embd doubles as the output projection
  bool estimated = false;    // shapes derived from a parameter count, not real tensors
  quant::ModelShape shape;   // for recipe mixes
};

// Reads `path`'s metadata and tensor table and binds the weights' shapes (as Model::load does,
// without touching tensor data). Errors name the file.
Result<ModelSpec> spec_from_file(const std::string& path);

// Fills spec.n_tokens and spec.n_merges from the tokenizer arrays of `file`'s metadata.
void vocab_counts(const gguf::File& file, ModelSpec& spec);

// The matrices the forward pass multiplies by, derived from tensor names and shapes as the
// weight binder does (every 2-D or 3-D tensor except positional and token-type embeddings).
std::vector<model::WeightShape> matrices_from_tensors(const std::vector<TensorEntry>& tensors);

// `spec` with every tensor retyped as `recipe` would quantize it (same mix rules and fallbacks as
// `edgellm quantize`), and weights_bytes recomputed from the shapes. Estimates scale instead.
Result<ModelSpec> retype(const ModelSpec& spec, quant::Recipe recipe);

// A quick estimate from a parameter count, for models not at hand.
struct EstimateParams {
  double n_params = 0;      // total parameters (embeddings included)
  double bits = 4.5;        // bits per weight, averaged over the file
  int64_t n_layer = 0;      // required
  int64_t n_head_kv = 0;    // required: KV heads (grouped-query attention)
  int64_t head_dim = 0;     // required
  int64_t n_embd = 0;       // 0: derived from n_params (Llama-style layers, see the .cc)
  int64_t n_head = 0;       // 0: n_embd / head_dim
  int64_t n_ff = 0;         // 0: 3.5 n_embd rounded up to 256 (Llama 3 8B: 14336)
  int64_t n_vocab = 32000;  // tokenizer: assumed byte-level BPE, one merge per token
  int64_t n_ctx_train = 131072;
  int sliding_window = 0;  // > 0: every other layer uses this window (Gemma 2)
};
Result<ModelSpec> spec_from_estimate(const EstimateParams& e);

// The tensor type a bits-per-weight figure stands for in scratch sizing (4 -> Q4_K, 8 -> Q8_0).
TensorType type_for_bits(double bits);

}  // namespace edgellm::plan
