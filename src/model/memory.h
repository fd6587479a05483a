// How much memory a Context allocates, computed by the same code that lays out its buffers, so a
// planner's prediction cannot drift from what the engine really allocates. Pure functions of the
// hyperparameters, the weight shapes and the context settings: no file or allocation needed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "gguf/tensor_type.h"
#include "model/hparams.h"

namespace edgellm::model {

struct ContextParams {
  int64_t n_ctx = 0;       // 0: min(the model's training context, 4096)
  int64_t n_batch = 512;   // tokens per forward step (encoders: the whole input, = n_ctx)
  int64_t n_outputs = 1;   // rows of logits one decode() can return (n_batch for perplexity)
  TensorType kv_type = TensorType::F16;  // F16 or Q8_0
  int n_threads = 0;       // 0: the number of physical cores
};

// Fills defaults and checks the settings against the model: n_ctx in [1, 2^24] (a context past
// the training length is allowed, as GGUF runtimes allow it), n_batch clamped to n_ctx, the KV
// type supported for the head size. Errors name the option.
Result<ContextParams> resolve_params(const HParams& hp, ContextParams p);

// A matrix the forward pass multiplies by: its type and row length decide the scratch the
// activation conversion needs.
struct WeightShape {
  TensorType type = TensorType::F32;
  int64_t n_cols = 0;
};

// Byte offsets of the Context's scratch buffers inside one arena (all 64-byte aligned).
struct ScratchLayout {
  size_t x = 0, xn = 0, q = 0, k = 0, v = 0, qkv = 0, attn = 0, tmp = 0, ffn_a = 0, ffn_b = 0;
  size_t moe_router = 0, moe_x = 0, moe_out = 0, logits = 0, pos = 0, cells = 0;
  size_t matmul_ws = 0, matmul_ws_bytes = 0;
  size_t attn_ws = 0, attn_ws_bytes = 0;
  size_t total = 0;
};

struct MemoryPlan {
  std::vector<int64_t> kv_cells;  // [n_layer] cache cells per layer (window + batch for SWA)
  uint64_t kv_bytes = 0;          // keys and values of every layer
  ScratchLayout scratch;          // compute buffers; scratch.total bytes
  uint64_t compute_bytes() const { return scratch.total; }
};

// `p` must come from resolve_params(). `matrices` lists every matrix the model multiplies by.
MemoryPlan plan_memory(const HParams& hp, const ContextParams& p,
                       const std::vector<WeightShape>& matrices);

// Cache cells a layer needs: the whole context, or for a sliding-window layer the window plus one
// batch (a batch's queries must still see the window before the batch's first token).
int64_t kv_cells_for_layer(const HParams& hp, const ContextParams& p, int64_t il);

}  // namespace edgellm::model
