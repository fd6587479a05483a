// A complete answer to "will it fit?": the plan of one model with one set of context settings,
// judged against a memory budget (a device profile or a plain size), with the largest context
// that fits, the quantization types that fit, and a speed estimate; and the --recommend table
// over several models. Rendered as text for people and as JSON for scripts.
//
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/devices.h"
#include "plan/planner.h"

namespace edgellm::plan {

struct Budget {
  std::optional<DeviceProfile> device;  // the profile, when the budget came from one
  uint64_t bytes = 0;                   // usable memory (0: no budget given)
};

struct PlanReport {
  ModelSpec spec;
  Plan plan;
  Budget budget;
  bool fits = false;          // plan.total_bytes <= budget.bytes (false without a budget)
  int64_t margin_bytes = 0;   // budget.bytes - plan.total_bytes
  int64_t max_ctx = 0;        // the largest context that fits (0: none or no budget)
  int64_t max_ctx_limit = 0;  // the search's upper end (the training context)
  std::vector<QuantOption> quant_options;  // empty without a budget or for estimates
  SpeedEstimate speed;                     // needs a device with a known bandwidth
};

// Plans `spec` with `params` against `budget`. Errors: settings invalid for the model.
Result<PlanReport> build_report(const ModelSpec& spec, const model::ContextParams& params,
                                const Budget& budget);

// JSON keys: model, source, type, arch, n_params, n_ctx, n_batch, kv_type, n_threads,
// weights_bytes, kv_bytes, compute_bytes, overhead_bytes, overhead (parts), total_bytes, and with
// a budget: memory_bytes, device, fits, margin_bytes, max_ctx, quant_options, speed; layers (KV
// cells and bytes per layer).
nlohmann::json report_json(const PlanReport& r);
std::string report_text(const PlanReport& r);

struct Recommendation {
  std::string model;  // preset or model name
  std::string type;   // "Q4_K_M"
  uint64_t weights_bytes = 0;
  uint64_t total_bytes = 0;  // at the requested context
  bool fits = false;
  int64_t max_ctx = 0;
  int64_t n_ctx_train = 0;  // the most max_ctx can be
  SpeedEstimate speed;      // at the requested context
};
// Every (model, recipe) pair of `models` x candidate_recipes() planned against `device`.
std::vector<Recommendation> recommend(const std::vector<ModelSpec>& models,
                                      const model::ContextParams& params,
                                      const DeviceProfile& device);
nlohmann::json recommend_json(const std::vector<Recommendation>& rows, const DeviceProfile& device,
                              const model::ContextParams& params);
std::string recommend_text(const std::vector<Recommendation>& rows, const DeviceProfile& device,
                           const model::ContextParams& params);

}  // namespace edgellm::plan
