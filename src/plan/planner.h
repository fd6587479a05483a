// The memory plan of running a model with given context settings: weights (the mapped tensor
// data, all of which a forward pass touches), the KV cache and the compute buffers (both from
// model::plan_memory, the function Context::create allocates with), and the runtime overhead
// (see Overhead). Also the largest context that fits a budget, the quantization types of the same
// model that fit, a generation-speed estimate, and the check `edgellm run --memory-limit` makes
// before loading.
//
// Pure functions of their arguments (check_memory_limit reads the file's metadata): thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/memory.h"
#include "plan/model_spec.h"

namespace edgellm::plan {

// What a running edgellm process holds besides weights, KV cache and compute buffers. The
// constants were measured on x86-64 Linux (glibc, libstdc++) from the peak RSS (VmHWM) of
// `edgellm` processes on models with vocabularies of 512 to 152k tokens; docs/plan.md has the
// numbers and tests/plan/rss_test.cc checks the whole prediction against measured peaks.
struct OverheadModel {
  // The executable, libc/libstdc++, kernel dispatch tables, the main thread's stack and the
  // command line, in a process that has loaded and run a tiny model (`edgellm --help` alone
  // peaks at 3.9 MiB; `edgellm run` on a 512-token model peaks 5.5 MiB above its buffers).
  static constexpr uint64_t kBaseBytes = 5632ull << 10;
  // Per vocabulary entry (token or BPE merge): the parsed metadata (a std::string and its heap
  // block per entry, scores, token types) and the tokenizer's tables (text -> id hash map, id ->
  // text, merge ranks). Measured 190 B (Llama 3), 198 B (SmolLM2), 206 B (Qwen2.5; `edgellm
  // tokenize` peak less the base); SentencePiece vocabularies (no merges) 190 B per token.
  static constexpr uint64_t kPerVocabEntryBytes = 208;
  // Per token of the output vocabulary: the sampler's candidate array (id, logit, probability)
  // and its scratch. `edgellm run` on 49k- and 128k-token models measured 12-16 B per token
  // beyond the rest of the plan (`edgellm logits`, which formats all logits as JSON, needs
  // about 60 B per token: it peaks up to 0.5% above a plan for `run`).
  static constexpr uint64_t kPerOutputTokenBytes = 16;
  // Each thread-pool worker: its touched stack pages and thread-local state (RSS did not move
  // measurably from 1 to 16 threads).
  static constexpr uint64_t kPerThreadBytes = 16ull << 10;
};

struct Overhead {
  uint64_t base = 0;        // OverheadModel::kBaseBytes
  uint64_t vocabulary = 0;  // parsed metadata and tokenizer tables
  uint64_t output = 0;      // sampling and output buffers over the vocabulary
  uint64_t threads = 0;     // worker stacks
  uint64_t context = 0;     // the Context's small per-cell and per-batch tables
  uint64_t total() const { return base + vocabulary + output + threads + context; }
};
Overhead runtime_overhead(const ModelSpec& spec, const model::ContextParams& resolved);

struct Plan {
  model::ContextParams params;  // resolved (defaults filled)
  model::MemoryPlan memory;
  uint64_t weights_bytes = 0;
  uint64_t kv_bytes = 0;
  uint64_t compute_bytes = 0;
  Overhead overhead;
  uint64_t total_bytes = 0;  // the predicted peak resident memory
};

// The plan for `params` (n_ctx 0: the default Context::create picks). Errors: invalid settings
// for this model (from model::resolve_params).
Result<Plan> make_plan(const ModelSpec& spec, const model::ContextParams& params);

// One line: "weights 1.20 GiB + KV 256 MiB + compute 41.2 MiB + overhead 20.1 MiB = 1.52 GiB
// (n_ctx 4096, batch 512, f16 KV)".
std::string plan_summary(const Plan& plan);

// The largest n_ctx in [1, limit] (limit 0: the model's training context) whose plan's total fits
// in `budget`, by bisection over make_plan (the total grows with n_ctx); 0 if not even one
// position fits. Other settings come from `params`.
int64_t max_context(const ModelSpec& spec, const model::ContextParams& params, uint64_t budget,
                    int64_t limit = 0);

// Generation is memory-bound: each token reads every weight it uses and the KV cache once.
struct SpeedEstimate {
  uint64_t bytes_per_token = 0;  // weights read (one embedding row; used experts only) + KV
  double tokens_per_s = 0;       // bandwidth / bytes_per_token; 0 when the bandwidth is unknown
  const char* speed_class = "unknown";  // "fast" (>= 20 tok/s), "interactive" (>= 5), "slow"
                                        // (>= 1), "very slow"
};
// At a full context (the KV cache read in whole): a lower bound on speed for this context.
SpeedEstimate estimate_speed(const ModelSpec& spec, const Plan& plan, double bandwidth_gbps);

// The recipes the planner offers as alternatives, from most to fewest bits.
const std::vector<quant::Recipe>& candidate_recipes();

struct QuantOption {
  std::string type;  // "Q4_K_M"
  uint64_t weights_bytes = 0;
  uint64_t total_bytes = 0;  // at the requested context
  bool fits = false;
  int64_t max_ctx = 0;  // largest context that fits (0: none)
};
// `spec` retyped under each candidate recipe, planned with `params` against `budget`.
std::vector<QuantOption> quant_options(const ModelSpec& spec, const model::ContextParams& params,
                                       uint64_t budget);

// Plans `model_path` with `params` and fails with kOutOfMemory when the predicted peak exceeds
// `limit` bytes; the message holds the plan summary and the largest context that would fit.
// Reads the file's metadata only.
Status check_memory_limit(const std::string& model_path, const model::ContextParams& params,
                          uint64_t limit);
// The same for a spec already built.
Status check_memory_limit(const ModelSpec& spec, const model::ContextParams& params,
                          uint64_t limit);

}  // namespace edgellm::plan
