// Text generation over a model Context: feed new tokens, then sample token by token, streaming
// complete UTF-8 text to a callback, until an end-of-generation token, a stop string, the token
// budget, the end of the context, or a cancellation. Shared by `edgellm run`, `edgellm chat` and
// the server.
#pragma once

#include <atomic>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "base/status.h"
#include "model/context.h"
#include "runtime/sampler.h"

namespace edgellm {

struct GenerateParams {
  int n_predict = -1;              // tokens to generate at most; -1: until the context is full
  std::vector<std::string> stop;   // user stop strings (not included in the output)
  bool stop_at_eog = true;         // stop at EOS, EOT and every end-of-generation token
};

enum class StopReason { kEog, kStopString, kLength, kContextFull, kCancelled };
const char* stop_reason_name(StopReason reason);

struct GenerateResult {
  // The sampled tokens (not a final end-of-generation token). The context holds them all except,
  // when generation ended right after sampling it, the last one: ctx.n_past() tells.
  std::vector<model::Token> tokens;
  std::string text;                  // what was streamed
  StopReason reason = StopReason::kLength;
  int64_t n_prompt = 0;              // tokens of `input` evaluated
  double prompt_ms = 0;              // time to evaluate them (time to the first sampled token)
  double gen_ms = 0;                 // time spent generating after that
  int64_t n_generated() const { return static_cast<int64_t>(tokens.size()); }
};

// Appends `input` to the context (after what it already holds), then generates. `on_text`
// receives text as it becomes final and returns false to stop early (reason kCancelled), as does
// setting `*cancel`. The sampler sees `input` (for its repetition penalties) and every generated
// token. Fails, before evaluating anything, when `input` does not fit in the context.
Result<GenerateResult> generate(model::Context& ctx, Sampler& sampler,
                                std::span<const model::Token> input, const GenerateParams& params,
                                FunctionRef<bool(std::string_view)> on_text,
                                const std::atomic<bool>* cancel = nullptr);

}  // namespace edgellm
