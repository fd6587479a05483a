// Named real models whose shapes `edgellm synth` reproduces with random weights: every
// hyperparameter that decides a model's tensor shapes, metadata and tokenizer, taken from each
// model's published Hugging Face config.json. The memory planner reads the same table, so sizes
// can be computed for a model that has not been downloaded.
//
// The table is immutable static data: safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgellm::synth {

enum class TokenizerKind {
  kSpm,  // SentencePiece BPE over scores with <0xNN> byte fallback (tokenizer.ggml.model "llama")
  kBpe,  // byte-level BPE over merges (tokenizer.ggml.model "gpt2")
};

enum class RopeScalingKind {
  kNone,
  kLlama3,  // per-frequency factors stored as rope_freqs.weight (Llama 3.1 / 3.2)
};

struct RopeScaling {
  RopeScalingKind kind = RopeScalingKind::kNone;
  float factor = 1.0f;            // wavelengths beyond original_ctx / low_freq_factor: x factor
  float low_freq_factor = 1.0f;
  float high_freq_factor = 1.0f;  // wavelengths below original_ctx / high_freq_factor: unchanged
  int64_t original_ctx = 0;       // context the model was pre-trained on
};

struct TokenizerSpec {
  TokenizerKind kind = TokenizerKind::kSpm;
  const char* pre = "";  // tokenizer.ggml.pre for BPE ("llama-bpe", "qwen2", "smollm")
  // Special token ids and texts, at their ids in the real vocabulary.
  int32_t bos_id = -1;
  const char* bos_text = "";
  int32_t eos_id = -1;
  const char* eos_text = "";
  int32_t unk_id = -1;  // SPM only
  const char* unk_text = "";
  bool add_bos = true;  // tokenizer.ggml.add_bos_token
};

struct Preset {
  const char* name;        // what `edgellm synth` takes: "llama-3.2-1b"
  const char* model_name;  // general.name: "Llama 3.2 1B"
  const char* hf_repo;     // where the shapes come from: "meta-llama/Llama-3.2-1B"
  const char* arch;        // general.architecture: "llama", "qwen2", "phi3", "gemma2"
  int64_t n_vocab;
  int64_t n_embd;
  int64_t n_layer;
  int64_t n_head;
  int64_t n_head_kv;
  int64_t head_dim;  // per head, for queries, keys and values
  int64_t n_ff;      // feed-forward hidden size (phi3 stores gate and up fused: 2 * n_ff rows)
  int64_t n_ctx_train;
  float rope_freq_base;
  RopeScaling rope_scaling;
  float norm_eps;  // RMS norm epsilon
  bool tied_output;     // no output.weight: the token embedding doubles as the output projection
  bool qkv_bias;        // qwen2: attn_q/k/v biases
  bool fused_qkv;       // phi3: one attn_qkv matrix
  bool fused_gate_up;   // phi3: ffn_up holds gate and up, no ffn_gate
  bool post_norms;      // gemma2: post_attention_norm and post_ffw_norm per layer
  int64_t sliding_window;      // 0: none
  float attn_logit_softcap;    // 0: none
  float final_logit_softcap;   // 0: none
  TokenizerSpec tokenizer;

  int64_t n_embd_q() const { return n_head * head_dim; }      // rows of attn_q
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }  // rows of attn_k and attn_v
};

// Every preset, in the order `edgellm synth --help` lists them (smallest first).
const std::vector<Preset>& all_presets();
// The preset called `name` (case-insensitive), or null.
const Preset* find_preset(std::string_view name);
// "smollm2-135m, qwen2.5-0.5b, ...", for error messages and help.
std::string preset_names();

}  // namespace edgellm::synth
