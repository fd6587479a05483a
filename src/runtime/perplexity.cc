// Windowed perplexity and KL divergence (see perplexity.h).
#include "runtime/perplexity.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace edgellm {
namespace {

using model::Context;
using model::Token;

Result<std::unique_ptr<Context>> window_context(std::shared_ptr<const model::Model> m,
                                                const PerplexityOptions& o) {
  model::ContextParams p;
  p.n_ctx = o.n_ctx;
  p.n_batch = o.n_batch > 0 ? std::min(o.n_batch, o.n_ctx) : o.n_ctx;
  p.n_outputs = o.n_ctx;  // every position's logits of one window
  p.kv_type = o.kv_type;
  p.n_threads = o.n_threads;
  return Context::create(std::move(m), p);
}

}  // namespace

std::vector<Token> perplexity_tokens(const model::Model& model, std::string_view text) {
  return model.tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/false);
}

Result<PerplexityResult> evaluate_perplexity(std::shared_ptr<const model::Model> model,
                                             std::shared_ptr<const model::Model> base,
                                             std::span<const Token> tokens,
                                             const PerplexityOptions& o,
                                             const PerplexityProgress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!model) return make_error(ErrorCode::kInvalidArgument, "no model");
  if (o.n_ctx < 4) {
    return make_error(ErrorCode::kInvalidArgument, "context size %lld is too small (at least 4)",
                      static_cast<long long>(o.n_ctx));
  }
  const int64_t n_vocab = model->hparams().n_vocab;
  if (base && base->hparams().n_vocab != n_vocab) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the base model's vocabulary (%lld) differs from the model's (%lld)",
                      static_cast<long long>(base->hparams().n_vocab),
                      static_cast<long long>(n_vocab));
  }
  const int64_t n_tokens = static_cast<int64_t>(tokens.size());
  int64_t n_chunks = n_tokens / o.n_ctx;
  if (n_chunks == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the text has %lld tokens, fewer than one window of %lld (lower -c)",
                      static_cast<long long>(n_tokens), static_cast<long long>(o.n_ctx));
  }
  if (o.max_chunks > 0) n_chunks = std::min(n_chunks, o.max_chunks);

  EDGELLM_ASSIGN_OR_RETURN(std::unique_ptr<Context> ctx, window_context(model, o));
  std::unique_ptr<Context> base_ctx;
  if (base) {
    EDGELLM_ASSIGN_OR_RETURN(base_ctx, window_context(base, o));
  }
  PerplexityResult r;
  r.has_base = base != nullptr;
  r.n_text_tokens = n_tokens;
  r.n_chunks = n_chunks;
  r.context_bytes = ctx->memory().kv_bytes + ctx->memory().compute_bytes();

  const model::Token bos = model->tokenizer().bos();
  const bool add_bos = model->tokenizer().add_bos() && bos >= 0;
  const int64_t first = o.n_ctx / 2;
  std::vector<Token> window(static_cast<size_t>(o.n_ctx));
  for (int64_t c = 0; c < n_chunks; ++c) {
    const Token* src = tokens.data() + c * o.n_ctx;
    std::copy(src, src + o.n_ctx, window.begin());
    if (add_bos) window[0] = bos;
    ctx->reset();
    EDGELLM_RETURN_IF_ERROR(ctx->decode(window, /*all_logits=*/true));
    if (base_ctx) {
      base_ctx->reset();
      EDGELLM_RETURN_IF_ERROR(base_ctx->decode(window, /*all_logits=*/true));
    }
    // Position j's logits predict the text's token j + 1 of the window (never the BOS stand-in).
    for (int64_t j = first; j < o.n_ctx - 1; ++j) {
      const float* logits = ctx->logits(j);
      r.stats.add_nll(token_nll(logits, static_cast<int>(n_vocab), src[j + 1]));
      if (base_ctx) {
        const float* bl = base_ctx->logits(j);
        r.stats.add_kld(kl_divergence(bl, logits, static_cast<int>(n_vocab)));
        r.stats.add_top(same_top(bl, logits, static_cast<int>(n_vocab)));
      }
      ++r.n_scored;
    }
    if (progress) progress(c, n_chunks, r.stats);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace edgellm
