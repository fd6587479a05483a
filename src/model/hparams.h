// Hyperparameters of a model, read from a GGUF file's `<arch>.*` metadata, and the per-architecture
// traits that decide how the forward pass runs (rope style, norms, activations, biases, soft-caps).
// The architectures are the GGUF ones: llama (also Mistral, TinyLlama, SmolLM, Mixtral-style MoE),
// qwen2, phi3, gemma, gemma2 and bert.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "kernels/kernels.h"

namespace edgellm::model {

enum class Arch { kLlama, kQwen2, kPhi3, kGemma, kGemma2, kBert };

// "llama, qwen2, phi3, gemma, gemma2, bert"
const char* supported_architectures();
const char* arch_name(Arch arch);

enum class Pooling { kNone = 0, kMean = 1, kCls = 2, kLast = 3 };

enum class RopeScaling { kNone, kLinear, kYarn };

struct HParams {
  Arch arch = Arch::kLlama;
  std::string arch_name;       // as written in general.architecture
  std::string name;            // general.name, may be empty

  int64_t n_vocab = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim_k = 0;      // key/query head size (may differ from n_embd / n_head)
  int64_t head_dim_v = 0;      // value head size
  int64_t n_ff = 0;            // feed-forward size (per expert for MoE)
  int64_t n_ctx_train = 0;

  // Rotary embedding.
  int n_rot = 0;
  kernels::RopeMode rope_mode = kernels::RopeMode::kNormal;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  RopeScaling rope_scaling = RopeScaling::kNone;
  float rope_attn_factor = 1.0f;
  float yarn_beta_fast = 32.0f;
  float yarn_beta_slow = 1.0f;
  int64_t n_ctx_orig = 0;      // training context before rope scaling

  // Normalization: RMSNorm for decoders, LayerNorm (with bias) for bert.
  float norm_eps = 1e-5f;
  bool layer_norm = false;

  // Mixture of experts (0 = dense).
  int n_expert = 0;
  int n_expert_used = 0;

  // Attention.
  float attn_scale = 0.0f;     // multiplies q.k; 1/sqrt(head_dim_k) unless the arch says else
  float attn_softcap = 0.0f;   // gemma2
  float final_softcap = 0.0f;  // gemma2, applied to the logits
  int sliding_window = 0;      // > 0: layers with is_swa[il] see only this many past positions
  std::vector<uint8_t> is_swa; // [n_layer]
  bool causal = true;

  // Architecture traits.
  float embed_scale = 1.0f;    // gemma: sqrt(n_embd)
  bool gelu_ffn = false;       // GeGLU (gemma) instead of SwiGLU; bert uses a plain GELU FFN
  bool post_norms = false;     // gemma2: norms after attention and after the FFN

  // Encoders.
  Pooling pooling = Pooling::kNone;
  int n_token_types = 0;

  int64_t n_embd_q() const { return n_head * head_dim_k; }
  int64_t n_embd_k() const { return n_head_kv * head_dim_k; }
  int64_t n_embd_v() const { return n_head_kv * head_dim_v; }
  bool is_decoder() const { return arch != Arch::kBert; }
};

// Reads and validates the hyperparameters. An unknown general.architecture is kUnsupported with
// "unsupported architecture 'x' (supported: ...)"; a missing or nonsensical value names its key.
Result<HParams> read_hparams(const gguf::File& file);

}  // namespace edgellm::model
