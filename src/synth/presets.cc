// The preset table. Numbers are those of each model's config.json on Hugging Face (hf_repo);
// the special token ids are those of its tokenizer, as the GGUF converter records them.
#include "synth/presets.h"

#include <cctype>

namespace edgellm::synth {
namespace {

constexpr TokenizerSpec kSpm(int32_t unk, const char* unk_text, int32_t bos, const char* bos_text,
                             int32_t eos, const char* eos_text) {
  TokenizerSpec t;
  t.kind = TokenizerKind::kSpm;
  t.unk_id = unk, t.unk_text = unk_text;
  t.bos_id = bos, t.bos_text = bos_text;
  t.eos_id = eos, t.eos_text = eos_text;
  t.add_bos = true;
  return t;
}

constexpr TokenizerSpec kBpe(const char* pre, int32_t bos, const char* bos_text, int32_t eos,
                             const char* eos_text, bool add_bos) {
  TokenizerSpec t;
  t.kind = TokenizerKind::kBpe;
  t.pre = pre;
  t.bos_id = bos, t.bos_text = bos_text;
  t.eos_id = eos, t.eos_text = eos_text;
  t.add_bos = add_bos;
  return t;
}

std::vector<Preset> make_presets() {
  std::vector<Preset> p;
  {
    Preset s{};
    s.name = "smollm2-135m", s.model_name = "SmolLM2 135M", s.hf_repo = "HuggingFaceTB/SmolLM2-135M";
    s.arch = "llama";
    s.n_vocab = 49152, s.n_embd = 576, s.n_layer = 30, s.n_head = 9, s.n_head_kv = 3;
    s.head_dim = 64, s.n_ff = 1536, s.n_ctx_train = 8192;
    s.rope_freq_base = 100000.0f, s.norm_eps = 1e-5f, s.tied_output = true;
    s.tokenizer = kBpe("smollm", 0, "<|endoftext|>", 0, "<|endoftext|>", false);
    p.push_back(s);
  }
  {
    Preset s{};
    s.name = "qwen2.5-0.5b", s.model_name = "Qwen2.5 0.5B", s.hf_repo = "Qwen/Qwen2.5-0.5B";
    s.arch = "qwen2";
    s.n_vocab = 151936, s.n_embd = 896, s.n_layer = 24, s.n_head = 14, s.n_head_kv = 2;
    s.head_dim = 64, s.n_ff = 4864, s.n_ctx_train = 32768;
    s.rope_freq_base = 1000000.0f, s.norm_eps = 1e-6f, s.tied_output = true, s.qkv_bias = true;
    s.tokenizer = kBpe("qwen2", 151643, "<|endoftext|>", 151643, "<|endoftext|>", false);
    p.push_back(s);
  }
  {
    Preset s{};
    s.name = "llama-3.2-1b", s.model_name = "Llama 3.2 1B", s.hf_repo = "meta-llama/Llama-3.2-1B";
    s.arch = "llama";
    s.n_vocab = 128256, s.n_embd = 2048, s.n_layer = 16, s.n_head = 32, s.n_head_kv = 8;
    s.head_dim = 64, s.n_ff = 8192, s.n_ctx_train = 131072;
    s.rope_freq_base = 500000.0f, s.norm_eps = 1e-5f, s.tied_output = true;
    s.rope_scaling = RopeScaling{RopeScalingKind::kLlama3, 32.0f, 1.0f, 4.0f, 8192};
    s.tokenizer = kBpe("llama-bpe", 128000, "<|begin_of_text|>", 128001, "<|end_of_text|>", true);
    p.push_back(s);
  }
  {
    Preset s{};
    s.name = "tinyllama-1.1b", s.model_name = "TinyLlama 1.1B Chat v1.0";
    s.hf_repo = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";
    s.arch = "llama";
    s.n_vocab = 32000, s.n_embd = 2048, s.n_layer = 22, s.n_head = 32, s.n_head_kv = 4;
    s.head_dim = 64, s.n_ff = 5632, s.n_ctx_train = 2048;
    s.rope_freq_base = 10000.0f, s.norm_eps = 1e-5f, s.tied_output = false;
    s.tokenizer = kSpm(0, "<unk>", 1, "<s>", 2, "</s>");
    p.push_back(s);
  }
  {
    Preset s{};
    s.name = "phi-3-mini", s.model_name = "Phi 3 Mini 4k Instruct";
    s.hf_repo = "microsoft/Phi-3-mini-4k-instruct";
    s.arch = "phi3";
    s.n_vocab = 32064, s.n_embd = 3072, s.n_layer = 32, s.n_head = 32, s.n_head_kv = 32;
    s.head_dim = 96, s.n_ff = 8192, s.n_ctx_train = 4096;
    s.rope_freq_base = 10000.0f, s.norm_eps = 1e-5f, s.tied_output = false;
    s.fused_qkv = true, s.fused_gate_up = true, s.sliding_window = 2047;
    s.tokenizer = kSpm(0, "<unk>", 1, "<s>", 32000, "<|endoftext|>");
    p.push_back(s);
  }
  {
    Preset s{};
    s.name = "gemma-2-2b", s.model_name = "Gemma 2 2B", s.hf_repo = "google/gemma-2-2b";
    s.arch = "gemma2";
    s.n_vocab = 256000, s.n_embd = 2304, s.n_layer = 26, s.n_head = 8, s.n_head_kv = 4;
    s.head_dim = 256, s.n_ff = 9216, s.n_ctx_train = 8192;
    s.rope_freq_base = 10000.0f, s.norm_eps = 1e-6f, s.tied_output = true, s.post_norms = true;
    s.sliding_window = 4096, s.attn_logit_softcap = 50.0f, s.final_logit_softcap = 30.0f;
    s.tokenizer = kSpm(3, "<unk>", 2, "<bos>", 1, "<eos>");
    p.push_back(s);
  }
  return p;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<Preset>& all_presets() {
  static const std::vector<Preset> kPresets = make_presets();
  return kPresets;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& p : all_presets()) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

std::string preset_names() {
  std::string s;
  for (const Preset& p : all_presets()) {
    if (!s.empty()) s += ", ";
    s += p.name;
  }
  return s;
}

}  // namespace edgellm::synth
