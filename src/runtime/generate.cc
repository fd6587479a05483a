// The generation loop (see generate.h).
#include "runtime/generate.h"

#include <chrono>

#include "runtime/stop.h"
#include "tokenizer/tokenizer.h"

namespace edgellm {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kEog: return "eog";
    case StopReason::kStopString: return "stop";
    case StopReason::kLength: return "length";
    case StopReason::kContextFull: return "context";
    case StopReason::kCancelled: return "cancelled";
  }
  return "?";
}

Result<GenerateResult> generate(model::Context& ctx, Sampler& sampler,
                                std::span<const model::Token> input, const GenerateParams& params,
                                FunctionRef<bool(std::string_view)> on_text,
                                const std::atomic<bool>* cancel) {
  GenerateResult res;
  const tokenizer::Tokenizer& tok = ctx.model().tokenizer();
  auto t0 = std::chrono::steady_clock::now();
  if (!input.empty()) {
    EDGELLM_RETURN_IF_ERROR(ctx.decode(input));
    for (model::Token t : input) sampler.accept(t);
  } else if (ctx.logits(0) == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "nothing to generate from (empty input)");
  }
  res.n_prompt = static_cast<int64_t>(input.size());

  tokenizer::StreamDecoder decoder(tok);
  StopMatcher stops(params.stop);
  auto emit = [&](const std::string& text) {
    if (text.empty()) return true;
    res.text += text;
    return on_text(text);
  };
  bool first = true;
  res.reason = StopReason::kLength;
  for (;;) {
    if (params.n_predict >= 0 && res.n_generated() >= params.n_predict) {
      res.reason = StopReason::kLength;
      break;
    }
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      res.reason = StopReason::kCancelled;
      break;
    }
    const model::Token next = sampler.sample(ctx.logits(0), static_cast<int32_t>(ctx.n_vocab()));
    if (first) {
      res.prompt_ms = ms_since(t0);
      t0 = std::chrono::steady_clock::now();
      first = false;
    }
    if (params.stop_at_eog && tok.is_eog(next)) {
      res.reason = StopReason::kEog;
      break;
    }
    sampler.accept(next);
    res.tokens.push_back(next);
    StopMatcher::Step step = stops.feed(decoder.push(next));
    if (!emit(step.text)) {
      res.reason = StopReason::kCancelled;
      break;
    }
    if (step.stopped) {
      res.reason = StopReason::kStopString;
      break;
    }
    if (params.n_predict >= 0 && res.n_generated() >= params.n_predict) {
      res.reason = StopReason::kLength;
      break;
    }
    if (ctx.n_past() >= ctx.n_ctx()) {
      res.reason = StopReason::kContextFull;
      break;
    }
    EDGELLM_RETURN_IF_ERROR(ctx.decode(std::span<const model::Token>(&next, 1)));
  }
  if (res.reason != StopReason::kStopString) {
    const std::string tail = stops.feed(decoder.finish()).text + stops.flush();
    emit(tail);
  }
  if (first) res.prompt_ms = ms_since(t0);
  else res.gen_ms = ms_since(t0);
  return res;
}

}  // namespace edgellm
