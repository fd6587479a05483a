// Metadata, tensor producers and the write of a synthetic model (see synth.h).
#include "synth/synth.h"

#include <cmath>
#include <cstring>
#include <memory>

#include "base/timer.h"
#include "synth/vocab.h"
#include "synth/weights.h"

namespace edgellm::synth {
namespace {

using gguf::Value;

constexpr uint32_t kQuantizationVersion = 2;
constexpr float kBiasSigma = 0.02f;

uint32_t u32(int64_t v) { return static_cast<uint32_t>(v); }

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Keys in the order and with the value types the GGUF converter writes them.
void add_metadata(const Preset& p, quant::Recipe recipe, gguf::Writer& w) {
  const std::string a = std::string(p.arch) + ".";
  w.set("general.architecture", Value::string(p.arch));
  w.set("general.type", Value::string("model"));
  w.set("general.name", Value::string(p.model_name));
  w.set("general.source.huggingface.repository", Value::string(p.hf_repo));
  w.set("general.description", Value::string("random weights with the shapes of " +
                                             std::string(p.hf_repo) + " (edgellm synth)"));
  w.set(a + "vocab_size", Value::u32(u32(p.n_vocab)));
  w.set(a + "context_length", Value::u32(u32(p.n_ctx_train)));
  w.set(a + "embedding_length", Value::u32(u32(p.n_embd)));
  w.set(a + "block_count", Value::u32(u32(p.n_layer)));
  w.set(a + "feed_forward_length", Value::u32(u32(p.n_ff)));
  w.set(a + "attention.head_count", Value::u32(u32(p.n_head)));
  w.set(a + "attention.head_count_kv", Value::u32(u32(p.n_head_kv)));
  w.set(a + "rope.freq_base", Value::f32(p.rope_freq_base));
  w.set(a + "attention.layer_norm_rms_epsilon", Value::f32(p.norm_eps));
  if (p.head_dim != p.n_embd / p.n_head) {
    w.set(a + "attention.key_length", Value::u32(u32(p.head_dim)));
    w.set(a + "attention.value_length", Value::u32(u32(p.head_dim)));
  }
  w.set(a + "rope.dimension_count", Value::u32(u32(p.head_dim)));
  if (p.sliding_window > 0) w.set(a + "attention.sliding_window", Value::u32(u32(p.sliding_window)));
  if (p.attn_logit_softcap > 0) w.set(a + "attn_logit_softcapping", Value::f32(p.attn_logit_softcap));
  if (p.final_logit_softcap > 0) {
    w.set(a + "final_logit_softcapping", Value::f32(p.final_logit_softcap));
  }
  w.set("general.file_type", Value::u32(quant::recipe_info(recipe).file_type));
  w.set("general.quantization_version", Value::u32(kQuantizationVersion));
  w.set("general.alignment", Value::u32(gguf::kDefaultAlignment));
}

// 1-D F32 data computed up front (norm weights, rope factors), served row by row.
gguf::RowProducer constant_rows(std::shared_ptr<const std::vector<float>> values) {
  return [values](int64_t /*first_row*/, int64_t n_rows, uint8_t* dst) {
    const size_t n = values->size();
    for (int64_t r = 0; r < n_rows; ++r) {
      std::memcpy(dst + static_cast<size_t>(r) * n * 4, values->data(), n * 4);
    }
    return Status::Ok();
  };
}

gguf::RowProducer random_producer(TensorType type, uint64_t seed, float sigma, int64_t n_per_row) {
  return [=](int64_t first_row, int64_t n_rows, uint8_t* dst) {
    random_rows(type, seed, sigma, first_row, n_rows, n_per_row, dst);
    return Status::Ok();
  };
}

}  // namespace

bool can_synthesize(quant::Recipe recipe) {
  for (const Preset& p : all_presets()) {
    auto tensors = preset_tensors(p, recipe);
    if (!tensors.ok()) return false;
    for (const TensorSpec& t : *tensors) {
      if (!can_generate(t.type)) return false;
    }
  }
  return true;
}

Result<gguf::Writer> synthetic_model_writer(const Preset& preset, const SynthOptions& options) {
  EDGELLM_ASSIGN_OR_RETURN(std::vector<TensorSpec> tensors,
                           preset_tensors(preset, options.recipe));
  gguf::Writer w;
  add_metadata(preset, options.recipe, w);
  add_synthetic_vocab(preset, w);
  auto rope = std::make_shared<const std::vector<float>>(rope_freq_factors(preset));
  for (const TensorSpec& t : tensors) {
    if (!can_generate(t.type)) {
      return make_error(ErrorCode::kUnsupported, "tensor %s: cannot generate %s data",
                        t.name.c_str(), tensor_type_name(t.type));
    }
    const int64_t n_per_row = t.ne[0];
    const uint64_t seed = mix_seed(options.seed, hash_name(t.name.c_str()));
    gguf::RowProducer produce;
    if (ends_with(t.name, "_norm.weight")) {
      // RMS norms start as the identity.
      produce = constant_rows(
          std::make_shared<const std::vector<float>>(static_cast<size_t>(n_per_row), 1.0f));
    } else if (t.name == "rope_freqs.weight") {
      produce = constant_rows(rope);
    } else if (ends_with(t.name, ".bias")) {
      produce = random_producer(t.type, seed, kBiasSigma, n_per_row);
    } else {
      // Unit-variance inputs give unit-variance outputs.
      const float sigma = 1.0f / std::sqrt(static_cast<float>(n_per_row));
      produce = random_producer(t.type, seed, sigma, n_per_row);
    }
    EDGELLM_RETURN_IF_ERROR(w.add_tensor(t.name, t.type, t.ne, std::move(produce)));
  }
  return w;
}

Result<SynthSummary> write_synthetic_model(const Preset& preset, const std::string& path,
                                           const SynthOptions& options) {
  const double t0 = now_ms();
  SynthSummary s;
  EDGELLM_ASSIGN_OR_RETURN(s.tensors, preset_tensors(preset, options.recipe));
  EDGELLM_ASSIGN_OR_RETURN(gguf::Writer w, synthetic_model_writer(preset, options));
  EDGELLM_RETURN_IF_ERROR(w.write(path));
  s.n_elements = count_elements(s.tensors);
  s.file_bytes = w.file_size();
  s.seconds = (now_ms() - t0) / 1000.0;
  return s;
}

}  // namespace edgellm::synth
