// `edgellm logits`: one JSON object with the prompt's token ids, the top-K logits at every prompt
// position, the full logits of the last position, and a greedy continuation, for comparing the
// engine with a reference implementation.
//
//   edgellm logits -m MODEL (-p PROMPT | -f FILE | --ids 1,2,3) [--top K] [--greedy N] [-t THREADS] [-c CTX]
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "command.h"
#include "model_options.h"

namespace {

using edgellm::model::Token;

nlohmann::json top_k(const float* logits, int64_t n_vocab, int k) {
  std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
  std::iota(ids.begin(), ids.end(), 0);
  k = static_cast<int>(std::min<int64_t>(k, n_vocab));
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  nlohmann::json out = nlohmann::json::array();
  for (int i = 0; i < k; ++i) out.push_back({ids[i], logits[ids[i]]});
  return out;
}

Token argmax(const float* logits, int64_t n_vocab) {
  Token best = 0;
  for (int64_t i = 1; i < n_vocab; ++i) {
    if (logits[i] > logits[best]) best = static_cast<Token>(i);
  }
  return best;
}

int run_logits(int argc, char** argv) {
  CLI::App app{"Print a prompt's logits as JSON (for conformance checks)."};
  app.name(argv[0]);
  std::string model_path;
  int top = 20, greedy = 0;
  edgellm::cli::PromptOptions po;
  edgellm::cli::ContextOptions co;
  app.add_option("-m,--model", model_path, "GGUF model")->required();
  edgellm::cli::add_prompt_options(app, po);
  edgellm::cli::add_context_options(app, co);
  std::string memory_limit;
  edgellm::cli::add_memory_limit_option(app, memory_limit);
  app.add_option("--top", top, "logits listed per position (default 20)")->check(CLI::PositiveNumber);
  std::vector<int> ids;
  app.add_option("--ids", ids, "token ids to evaluate instead of a prompt (comma-separated)")
      ->delimiter(',');
  app.add_option("--greedy", greedy, "greedy tokens to generate after the prompt")
      ->check(CLI::NonNegativeNumber);
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;

  auto text = edgellm::cli::read_prompt(po, /*required=*/ids.empty());
  if (!text.ok()) return edgellm::cli::fail(text.status().message());
  if (!memory_limit.empty()) {
    auto limit_params = edgellm::cli::context_params(co);
    if (!limit_params.ok()) return edgellm::cli::fail(limit_params.status().message());
    if (limit_params->n_ctx == 0) limit_params->n_ctx = 512;  // the default below, at least
    auto st = edgellm::cli::check_memory_limit(memory_limit, model_path, *limit_params);
    if (!st.ok()) return edgellm::cli::fail(st.message());
  }
  auto model = edgellm::model::Model::load(model_path);
  if (!model.ok()) return edgellm::cli::fail(model.status().message());
  const std::vector<Token> tokens =
      ids.empty() ? (*model)->tokenizer().encode(*text, true, true)
                  : std::vector<Token>(ids.begin(), ids.end());
  if (tokens.empty()) return edgellm::cli::fail("the prompt has no tokens");
  auto params = edgellm::cli::context_params(co);
  if (!params.ok()) return edgellm::cli::fail(params.status().message());
  // The whole prompt in one step, with logits at every position.
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (params->n_ctx == 0) params->n_ctx = std::max<int64_t>(512, n + greedy);
  params->n_batch = std::max(params->n_batch, n);
  params->n_outputs = n;
  auto ctx = edgellm::model::Context::create(*model, *params);
  if (!ctx.ok()) return edgellm::cli::fail(ctx.status().message());
  edgellm::model::Context& c = **ctx;
  if (auto st = c.decode(tokens, /*all_logits=*/true); !st.ok()) {
    return edgellm::cli::fail(st.message());
  }
  const int64_t n_vocab = c.n_vocab();
  nlohmann::json out;
  out["tokens"] = tokens;
  nlohmann::json tops = nlohmann::json::array();
  for (int64_t i = 0; i < n; ++i) tops.push_back(top_k(c.logits(i), n_vocab, top));
  out["top"] = std::move(tops);
  out["last"] = std::vector<float>(c.logits(n - 1), c.logits(n - 1) + n_vocab);
  std::vector<Token> gen;
  Token next = argmax(c.logits(n - 1), n_vocab);
  for (int i = 0; i < greedy; ++i) {
    gen.push_back(next);
    if (i + 1 == greedy) break;
    if (auto st = c.decode(std::span<const Token>(&next, 1)); !st.ok()) {
      return edgellm::cli::fail(st.message());
    }
    next = argmax(c.logits(0), n_vocab);
  }
  out["greedy"] = gen;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

edgellm::cli::CommandRegistration reg("logits", "Print a prompt's logits as JSON", &run_logits);

}  // namespace
