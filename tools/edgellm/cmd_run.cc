// `edgellm run`: complete a prompt, streaming the text to stdout as it is generated. Load time and
// speeds go to stderr.
//
//   edgellm run -m MODEL (-p PROMPT | -f FILE) [-n N] [-c CTX] [-t THREADS] [--temp T]
//               [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--stop S]
#include <chrono>
#include <csignal>
#include <cstdio>

#include "command.h"
#include "model_options.h"
#include "runtime/generate.h"
#include "sampling_options.h"

namespace {

std::atomic<bool> g_interrupted{false};
void on_sigint(int) { g_interrupted = true; }

int run_run(int argc, char** argv) {
  CLI::App app{"Complete a prompt with a model, streaming the text as it is generated."};
  app.name(argv[0]);
  std::string model_path;
  int n_predict = 128;
  bool no_bos = false;
  std::vector<std::string> stops;
  edgellm::cli::PromptOptions po;
  edgellm::cli::ContextOptions co;
  edgellm::SamplerParams sp;
  app.add_option("-m,--model", model_path, "GGUF model")->required();
  edgellm::cli::add_prompt_options(app, po);
  edgellm::cli::add_context_options(app, co);
  std::string memory_limit;
  edgellm::cli::add_memory_limit_option(app, memory_limit);
  edgellm::cli::add_sampling_options(app, sp);
  app.add_option("-n,--n-predict", n_predict,
                 "tokens to generate (default 128; -1: until end of text or a full context)");
  app.add_option("--stop", stops, "stop when this text is generated (repeatable)");
  app.add_flag("--no-bos", no_bos, "do not add the BOS token the model asks for");
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;
  if (n_predict < -1) return edgellm::cli::fail("-n must be -1 or more");
  if (auto st = edgellm::validate_sampler_params(sp); !st.ok()) {
    return edgellm::cli::fail(st.message());
  }

  auto text = edgellm::cli::read_prompt(po);
  if (!text.ok()) return edgellm::cli::fail(text.status().message());
  auto params = edgellm::cli::context_params(co);
  if (!params.ok()) return edgellm::cli::fail(params.status().message());
  if (auto st = edgellm::cli::check_memory_limit(memory_limit, model_path, *params); !st.ok()) {
    return edgellm::cli::fail(st.message());
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto model = edgellm::model::Model::load(model_path);
  if (!model.ok()) return edgellm::cli::fail(model.status().message());
  auto ctx = edgellm::model::Context::create(*model, *params);
  if (!ctx.ok()) return edgellm::cli::fail(ctx.status().message());
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  const auto tokens = (*model)->tokenizer().encode(*text, !no_bos, true);
  if (tokens.empty()) return edgellm::cli::fail("the prompt has no tokens");
  if (static_cast<int64_t>(tokens.size()) >= (*ctx)->n_ctx()) {
    return edgellm::cli::fail("the prompt has " + std::to_string(tokens.size()) +
                              " tokens, which does not fit in the context of " +
                              std::to_string((*ctx)->n_ctx()) + " (raise it with -c)");
  }
  edgellm::Sampler sampler(sp);
  edgellm::GenerateParams gp;
  gp.n_predict = n_predict;
  gp.stop = stops;
  std::signal(SIGINT, on_sigint);
  auto res = edgellm::generate(**ctx, sampler, tokens, gp,
                               [](std::string_view piece) {
                                 std::fwrite(piece.data(), 1, piece.size(), stdout);
                                 std::fflush(stdout);
                                 return true;
                               },
                               &g_interrupted);
  std::signal(SIGINT, SIG_DFL);
  if (!res.ok()) return edgellm::cli::fail(res.status().message());
  std::fputc('\n', stdout);
  std::fflush(stdout);
  const double pp = res->prompt_ms > 0 ? res->n_prompt * 1000.0 / res->prompt_ms : 0;
  const int64_t n_gen_timed = std::max<int64_t>(0, res->n_generated() - 1);
  const double tg = res->gen_ms > 0 ? n_gen_timed * 1000.0 / res->gen_ms : 0;
  std::fprintf(stderr,
               "\nload: %.1f ms | prompt: %lld tokens, %.1f tokens/s | generation: %lld tokens, "
               "%.1f tokens/s | stop: %s | seed: %llu\n",
               load_ms, static_cast<long long>(res->n_prompt), pp,
               static_cast<long long>(res->n_generated()), tg,
               edgellm::stop_reason_name(res->reason),
               static_cast<unsigned long long>(sampler.seed()));
  return res->reason == edgellm::StopReason::kCancelled ? 130 : 0;
}

edgellm::cli::CommandRegistration reg("run", "Complete a prompt (streams the text)", &run_run);

}  // namespace
