// Tensor names and shapes per architecture family, and their types under a recipe.
#include "synth/tensors.h"

#include <cmath>

namespace edgellm::synth {
namespace {

using Ne = std::vector<int64_t>;

void add(std::vector<quant::TensorDesc>& out, std::string name, Ne ne) {
  out.push_back({std::move(name), std::move(ne), TensorType::F32});
}

// Shapes in ggml order; the source type is F32, as if converting from full precision.
std::vector<quant::TensorDesc> shapes(const Preset& p) {
  std::vector<quant::TensorDesc> t;
  if (p.rope_scaling.kind == RopeScalingKind::kLlama3) add(t, "rope_freqs.weight", {p.head_dim / 2});
  add(t, "token_embd.weight", {p.n_embd, p.n_vocab});  // [n_embd, n_vocab]
  const int64_t q = p.n_embd_q(), kv = p.n_embd_kv();
  for (int64_t i = 0; i < p.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    add(t, b + "attn_norm.weight", {p.n_embd});
    if (p.fused_qkv) {
      add(t, b + "attn_qkv.weight", {p.n_embd, q + 2 * kv});  // [n_embd, q | k | v]
    } else {
      add(t, b + "attn_q.weight", {p.n_embd, q});  // [n_embd, n_head * head_dim]
      if (p.qkv_bias) add(t, b + "attn_q.bias", {q});
      add(t, b + "attn_k.weight", {p.n_embd, kv});  // [n_embd, n_head_kv * head_dim]
      if (p.qkv_bias) add(t, b + "attn_k.bias", {kv});
      add(t, b + "attn_v.weight", {p.n_embd, kv});
      if (p.qkv_bias) add(t, b + "attn_v.bias", {kv});
    }
    add(t, b + "attn_output.weight", {q, p.n_embd});  // [n_head * head_dim, n_embd]
    if (p.post_norms) add(t, b + "post_attention_norm.weight", {p.n_embd});
    add(t, b + "ffn_norm.weight", {p.n_embd});
    if (p.fused_gate_up) {
      add(t, b + "ffn_up.weight", {p.n_embd, 2 * p.n_ff});  // [n_embd, gate | up]
    } else {
      add(t, b + "ffn_gate.weight", {p.n_embd, p.n_ff});  // [n_embd, n_ff]
      add(t, b + "ffn_up.weight", {p.n_embd, p.n_ff});
    }
    add(t, b + "ffn_down.weight", {p.n_ff, p.n_embd});  // [n_ff, n_embd]
    if (p.post_norms) add(t, b + "post_ffw_norm.weight", {p.n_embd});
  }
  add(t, "output_norm.weight", {p.n_embd});
  if (!p.tied_output) add(t, "output.weight", {p.n_embd, p.n_vocab});  // [n_embd, n_vocab]
  return t;
}

}  // namespace

int64_t TensorSpec::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

uint64_t TensorSpec::n_bytes() const {
  return ne.empty() ? 0 : row_size(type, ne[0]) * static_cast<uint64_t>(n_elements() / ne[0]);
}

Result<std::vector<TensorSpec>> preset_tensors(const Preset& preset, quant::Recipe recipe) {
  const std::vector<quant::TensorDesc> descs = shapes(preset);
  quant::ModelShape shape;
  shape.arch = preset.arch;
  shape.n_layer = preset.n_layer;
  shape.n_head = preset.n_head;
  shape.n_head_kv = preset.n_head_kv;
  EDGELLM_ASSIGN_OR_RETURN(std::vector<quant::TensorPlan> plans,
                           quant::plan_recipe(descs, shape, recipe));
  std::vector<TensorSpec> out;
  out.reserve(plans.size());
  for (quant::TensorPlan& p : plans) {
    out.push_back({std::move(p.name), std::move(p.ne), p.to, std::move(p.note)});
  }
  return out;
}

int64_t count_elements(const std::vector<TensorSpec>& tensors) {
  int64_t n = 0;
  for (const TensorSpec& t : tensors) n += t.n_elements();
  return n;
}

uint64_t count_bytes(const std::vector<TensorSpec>& tensors) {
  uint64_t n = 0;
  for (const TensorSpec& t : tensors) n += t.n_bytes();
  return n;
}

std::vector<float> rope_freq_factors(const Preset& p) {
  const RopeScaling& s = p.rope_scaling;
  if (s.kind != RopeScalingKind::kLlama3) return {};
  // Frequencies whose wavelength is short against the original context keep their speed, long
  // ones are slowed by `factor`, and those between blend smoothly (Llama 3.1's scheme).
  const double low_wavelen = static_cast<double>(s.original_ctx) / s.low_freq_factor;
  const double high_wavelen = static_cast<double>(s.original_ctx) / s.high_freq_factor;
  std::vector<float> out;
  for (int64_t i = 0; i < p.head_dim; i += 2) {
    const double freq =
        1.0 / std::pow(static_cast<double>(p.rope_freq_base), static_cast<double>(i) / p.head_dim);
    const double wavelen = 2.0 * M_PI / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1.0;
    } else if (wavelen > low_wavelen) {
      f = s.factor;
    } else {
      const double smooth = (s.original_ctx / wavelen - s.low_freq_factor) /
                            (s.high_freq_factor - s.low_freq_factor);
      f = 1.0 / ((1.0 - smooth) / s.factor + smooth);
    }
    out.push_back(static_cast<float>(f));
  }
  return out;
}

}  // namespace edgellm::synth
