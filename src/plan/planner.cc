// Memory plans, context search, recipe alternatives and speed estimates (see planner.h).
#include "plan/planner.h"

#include <algorithm>
#include <cmath>

#include "plan/size.h"

namespace edgellm::plan {

Overhead runtime_overhead(const ModelSpec& spec, const model::ContextParams& p) {
  Overhead o;
  o.base = OverheadModel::kBaseBytes;
  o.vocabulary = OverheadModel::kPerVocabEntryBytes *
                 static_cast<uint64_t>(std::max<int64_t>(spec.n_tokens, 0) +
                                       std::max<int64_t>(spec.n_merges, 0));
  o.output = OverheadModel::kPerOutputTokenBytes * static_cast<uint64_t>(spec.hp.n_vocab);
  o.threads = OverheadModel::kPerThreadBytes * static_cast<uint64_t>(std::max(p.n_threads, 1));
  // Context tables: the position of every full-attention cell and sliding-window cell, and the
  // expert routing of one batch (ids, weights, rows).
  const model::HParams& hp = spec.hp;
  const int64_t swa =
      hp.sliding_window > 0 ? std::min<int64_t>(p.n_ctx, hp.sliding_window + p.n_batch) : 0;
  o.context = 4 * static_cast<uint64_t>(p.n_ctx + swa) +
              12 * static_cast<uint64_t>(p.n_batch * std::max(1, hp.n_expert_used));
  return o;
}

Result<Plan> make_plan(const ModelSpec& spec, const model::ContextParams& params) {
  Plan plan;
  Result<model::ContextParams> p = model::resolve_params(spec.hp, params);
  if (!p.ok()) return p.status();
  plan.params = *p;
  plan.memory = model::plan_memory(spec.hp, plan.params, spec.matrices);
  plan.weights_bytes = spec.weights_bytes;
  plan.kv_bytes = plan.memory.kv_bytes;
  plan.compute_bytes = plan.memory.compute_bytes();
  plan.overhead = runtime_overhead(spec, plan.params);
  plan.total_bytes =
      plan.weights_bytes + plan.kv_bytes + plan.compute_bytes + plan.overhead.total();
  return plan;
}

std::string plan_summary(const Plan& plan) {
  return strfmt(
      "weights %s + KV %s + compute %s + overhead %s = %s (n_ctx %lld, batch %lld, %s KV)",
      format_bytes(plan.weights_bytes).c_str(), format_bytes(plan.kv_bytes).c_str(),
      format_bytes(plan.compute_bytes).c_str(), format_bytes(plan.overhead.total()).c_str(),
      format_bytes(plan.total_bytes).c_str(), static_cast<long long>(plan.params.n_ctx),
      static_cast<long long>(plan.params.n_batch), tensor_type_name(plan.params.kv_type));
}

int64_t max_context(const ModelSpec& spec, const model::ContextParams& params, uint64_t budget,
                    int64_t limit) {
  if (limit <= 0) limit = spec.hp.n_ctx_train > 0 ? spec.hp.n_ctx_train : 4096;
  limit = std::min<int64_t>(limit, int64_t{1} << 24);
  auto fits = [&](int64_t n_ctx) {
    model::ContextParams p = params;
    p.n_ctx = n_ctx;
    Result<Plan> plan = make_plan(spec, p);
    return plan.ok() && plan->total_bytes <= budget;
  };
  if (!fits(1)) return 0;
  if (fits(limit)) return limit;
  int64_t lo = 1, hi = limit;  // fits(lo), !fits(hi)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

SpeedEstimate estimate_speed(const ModelSpec& spec, const Plan& plan, double bandwidth_gbps) {
  SpeedEstimate s;
  double bytes = 0;
  if (spec.tensors.empty()) {
    // An estimate: everything but one embedding table's worth of rows (untied embeddings are
    // read one row per token); assume tied when unknown, so all weights are read.
    bytes = static_cast<double>(spec.weights_bytes);
  } else {
    const model::HParams& hp = spec.hp;
    for (const TensorEntry& t : spec.tensors) {
      double b = static_cast<double>(t.n_bytes);
      if (t.name == "token_embd.weight" && !spec.tied_output && t.ne.size() >= 2 && t.ne[1] > 0) {
        b /= static_cast<double>(t.ne[1]);  // one row per token
      } else if (t.name.find("_exps.") != std::string::npos && hp.n_expert > 0) {
        b *= static_cast<double>(hp.n_expert_used) / hp.n_expert;
      }
      bytes += b;
    }
  }
  bytes += static_cast<double>(plan.kv_bytes);
  s.bytes_per_token = static_cast<uint64_t>(bytes);
  if (bandwidth_gbps > 0 && bytes > 0) {
    s.tokens_per_s = bandwidth_gbps * 1e9 / bytes;
    s.speed_class = s.tokens_per_s >= 20  ? "fast"
                    : s.tokens_per_s >= 5 ? "interactive"
                    : s.tokens_per_s >= 1 ? "slow"
                                          : "very slow";
  }
  return s;
}

const std::vector<quant::Recipe>& candidate_recipes() {
  using R = quant::Recipe;
  static const std::vector<R> kRecipes = {R::F16,  R::Q8_0,   R::Q6_K,   R::Q5_K_M, R::Q4_K_M,
                                          R::Q4_0, R::IQ4_XS, R::Q3_K_M, R::Q2_K};
  return kRecipes;
}

std::vector<QuantOption> quant_options(const ModelSpec& spec, const model::ContextParams& params,
                                       uint64_t budget) {
  std::vector<QuantOption> out;
  for (quant::Recipe r : candidate_recipes()) {
    Result<ModelSpec> typed = retype(spec, r);
    if (!typed.ok()) continue;
    Result<Plan> plan = make_plan(*typed, params);
    if (!plan.ok()) continue;
    QuantOption o;
    o.type = quant::recipe_info(r).name;
    o.weights_bytes = typed->weights_bytes;
    o.total_bytes = plan->total_bytes;
    o.fits = plan->total_bytes <= budget;
    o.max_ctx = max_context(*typed, params, budget);
    out.push_back(std::move(o));
  }
  return out;
}

Status check_memory_limit(const ModelSpec& spec, const model::ContextParams& params,
                          uint64_t limit) {
  EDGELLM_ASSIGN_OR_RETURN(Plan plan, make_plan(spec, params));
  if (plan.total_bytes <= limit) return Status::Ok();
  const int64_t best = max_context(spec, params, limit);
  std::string hint =
      best > 0 ? strfmt("; a context of at most %lld would fit", static_cast<long long>(best))
               : "; no context size fits";
  return make_error(
      ErrorCode::kOutOfMemory, "%s needs an estimated %s, over the memory limit of %s by %s: %s%s",
      spec.source.c_str(), format_bytes(plan.total_bytes).c_str(), format_bytes(limit).c_str(),
      format_bytes(plan.total_bytes - limit).c_str(), plan_summary(plan).c_str(), hint.c_str());
}

Status check_memory_limit(const std::string& model_path, const model::ContextParams& params,
                          uint64_t limit) {
  EDGELLM_ASSIGN_OR_RETURN(ModelSpec spec, spec_from_file(model_path));
  return check_memory_limit(spec, params, limit);
}

}  // namespace edgellm::plan
