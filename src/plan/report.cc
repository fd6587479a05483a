// Plan reports and recommendations, as text and JSON (see report.h).
#include "plan/report.h"

#include "plan/size.h"

namespace edgellm::plan {
namespace {

nlohmann::json speed_json(const SpeedEstimate& s) {
  nlohmann::json j;
  j["bytes_per_token"] = s.bytes_per_token;
  j["tokens_per_s"] = s.tokens_per_s;
  j["class"] = s.speed_class;
  return j;
}

nlohmann::json device_json(const DeviceProfile& d) {
  nlohmann::json j;
  j["name"] = d.name;
  j["description"] = d.description;
  j["memory_bytes"] = d.memory_bytes;
  j["os_reserved_bytes"] = d.os_reserved_bytes;
  j["usable_bytes"] = d.usable_bytes();
  j["cores"] = d.cores;
  j["bandwidth_gbps"] = d.bandwidth_gbps;
  j["source"] = d.source;
  return j;
}

std::string ctx_text(int64_t n) { return n > 0 ? std::to_string(n) : "-"; }

}  // namespace

Result<PlanReport> build_report(const ModelSpec& spec, const model::ContextParams& params,
                                const Budget& budget) {
  PlanReport r;
  r.spec = spec;
  r.budget = budget;
  EDGELLM_ASSIGN_OR_RETURN(r.plan, make_plan(spec, params));
  r.max_ctx_limit = spec.hp.n_ctx_train > 0 ? spec.hp.n_ctx_train : 4096;
  if (budget.bytes > 0) {
    r.fits = r.plan.total_bytes <= budget.bytes;
    r.margin_bytes = static_cast<int64_t>(budget.bytes) - static_cast<int64_t>(r.plan.total_bytes);
    r.max_ctx = max_context(spec, params, budget.bytes, r.max_ctx_limit);
    r.quant_options = quant_options(spec, params, budget.bytes);
  }
  if (budget.device) r.speed = estimate_speed(spec, r.plan, budget.device->bandwidth_gbps);
  return r;
}

nlohmann::json report_json(const PlanReport& r) {
  const Plan& p = r.plan;
  nlohmann::json j;
  j["model"] = r.spec.name;
  j["source"] = r.spec.source;
  j["type"] = r.spec.type_name;
  j["arch"] = r.spec.hp.arch_name;
  j["estimated"] = r.spec.estimated;
  j["n_params"] = r.spec.n_params;
  j["n_ctx"] = p.params.n_ctx;
  j["n_batch"] = p.params.n_batch;
  j["n_threads"] = p.params.n_threads;
  j["kv_type"] = tensor_type_name(p.params.kv_type);
  j["weights_bytes"] = p.weights_bytes;
  j["kv_bytes"] = p.kv_bytes;
  j["compute_bytes"] = p.compute_bytes;
  j["overhead_bytes"] = p.overhead.total();
  j["overhead"] = {{"base", p.overhead.base},
                   {"vocabulary", p.overhead.vocabulary},
                   {"output", p.overhead.output},
                   {"threads", p.overhead.threads},
                   {"context", p.overhead.context}};
  j["total_bytes"] = p.total_bytes;
  nlohmann::json layers = nlohmann::json::array();
  const model::HParams& hp = r.spec.hp;
  for (size_t il = 0; il < p.memory.kv_cells.size(); ++il) {
    const int64_t cells = p.memory.kv_cells[il];
    const uint64_t bytes =
        static_cast<uint64_t>(hp.n_head_kv) * cells *
        (row_size(p.params.kv_type, hp.head_dim_k) + row_size(p.params.kv_type, hp.head_dim_v));
    layers.push_back({{"kv_cells", cells},
                      {"kv_bytes", bytes},
                      {"sliding_window", hp.sliding_window > 0 && hp.is_swa[il] != 0}});
  }
  j["layers"] = std::move(layers);
  j["max_ctx_limit"] = r.max_ctx_limit;
  if (r.budget.bytes > 0) {
    j["memory_bytes"] = r.budget.bytes;
    j["device"] = r.budget.device ? device_json(*r.budget.device) : nlohmann::json(nullptr);
    j["fits"] = r.fits;
    j["margin_bytes"] = r.margin_bytes;
    j["max_ctx"] = r.max_ctx;
    nlohmann::json q = nlohmann::json::array();
    for (const QuantOption& o : r.quant_options) {
      q.push_back({{"type", o.type},
                   {"weights_bytes", o.weights_bytes},
                   {"total_bytes", o.total_bytes},
                   {"fits", o.fits},
                   {"max_ctx", o.max_ctx}});
    }
    j["quant_options"] = std::move(q);
  } else {
    j["memory_bytes"] = nullptr;
    j["device"] = nullptr;
    j["fits"] = nullptr;
    j["margin_bytes"] = nullptr;
    j["max_ctx"] = nullptr;
  }
  if (r.budget.device) j["speed"] = speed_json(r.speed);
  return j;
}

std::string report_text(const PlanReport& r) {
  const Plan& p = r.plan;
  const model::HParams& hp = r.spec.hp;
  std::string s;
  s += strfmt("model     %s (%s, %s%s)\n", r.spec.name.c_str(), hp.arch_name.c_str(),
              r.spec.type_name.c_str(), r.spec.estimated ? ", estimated shapes" : "");
  if (r.spec.n_params > 0) s += strfmt("params    %.3g\n", r.spec.n_params);
  s += strfmt("context   %lld tokens, batch %lld, %s KV cache, %d threads\n",
              static_cast<long long>(p.params.n_ctx), static_cast<long long>(p.params.n_batch),
              tensor_type_name(p.params.kv_type), p.params.n_threads);
  int64_t n_swa = 0;
  for (size_t il = 0; il < hp.is_swa.size(); ++il) n_swa += hp.sliding_window > 0 && hp.is_swa[il];
  s += "\n";
  s += strfmt("  weights   %12s  tensor data, mapped from the file\n",
              format_bytes(p.weights_bytes).c_str());
  s += strfmt("  KV cache  %12s  %lld layers x %lld KV heads x %lld dims x 2 (K, V)",
              format_bytes(p.kv_bytes).c_str(), static_cast<long long>(hp.n_layer),
              static_cast<long long>(hp.n_head_kv), static_cast<long long>(hp.head_dim_k));
  if (n_swa > 0) {
    s += strfmt("; %lld sliding-window layers keep %lld cells", static_cast<long long>(n_swa),
                static_cast<long long>(
                    std::min<int64_t>(p.params.n_ctx, hp.sliding_window + p.params.n_batch)));
  }
  s += "\n";
  s += strfmt("  compute   %12s  activations, logits and matmul/attention scratch\n",
              format_bytes(p.compute_bytes).c_str());
  s += strfmt("  overhead  %12s  runtime %s, vocabulary %s, output %s, threads %s\n",
              format_bytes(p.overhead.total()).c_str(), format_bytes(p.overhead.base).c_str(),
              format_bytes(p.overhead.vocabulary).c_str(), format_bytes(p.overhead.output).c_str(),
              format_bytes(p.overhead.threads + p.overhead.context).c_str());
  s += strfmt("  total     %12s  predicted peak resident memory\n",
              format_bytes(p.total_bytes).c_str());
  if (r.budget.bytes == 0) return s;
  s += "\n";
  if (r.budget.device) {
    const DeviceProfile& d = *r.budget.device;
    s += strfmt("device    %s: %s usable (%s less %s for the OS), %d cores\n", d.name.c_str(),
                format_bytes(d.usable_bytes()).c_str(), format_bytes(d.memory_bytes).c_str(),
                format_bytes(d.os_reserved_bytes).c_str(), d.cores);
  } else {
    s += strfmt("memory    %s\n", format_bytes(r.budget.bytes).c_str());
  }
  if (r.fits) {
    s += strfmt("verdict   FITS, with %s to spare\n", format_bytes(r.margin_bytes).c_str());
  } else {
    s += strfmt("verdict   DOES NOT FIT: %s over\n",
                format_bytes(static_cast<uint64_t>(-r.margin_bytes)).c_str());
  }
  s += strfmt("max ctx   %s%s\n", ctx_text(r.max_ctx).c_str(),
              r.max_ctx == r.max_ctx_limit ? " (the training context; memory allows more)" : "");
  if (r.budget.device && r.speed.tokens_per_s > 0) {
    s += strfmt("speed     ~%.1f tokens/s (%s): %s read per token at a full context, %.0f GB/s\n",
                r.speed.tokens_per_s, r.speed.speed_class,
                format_bytes(r.speed.bytes_per_token).c_str(), r.budget.device->bandwidth_gbps);
  }
  if (!r.quant_options.empty()) {
    s += "\nquantization types of this model (weights, total at this context, largest context):\n";
    for (const QuantOption& o : r.quant_options) {
      s += strfmt("  %-7s %10s %10s  %-4s max ctx %s\n", o.type.c_str(),
                  format_bytes(o.weights_bytes).c_str(), format_bytes(o.total_bytes).c_str(),
                  o.fits ? "fits" : "no", ctx_text(o.max_ctx).c_str());
    }
  }
  return s;
}

std::vector<Recommendation> recommend(const std::vector<ModelSpec>& models,
                                      const model::ContextParams& params,
                                      const DeviceProfile& device) {
  std::vector<Recommendation> rows;
  const uint64_t budget = device.usable_bytes();
  for (const ModelSpec& m : models) {
    for (quant::Recipe rec : candidate_recipes()) {
      Result<ModelSpec> typed = retype(m, rec);
      if (!typed.ok()) continue;
      Result<Plan> plan = make_plan(*typed, params);
      if (!plan.ok()) continue;
      Recommendation r;
      r.model = m.name;
      r.type = typed->type_name;
      r.weights_bytes = typed->weights_bytes;
      r.total_bytes = plan->total_bytes;
      r.fits = plan->total_bytes <= budget;
      r.max_ctx = max_context(*typed, params, budget);
      r.n_ctx_train = typed->hp.n_ctx_train;
      r.speed = estimate_speed(*typed, *plan, device.bandwidth_gbps);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

nlohmann::json recommend_json(const std::vector<Recommendation>& rows, const DeviceProfile& device,
                              const model::ContextParams& params) {
  nlohmann::json j;
  j["device"] = device_json(device);
  j["memory_bytes"] = device.usable_bytes();
  j["n_ctx"] = params.n_ctx;
  nlohmann::json list = nlohmann::json::array();
  for (const Recommendation& r : rows) {
    list.push_back({{"model", r.model},
                    {"type", r.type},
                    {"weights_bytes", r.weights_bytes},
                    {"total_bytes", r.total_bytes},
                    {"fits", r.fits},
                    {"max_ctx", r.max_ctx},
                    {"n_ctx_train", r.n_ctx_train},
                    {"speed", speed_json(r.speed)}});
  }
  j["models"] = std::move(list);
  return j;
}

std::string recommend_text(const std::vector<Recommendation>& rows, const DeviceProfile& device,
                           const model::ContextParams& params) {
  std::string s =
      strfmt("%s: %s usable, %d cores, %.0f GB/s\n", device.name.c_str(),
             format_bytes(device.usable_bytes()).c_str(), device.cores, device.bandwidth_gbps);
  s += strfmt("models that fit at a context of %s (largest context; tokens/s at that context):\n",
              params.n_ctx > 0 ? std::to_string(params.n_ctx).c_str() : "the model default");
  s += strfmt("  %-16s %-7s %10s %10s %9s %9s  %s\n", "model", "type", "weights", "total",
              "max ctx", "tok/s", "speed");
  int shown = 0;
  for (const Recommendation& r : rows) {
    if (!r.fits) continue;
    ++shown;
    s += strfmt("  %-16s %-7s %10s %10s %9s %9.1f  %s\n", r.model.c_str(), r.type.c_str(),
                format_bytes(r.weights_bytes).c_str(), format_bytes(r.total_bytes).c_str(),
                ctx_text(r.max_ctx).c_str(), r.speed.tokens_per_s, r.speed.speed_class);
  }
  if (shown == 0) s += "  (none)\n";
  std::string no;
  for (const Recommendation& r : rows) {
    if (!r.fits) no += strfmt("%s%s %s", no.empty() ? "" : ", ", r.model.c_str(), r.type.c_str());
  }
  if (!no.empty()) s += "does not fit: " + no + "\n";
  return s;
}

}  // namespace edgellm::plan
