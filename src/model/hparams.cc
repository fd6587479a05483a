// Reading hyperparameters from GGUF metadata, with the defaults GGUF runtimes apply when a key is
// absent, and the per-architecture traits.
#include "model/hparams.h"

#include <cmath>
#include <cstring>

namespace edgellm::model {
namespace {

struct ArchEntry {
  const char* name;
  Arch arch;
};
constexpr ArchEntry kArchs[] = {
    {"llama", Arch::kLlama}, {"qwen2", Arch::kQwen2},   {"phi3", Arch::kPhi3},
    {"gemma", Arch::kGemma}, {"gemma2", Arch::kGemma2}, {"bert", Arch::kBert},
};

// Reads `<arch>.<suffix>`: an integer, or an array of per-layer integers (some converters write
// head counts and FFN sizes per layer); for arrays the largest entry is returned.
Result<int64_t> get_layer_int(const gguf::File& f, const std::string& key, int64_t fallback,
                              bool required) {
  const gguf::Value* v = f.find(key);
  if (v == nullptr) {
    if (required) return make_error(ErrorCode::kNotFound, "missing metadata key '%s'", key.c_str());
    return fallback;
  }
  if (v->is_array()) {
    if (v->array_size() == 0 || v->array_type() == gguf::ValueType::STRING ||
        v->array_type() == gguf::ValueType::ARRAY) {
      return make_error(ErrorCode::kCorruptFile, "metadata key '%s': expected integers",
                        key.c_str());
    }
    int64_t best = 0;
    for (size_t i = 0; i < v->array_size(); ++i) best = std::max(best, v->int_at(i));
    return best;
  }
  return f.get_int(key);
}

Status check_range(const std::string& key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return make_error(ErrorCode::kCorruptFile, "metadata key '%s' = %lld is outside [%lld, %lld]",
                      key.c_str(), static_cast<long long>(v), static_cast<long long>(lo),
                      static_cast<long long>(hi));
  }
  return Status::Ok();
}

}  // namespace

const char* supported_architectures() { return "llama, qwen2, phi3, gemma, gemma2, bert"; }

const char* arch_name(Arch arch) {
  for (const ArchEntry& e : kArchs) {
    if (e.arch == arch) return e.name;
  }
  return "?";
}

Result<HParams> read_hparams(const gguf::File& f) {
  HParams hp;
  EDGELLM_ASSIGN_OR_RETURN(hp.arch_name, f.get_string("general.architecture"));
  bool known = false;
  for (const ArchEntry& e : kArchs) {
    if (hp.arch_name == e.name) {
      hp.arch = e.arch;
      known = true;
    }
  }
  if (!known) {
    return make_error(ErrorCode::kUnsupported, "unsupported architecture '%s' (supported: %s)",
                      hp.arch_name.c_str(), supported_architectures());
  }
  EDGELLM_ASSIGN_OR_RETURN(hp.name, f.get_string_or("general.name", ""));
  const std::string a = hp.arch_name + ".";

  EDGELLM_ASSIGN_OR_RETURN(hp.n_embd, get_layer_int(f, a + "embedding_length", 0, true));
  EDGELLM_ASSIGN_OR_RETURN(hp.n_layer, get_layer_int(f, a + "block_count", 0, true));
  EDGELLM_ASSIGN_OR_RETURN(hp.n_ff, get_layer_int(f, a + "feed_forward_length", 0, true));
  EDGELLM_ASSIGN_OR_RETURN(hp.n_head, get_layer_int(f, a + "attention.head_count", 0, true));
  EDGELLM_ASSIGN_OR_RETURN(hp.n_head_kv,
                           get_layer_int(f, a + "attention.head_count_kv", hp.n_head, false));
  EDGELLM_ASSIGN_OR_RETURN(hp.n_ctx_train, get_layer_int(f, a + "context_length", 2048, false));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "embedding_length", hp.n_embd, 1, 1 << 20));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "block_count", hp.n_layer, 1, 4096));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "feed_forward_length", hp.n_ff, 1, 1 << 22));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "attention.head_count", hp.n_head, 1, 1 << 14));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "attention.head_count_kv", hp.n_head_kv, 1, hp.n_head));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "context_length", hp.n_ctx_train, 1, int64_t{1} << 32));
  if (hp.n_head % hp.n_head_kv != 0) {
    return make_error(ErrorCode::kCorruptFile,
                      "attention.head_count %lld is not a multiple of head_count_kv %lld",
                      static_cast<long long>(hp.n_head), static_cast<long long>(hp.n_head_kv));
  }
  const int64_t default_hd = hp.n_embd / hp.n_head;
  EDGELLM_ASSIGN_OR_RETURN(hp.head_dim_k,
                           get_layer_int(f, a + "attention.key_length", default_hd, false));
  EDGELLM_ASSIGN_OR_RETURN(hp.head_dim_v,
                           get_layer_int(f, a + "attention.value_length", default_hd, false));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "attention.key_length", hp.head_dim_k, 1, 1 << 14));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "attention.value_length", hp.head_dim_v, 1, 1 << 14));

  // Vocabulary size: the explicit key, else the token list (the embedding rows are checked
  // against it when the weights are bound).
  int64_t n_vocab = 0;
  if (f.has(a + "vocab_size")) {
    EDGELLM_ASSIGN_OR_RETURN(n_vocab, f.get_int(a + "vocab_size"));
  } else if (const gguf::Value* toks = f.find("tokenizer.ggml.tokens");
             toks != nullptr && toks->is_array()) {
    n_vocab = static_cast<int64_t>(toks->array_size());
  }
  hp.n_vocab = n_vocab;

  // Rotary embedding.
  int64_t n_rot = 0;
  EDGELLM_ASSIGN_OR_RETURN(n_rot, f.get_int_or(a + "rope.dimension_count", hp.head_dim_k));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "rope.dimension_count", n_rot, 0, hp.head_dim_k));
  if (n_rot % 2 != 0) {
    return make_error(ErrorCode::kCorruptFile, "%srope.dimension_count %lld is odd", a.c_str(),
                      static_cast<long long>(n_rot));
  }
  hp.n_rot = static_cast<int>(n_rot);
  double d = 0;
  EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "rope.freq_base", 10000.0));
  hp.rope_freq_base = static_cast<float>(d);
  std::string scaling;
  EDGELLM_ASSIGN_OR_RETURN(scaling, f.get_string_or(a + "rope.scaling.type", ""));
  double factor = 0;
  EDGELLM_ASSIGN_OR_RETURN(factor, f.get_float_or(a + "rope.scaling.factor", 0.0));
  if (factor == 0.0) {
    EDGELLM_ASSIGN_OR_RETURN(factor, f.get_float_or(a + "rope.scale_linear", 0.0));
    if (factor != 0.0 && scaling.empty()) scaling = "linear";
  }
  if (scaling == "linear" && factor > 0) {
    hp.rope_scaling = RopeScaling::kLinear;
    hp.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (scaling == "yarn" && factor > 0) {
    hp.rope_scaling = RopeScaling::kYarn;
    hp.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else if (!scaling.empty() && scaling != "none" && scaling != "linear" && scaling != "yarn") {
    return make_error(ErrorCode::kUnsupported, "%srope.scaling.type '%s' is not supported",
                      a.c_str(), scaling.c_str());
  }
  EDGELLM_ASSIGN_OR_RETURN(hp.n_ctx_orig, f.get_int_or(a + "rope.scaling.original_context_length",
                                                       hp.n_ctx_train));
  EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "rope.scaling.attn_factor", 1.0));
  hp.rope_attn_factor = static_cast<float>(d);
  EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "rope.scaling.yarn_beta_fast", 32.0));
  hp.yarn_beta_fast = static_cast<float>(d);
  EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "rope.scaling.yarn_beta_slow", 1.0));
  hp.yarn_beta_slow = static_cast<float>(d);

  // Norms.
  if (hp.arch == Arch::kBert) {
    hp.layer_norm = true;
    EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "attention.layer_norm_epsilon", 1e-12));
  } else {
    EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "attention.layer_norm_rms_epsilon", 1e-5));
  }
  hp.norm_eps = static_cast<float>(d);

  // Experts.
  int64_t n_expert = 0, n_used = 0;
  EDGELLM_ASSIGN_OR_RETURN(n_expert, f.get_int_or(a + "expert_count", 0));
  EDGELLM_ASSIGN_OR_RETURN(n_used, f.get_int_or(a + "expert_used_count", 0));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "expert_count", n_expert, 0, 1024));
  EDGELLM_RETURN_IF_ERROR(check_range(a + "expert_used_count", n_used, n_expert > 0 ? 1 : 0,
                                      n_expert));
  hp.n_expert = static_cast<int>(n_expert);
  hp.n_expert_used = static_cast<int>(n_used);

  hp.attn_scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim_k));
  hp.is_swa.assign(static_cast<size_t>(hp.n_layer), 0);

  switch (hp.arch) {
    case Arch::kLlama:
      hp.rope_mode = kernels::RopeMode::kNormal;
      break;
    case Arch::kQwen2:
    case Arch::kPhi3:
      // Phi-3 files may carry attention.sliding_window; like the reference runtime, edgellm runs
      // them with full attention (the converted value does not match how the model was trained).
      hp.rope_mode = kernels::RopeMode::kNeox;
      break;
    case Arch::kGemma:
      hp.rope_mode = kernels::RopeMode::kNeox;
      hp.embed_scale = std::sqrt(static_cast<float>(hp.n_embd));
      hp.gelu_ffn = true;
      break;
    case Arch::kGemma2: {
      hp.rope_mode = kernels::RopeMode::kNeox;
      hp.embed_scale = std::sqrt(static_cast<float>(hp.n_embd));
      hp.gelu_ffn = true;
      hp.post_norms = true;
      EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "attn_logit_softcapping", 50.0));
      hp.attn_softcap = static_cast<float>(d);
      EDGELLM_ASSIGN_OR_RETURN(d, f.get_float_or(a + "final_logit_softcapping", 30.0));
      hp.final_softcap = static_cast<float>(d);
      int64_t window = 0;
      EDGELLM_ASSIGN_OR_RETURN(window, f.get_int_or(a + "attention.sliding_window", 4096));
      EDGELLM_RETURN_IF_ERROR(check_range(a + "attention.sliding_window", window, 0, 1 << 30));
      hp.sliding_window = static_cast<int>(window);
      // Gemma 2 alternates local (sliding-window) and global layers, starting with a local one.
      for (int64_t il = 0; il < hp.n_layer; ++il) hp.is_swa[il] = (il % 2 == 0) && window > 0;
      // The 27B model scales queries by 1/sqrt(n_embd / n_head) instead of the head size.
      if (hp.n_layer == 46) hp.attn_scale = 1.0f / std::sqrt(float(hp.n_embd / hp.n_head));
      break;
    }
    case Arch::kBert: {
      hp.rope_mode = kernels::RopeMode::kNeox;
      hp.n_rot = 0;
      EDGELLM_ASSIGN_OR_RETURN(hp.causal, f.get_bool_or(a + "attention.causal", false));
      int64_t pooling = 0;
      EDGELLM_ASSIGN_OR_RETURN(pooling, f.get_int_or(a + "pooling_type", 1));
      EDGELLM_RETURN_IF_ERROR(check_range(a + "pooling_type", pooling, 0, 3));
      hp.pooling = static_cast<Pooling>(pooling);
      int64_t n_types = 0;
      EDGELLM_ASSIGN_OR_RETURN(n_types, f.get_int_or("tokenizer.ggml.token_type_count", 2));
      hp.n_token_types = static_cast<int>(n_types);
      break;
    }
  }
  return hp;
}

}  // namespace edgellm::model
