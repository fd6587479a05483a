// The model's weights, bound in place to the tensors of a mapped GGUF file. Matrices point into the
// mapping and are never copied or dequantized; only 1-D tensors stored in a type other than F32
// (rare: norms and biases) are converted to small owned float arrays.
//
// Shapes follow GGUF: a matrix [n_cols, n_rows] maps n_cols inputs to n_rows outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "kernels/kernels.h"
#include "model/hparams.h"

namespace edgellm::model {

struct LayerWeights {
  const float* attn_norm = nullptr;     // [n_embd]
  const float* attn_norm_b = nullptr;   // [n_embd] (bert LayerNorm bias: unused by decoders)
  kernels::Matrix wq;                   // [n_embd, n_embd_q]
  kernels::Matrix wk;                   // [n_embd, n_embd_k]
  kernels::Matrix wv;                   // [n_embd, n_embd_v]
  kernels::Matrix wqkv;                 // [n_embd, n_embd_q + n_embd_k + n_embd_v] (phi3)
  kernels::Matrix wo;                   // [n_head * head_dim_v, n_embd]
  const float* bq = nullptr;            // [n_embd_q]
  const float* bk = nullptr;            // [n_embd_k]
  const float* bv = nullptr;            // [n_embd_v]
  const float* bqkv = nullptr;          // [n_embd_q + n_embd_k + n_embd_v]
  const float* bo = nullptr;            // [n_embd]
  const float* post_attn_norm = nullptr;  // [n_embd] (gemma2)
  // bert (post-norm): LayerNorm after the attention residual and after the FFN residual.
  const float* attn_out_norm = nullptr;    // [n_embd]
  const float* attn_out_norm_b = nullptr;  // [n_embd]
  const float* layer_out_norm = nullptr;   // [n_embd]
  const float* layer_out_norm_b = nullptr; // [n_embd]

  const float* ffn_norm = nullptr;      // [n_embd]
  kernels::Matrix ffn_gate;             // [n_embd, n_ff]
  kernels::Matrix ffn_up;               // [n_embd, n_ff], or [n_embd, 2 * n_ff] fused (phi3)
  kernels::Matrix ffn_down;             // [n_ff, n_embd]
  const float* ffn_up_b = nullptr;      // [n_ff] (bert)
  const float* ffn_down_b = nullptr;    // [n_embd] (bert)
  const float* post_ffn_norm = nullptr; // [n_embd] (gemma2)
  bool fused_gate_up = false;

  // Mixture of experts: the router and one 2-D slice per expert of the 3-D expert tensors.
  kernels::Matrix ffn_gate_inp;         // [n_embd, n_expert]
  std::vector<kernels::Matrix> exp_gate;  // n_expert x [n_embd, n_ff]
  std::vector<kernels::Matrix> exp_up;    // n_expert x [n_embd, n_ff]
  std::vector<kernels::Matrix> exp_down;  // n_expert x [n_ff, n_embd]
};

struct Weights {
  kernels::Matrix tok_embd;             // [n_embd, n_vocab]
  kernels::Matrix pos_embd;             // [n_embd, n_ctx_train] (bert)
  kernels::Matrix type_embd;            // [n_embd, n_token_types] (bert)
  const float* embd_norm = nullptr;     // [n_embd] (bert)
  const float* embd_norm_b = nullptr;   // [n_embd] (bert)
  const float* output_norm = nullptr;   // [n_embd]
  kernels::Matrix output;               // [n_embd, n_vocab]; tok_embd when tied
  bool tied_output = false;
  const float* rope_freqs = nullptr;    // [n_rot / 2] frequency divisors (Llama 3), or null
  const float* rope_long = nullptr;     // [n_rot / 2] phi3 long-context factors, or null
  const float* rope_short = nullptr;    // [n_rot / 2] phi3 short-context factors, or null
  std::vector<LayerWeights> layers;

  // Every matrix, for sizing matmul scratch and reporting.
  std::vector<const kernels::Matrix*> all_matrices() const;
};

// Binds `file`'s tensors. Missing tensors, wrong shapes and unsupported types are errors naming
// the tensor. `hp.n_vocab` is filled from the embedding when the metadata did not give it.
// Owned conversions of non-F32 1-D tensors go to `owned`, which must outlive the weights.
Result<Weights> bind_weights(const gguf::File& file, HParams& hp,
                             std::vector<std::vector<float>>& owned);

}  // namespace edgellm::model
