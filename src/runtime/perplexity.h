// Perplexity and KL divergence of a model over a text, computed the way llama-perplexity does so
// that figures compare: the text is tokenized once (BOS first where the model adds one), split
// into n_tokens / n_ctx consecutive windows, the first token of every window is replaced by BOS,
// and only the second half of each window is scored: the logits at positions
// n_ctx/2 .. n_ctx-2 predict the next token (n_ctx - 1 - n_ctx/2 tokens per window). With a base
// model, the same windows run through it too, and KL(P_base || P) and top-1 agreement are
// accumulated over the same positions.
//
// Memory: one window of logits per model (n_ctx x n_vocab floats), whatever the text length.
// Not thread-safe; each call creates its own Contexts (whose thread pools do the work).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/context.h"
#include "model/model.h"
#include "runtime/metrics.h"

namespace edgellm {

struct PerplexityOptions {
  int64_t n_ctx = 512;     // window length
  int64_t n_batch = 0;     // tokens per forward step; 0: n_ctx
  int n_threads = 0;       // 0: physical cores
  int64_t max_chunks = 0;  // 0: every whole window of the text
  TensorType kv_type = TensorType::F16;
};

struct PerplexityResult {
  QualityStats stats;        // nll over scored tokens; kld / same-top when a base model ran
  bool has_base = false;
  int64_t n_text_tokens = 0; // tokens of the whole text (BOS included)
  int64_t n_chunks = 0;      // windows evaluated
  int64_t n_scored = 0;      // tokens scored
  uint64_t context_bytes = 0;  // KV cache + compute buffers of the evaluated model's Context
  double seconds = 0.0;
};

// After each window: its index (0-based), the number of windows, the statistics so far.
using PerplexityProgress =
    std::function<void(int64_t chunk, int64_t n_chunks, const QualityStats& so_far)>;

// The token ids llama-perplexity would use for `text` (add_special, no special-token parsing).
std::vector<model::Token> perplexity_tokens(const model::Model& model, std::string_view text);

// Scores `tokens` with `model`, and compares with `base` when it is not null (both must have the
// same vocabulary). Fails if the text has fewer than one window of tokens, or on a bad option.
Result<PerplexityResult> evaluate_perplexity(std::shared_ptr<const model::Model> model,
                                             std::shared_ptr<const model::Model> base,
                                             std::span<const model::Token> tokens,
                                             const PerplexityOptions& options,
                                             const PerplexityProgress& progress = {});

}  // namespace edgellm
