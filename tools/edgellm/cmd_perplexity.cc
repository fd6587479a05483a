// `edgellm perplexity`: perplexity of a model over a text in consecutive windows, scored as
// llama-perplexity scores them (second half of each window), with the running estimate per
// window; with --kl-base, also the KL divergence from a base model and top-1 agreement.
//
//   edgellm perplexity -m MODEL -f TEXT [-c CTX] [-b BATCH] [-t N] [--chunks N]
//                      [--kl-base BASE.gguf] [--json]
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "command.h"
#include "model_options.h"
#include "runtime/perplexity.h"

namespace edgellm::cli {
namespace {

int run_perplexity(int argc, char** argv) {
  CLI::App app{"Perplexity over consecutive windows of a text (llama-perplexity's method)."};
  app.name(argv[0]);
  std::string model_path, base_path;
  bool json = false;
  int64_t chunks = 0;
  PromptOptions po;
  ContextOptions co;
  app.add_option("-m,--model", model_path, "GGUF model")->required();
  add_prompt_options(app, po);
  add_context_options(app, co);
  app.add_option("--chunks", chunks, "evaluate at most N windows (default: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--kl-base", base_path, "base model: also report KL divergence and top-1 agreement");
  app.add_flag("--json", json, "print one JSON object on stdout (progress goes to stderr)");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;

  auto text = read_prompt(po);
  if (!text.ok()) return fail(text.status().message());
  auto params = context_params(co);
  if (!params.ok()) return fail(params.status().message());
  auto model = model::Model::load(model_path);
  if (!model.ok()) return fail(model.status().message());
  std::shared_ptr<const model::Model> base;
  if (!base_path.empty()) {
    auto b = model::Model::load(base_path);
    if (!b.ok()) return fail(b.status().message());
    base = *b;
  }

  PerplexityOptions opt;
  opt.n_ctx = co.n_ctx > 0 ? co.n_ctx : 512;
  opt.n_batch = co.n_batch;
  opt.n_threads = co.n_threads;
  opt.kv_type = params->kv_type;
  opt.max_chunks = chunks;
  const std::vector<model::Token> tokens = perplexity_tokens(**model, *text);
  FILE* log = json ? stderr : stdout;
  std::fprintf(log, "%zu tokens, %lld windows of %lld, scoring %lld tokens per window\n",
               tokens.size(), static_cast<long long>(tokens.size() / opt.n_ctx),
               static_cast<long long>(opt.n_ctx), static_cast<long long>(opt.n_ctx - 1 - opt.n_ctx / 2));
  auto progress = [&](int64_t c, int64_t n, const QualityStats& s) {
    std::fprintf(log, "[%lld]%.4f%s", static_cast<long long>(c + 1), s.ppl(), c + 1 == n ? "\n" : ",");
    std::fflush(log);
  };
  auto r = evaluate_perplexity(*model, base, tokens, opt, progress);
  if (!r.ok()) return fail(r.status().message());
  const QualityStats& s = r->stats;
  if (json) {
    nlohmann::json out;
    out["model"] = model_path;
    out["n_ctx"] = opt.n_ctx;
    out["n_chunks"] = r->n_chunks;
    out["n_tokens"] = r->n_scored;
    out["n_text_tokens"] = r->n_text_tokens;
    out["ppl"] = s.ppl();
    out["ppl_stderr"] = s.ppl_stderr();
    out["mean_nll"] = s.nll.mean;
    if (r->has_base) {
      out["kl_base"] = base_path;
      out["kld"] = s.mean_kld();
      out["kld_stderr"] = s.kld_stderr();
      out["same_top_pct"] = 100.0 * s.same_top_fraction();
      out["same_top_pct_stderr"] = 100.0 * s.same_top_stderr();
    }
    out["seconds"] = r->seconds;
    std::printf("%s\n", out.dump(1).c_str());
    return 0;
  }
  std::printf("Final estimate: PPL = %.4f +/- %.5f (%lld tokens scored, %.2f s)\n", s.ppl(),
              s.ppl_stderr(), static_cast<long long>(r->n_scored), r->seconds);
  if (r->has_base) {
    std::printf("Mean KLD: %.6f +/- %.6f\n", s.mean_kld(), s.kld_stderr());
    std::printf("Same top: %.3f +/- %.3f %%\n", 100.0 * s.same_top_fraction(),
                100.0 * s.same_top_stderr());
  }
  return 0;
}

CommandRegistration reg("perplexity", "Perplexity (and KL divergence from a base) over a text",
                        &run_perplexity);

}  // namespace
}  // namespace edgellm::cli
