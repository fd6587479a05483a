// Model specs from GGUF tensor tables, recipes and parameter-count estimates (see model_spec.h).
#include "plan/model_spec.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "gguf/file.h"
#include "model/weights.h"

namespace edgellm::plan {
namespace {

uint64_t tensor_bytes(TensorType type, const std::vector<int64_t>& ne) {
  if (ne.empty()) return traits(type).type_size;
  int64_t rows = 1;
  for (size_t i = 1; i < ne.size(); ++i) rows *= ne[i];
  return static_cast<uint64_t>(rows) * row_size(type, ne[0]);
}

// The type holding the most bytes, as a name: what "a Q8_0 file" means.
std::string dominant_type(const std::vector<TensorEntry>& tensors) {
  std::map<std::string, uint64_t> bytes;
  for (const TensorEntry& t : tensors) bytes[tensor_type_name(t.type)] += t.n_bytes;
  std::string best = "?";
  uint64_t most = 0;
  for (const auto& [name, b] : bytes) {
    if (b > most) {
      most = b;
      best = name;
    }
  }
  return best;
}

}  // namespace

void vocab_counts(const gguf::File& file, ModelSpec& spec) {
  Result<const gguf::Value*> tokens = file.get_array("tokenizer.ggml.tokens");
  spec.n_tokens = tokens.ok() ? static_cast<int64_t>((*tokens)->array_size()) : spec.hp.n_vocab;
  Result<const gguf::Value*> merges = file.get_array("tokenizer.ggml.merges");
  spec.n_merges = merges.ok() ? static_cast<int64_t>((*merges)->array_size()) : 0;
}

std::vector<model::WeightShape> matrices_from_tensors(const std::vector<TensorEntry>& tensors) {
  std::vector<model::WeightShape> out;
  for (const TensorEntry& t : tensors) {
    if (t.ne.size() < 2 || t.name == "position_embd.weight" || t.name == "token_types.weight") {
      continue;
    }
    out.push_back({t.type, t.ne[0]});
  }
  return out;
}

Result<ModelSpec> spec_from_file(const std::string& path) {
  EDGELLM_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  ModelSpec s;
  s.source = path;
  Result<model::HParams> hp = model::read_hparams(file);
  if (!hp.ok()) return hp.status().with_context(path);
  s.hp = std::move(hp).value();
  // Bind as Model::load does: the same checks, n_vocab filled from the embedding, and exactly the
  // matrix list Context::create sizes its scratch from. Binding stores pointers into the mapping;
  // only the rare non-F32 1-D tensors (a few KiB) are read.
  std::vector<std::vector<float>> owned;
  Result<model::Weights> w = model::bind_weights(file, s.hp, owned);
  if (!w.ok()) return w.status().with_context(path);
  for (const kernels::Matrix* m : w->all_matrices()) s.matrices.push_back({m->type, m->n_cols});
  s.tied_output = w->tied_output;
  for (const gguf::TensorInfo& t : file.tensors()) {
    s.tensors.push_back({t.name, t.ne, t.type, t.n_bytes});
  }
  s.weights_bytes = file.tensor_data_bytes();
  for (const TensorEntry& t : s.tensors) {
    int64_t n = 1;
    for (int64_t d : t.ne) n *= d;
    s.n_params += static_cast<double>(n);
  }
  s.metadata_bytes = file.data_offset();
  vocab_counts(file, s);
  s.name = s.hp.name.empty() ? path.substr(path.find_last_of('/') + 1) : s.hp.name;
  s.type_name = dominant_type(s.tensors);
  Result<int64_t> ft = file.get_int_or("general.file_type", -1);
  if (ft.ok() && *ft >= 0) {
    for (const quant::RecipeInfo& r : quant::all_recipes()) {
      if (r.file_type == static_cast<uint32_t>(*ft)) s.type_name = r.name;
    }
  }
  Result<quant::ModelShape> shape = quant::model_shape(file);
  if (shape.ok()) s.shape = *shape;
  return s;
}

Result<ModelSpec> retype(const ModelSpec& spec, quant::Recipe recipe) {
  ModelSpec out = spec;
  out.type_name = quant::recipe_info(recipe).name;
  if (spec.estimated) {
    // No tensors: scale the parameter count by the recipe's base type's bits per weight.
    const TensorType type = quant::recipe_info(recipe).base_type;
    const TensorTypeTraits& t = traits(type);
    const double bits = 8.0 * static_cast<double>(t.type_size) / static_cast<double>(t.block_size);
    out.weights_bytes = static_cast<uint64_t>(std::ceil(spec.n_params * bits / 8.0));
    for (model::WeightShape& m : out.matrices) m.type = type;
    return out;
  }
  std::vector<quant::TensorDesc> descs;
  for (const TensorEntry& t : spec.tensors) descs.push_back({t.name, t.ne, t.type});
  EDGELLM_ASSIGN_OR_RETURN(std::vector<quant::TensorPlan> plans,
                           quant::plan_recipe(descs, spec.shape, recipe));
  out.weights_bytes = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    out.tensors[i].type = plans[i].to;
    out.tensors[i].n_bytes = tensor_bytes(plans[i].to, plans[i].ne);
    out.weights_bytes += out.tensors[i].n_bytes;
  }
  out.n_params = spec.n_params;
  out.matrices = matrices_from_tensors(out.tensors);
  return out;
}

TensorType type_for_bits(double bits) {
  if (bits <= 2.75) return TensorType::Q2_K;
  if (bits <= 3.75) return TensorType::Q3_K;
  if (bits <= 4.75) return TensorType::Q4_K;
  if (bits <= 5.75) return TensorType::Q5_K;
  if (bits <= 7.0) return TensorType::Q6_K;
  if (bits <= 12.0) return TensorType::Q8_0;
  if (bits <= 24.0) return TensorType::F16;
  return TensorType::F32;
}

Result<ModelSpec> spec_from_estimate(const EstimateParams& e) {
  if (e.n_params < 1) return make_error(ErrorCode::kInvalidArgument, "--params must be positive");
  if (!(e.bits > 0 && e.bits <= 32)) {
    return make_error(ErrorCode::kInvalidArgument, "--bits must be in (0, 32]");
  }
  if (e.n_layer <= 0 || e.n_head_kv <= 0 || e.head_dim <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "an estimate needs --layers, --kv-heads and --head-dim (all positive)");
  }
  if (e.n_vocab <= 0) return make_error(ErrorCode::kInvalidArgument, "--vocab must be positive");
  ModelSpec s;
  s.estimated = true;
  s.source = "estimate";
  model::HParams& hp = s.hp;
  hp.arch = model::Arch::kLlama;
  hp.arch_name = "llama";
  hp.n_layer = e.n_layer;
  hp.n_head_kv = e.n_head_kv;
  hp.head_dim_k = hp.head_dim_v = e.head_dim;
  hp.n_vocab = e.n_vocab;
  hp.n_ctx_train = e.n_ctx_train;
  hp.n_embd = e.n_embd;
  if (hp.n_embd <= 0) {
    // A Llama-style layer of width d holds 2 d^2 (q, o) + 2 d n_kv (k, v; n_kv = KV heads x head
    // size) + 3 d n_ff (n_ff = 3.5 d) weights; the embedding and output hold 2 d n_vocab. Solve
    // L (12.5 d^2 + 2 n_kv d) + 2 n_vocab d = n_params for d, rounded to a whole
    // group of heads.
    const double L = static_cast<double>(e.n_layer);
    const double qa = 12.5 * L;
    const double qb = 2.0 * L * static_cast<double>(e.n_head_kv * e.head_dim) + 2.0 * e.n_vocab;
    const double d = (-qb + std::sqrt(qb * qb + 4 * qa * e.n_params)) / (2 * qa);
    // Query heads must be a multiple of the KV heads.
    const int64_t step = e.n_head > 0 ? e.head_dim : e.head_dim * e.n_head_kv;
    hp.n_embd = std::max<int64_t>(step, std::llround(d / static_cast<double>(step)) * step);
  }
  hp.n_head = e.n_head > 0 ? e.n_head : std::max<int64_t>(1, hp.n_embd / e.head_dim);
  if (hp.n_head % hp.n_head_kv != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%lld query heads are not a multiple of %lld KV heads",
                      static_cast<long long>(hp.n_head), static_cast<long long>(hp.n_head_kv));
  }
  hp.n_ff = e.n_ff > 0 ? e.n_ff : (hp.n_embd * 7 / 2 + 255) / 256 * 256;
  hp.sliding_window = e.sliding_window;
  hp.is_swa.assign(static_cast<size_t>(hp.n_layer), 0);
  for (int64_t il = 0; il < hp.n_layer; ++il) hp.is_swa[il] = e.sliding_window > 0 && il % 2 == 0;
  s.n_params = e.n_params;
  s.weights_bytes = static_cast<uint64_t>(std::ceil(e.n_params * e.bits / 8.0));
  const TensorType t = type_for_bits(e.bits);
  s.matrices = {{t, hp.n_embd}, {t, hp.n_ff}, {t, hp.n_head * e.head_dim}};
  // A vocabulary costs about 40 bytes per token in the file (text, score, type; BPE merges).
  s.metadata_bytes = static_cast<uint64_t>(e.n_vocab) * 40;
  s.n_tokens = e.n_vocab;
  s.n_merges = e.n_vocab;
  s.name = strfmt("%.3g-parameter estimate", e.n_params);
  s.type_name = strfmt("%.3g bpw", e.bits);
  s.shape.arch = "llama";
  s.shape.n_layer = hp.n_layer;
  s.shape.n_head = hp.n_head;
  s.shape.n_head_kv = hp.n_head_kv;
  return s;
}

}  // namespace edgellm::plan
