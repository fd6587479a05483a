// Quantization recipes as GGUF users name them ("Q4_K_M"): which tensors of a model get quantized
// and to which type. The _S/_M/_L mixes give more bits to the tensors that hurt most when
// squeezed (attn_v, ffn_down in some layers, the output projection), following the per-tensor
// rules of the GGUF ecosystem's quantizer, so a file we write has the same layout and size as
// theirs. Tensors whose rows do not fit the chosen type's block size fall back to a compatible
// type, and the plan says so.
//
// plan_recipe() is a pure function of tensor names and shapes, so tools that synthesize models
// (with no input file) can reuse it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/tensor_type.h"

namespace edgellm::quant {

enum class Recipe {
  F32, F16, BF16, Q8_0, Q6_K, Q5_K_M, Q5_K_S, Q5_1, Q5_0, Q4_K_M, Q4_K_S, Q4_1, Q4_0,
  IQ4_NL, IQ4_XS, Q3_K_L, Q3_K_M, Q3_K_S, Q2_K, Q2_K_S,
};

struct RecipeInfo {
  Recipe recipe;
  const char* name;        // "Q4_K_M"
  uint32_t file_type;      // value of general.file_type (llama_ftype numbering)
  TensorType base_type;    // the type most tensors get
  const char* description;
};

// Every recipe, from most to fewest bits.
const std::vector<RecipeInfo>& all_recipes();
const RecipeInfo& recipe_info(Recipe recipe);
// Case-insensitive: "q4_k_m", "Q4_K_M". nullopt if unknown.
std::optional<Recipe> recipe_from_name(std::string_view name);

// The model hyperparameters the mixes look at.
struct ModelShape {
  std::string arch;        // general.architecture
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t n_expert = 0;
  // Query heads per KV head (1 when unknown).
  int64_t n_gqa() const { return n_head > 0 && n_head_kv > 0 ? n_head / n_head_kv : 1; }
};
// Reads {arch}.block_count, attention.head_count(_kv) and expert_count (absent counts are 0).
Result<ModelShape> model_shape(const gguf::File& file);

struct TensorDesc {
  std::string name;
  std::vector<int64_t> ne;   // ne[0] is the row length
  TensorType type = TensorType::F32;
};

struct PlanOptions {
  bool has_imatrix = false;   // some rules differ when an importance matrix guides the rounding
  bool pure = false;          // every quantized tensor gets the base type (no mix rules)
  std::optional<TensorType> output_type;      // override for output.weight
  std::optional<TensorType> token_embd_type;  // override for token_embd.weight
};

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  TensorType from = TensorType::F32;
  TensorType to = TensorType::F32;  // equals `from` when the tensor is copied unchanged
  bool convert = false;             // false: copied byte for byte
  std::string note;                 // why a fallback type was used (empty otherwise)
};

// The type of every tensor under `recipe`, in the order given. Fails only if a tensor can be
// stored in no type at all (a quantizable tensor whose row length is odd in every format and
// whose source type cannot be converted).
Result<std::vector<TensorPlan>> plan_recipe(const std::vector<TensorDesc>& tensors,
                                            const ModelShape& shape, Recipe recipe,
                                            const PlanOptions& options = {});

// Whether a tensor is a candidate for quantization at all: matrices (2-D and 3-D), except norms,
// MoE router weights, positional and token-type embeddings and a few small special matrices.
bool is_quantizable(const TensorDesc& tensor);

}  // namespace edgellm::quant
