// `edgellm embed`: the L2-normalized embedding of each text, one JSON array per line, from an
// embedding model (bert family: all-MiniLM, bge, ...).
//
//   edgellm embed -m MODEL TEXT... [-t THREADS] [--no-normalize]
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "command.h"
#include "model_options.h"

namespace {

int run_embed(int argc, char** argv) {
  CLI::App app{"Print the embedding of each text as a JSON array, one per line."};
  app.name(argv[0]);
  std::string model_path;
  std::vector<std::string> texts;
  int n_threads = 0;
  bool no_normalize = false;
  app.add_option("-m,--model", model_path, "GGUF embedding model")->required();
  app.add_option("texts", texts, "texts to embed")->required();
  app.add_option("-t,--threads", n_threads, "threads (default: physical cores)");
  app.add_flag("--no-normalize", no_normalize, "print the pooled vector without L2 normalization");
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;

  auto model = edgellm::model::Model::load(model_path);
  if (!model.ok()) return edgellm::cli::fail(model.status().message());
  edgellm::model::ContextParams params;
  params.n_threads = n_threads;
  auto ctx = edgellm::model::Context::create(*model, params);
  if (!ctx.ok()) return edgellm::cli::fail(ctx.status().message());
  for (const std::string& text : texts) {
    const auto tokens = (*model)->tokenizer().encode(text, true, true);
    auto emb = (*ctx)->embed(tokens);
    if (!emb.ok()) return edgellm::cli::fail(emb.status().message());
    std::vector<float>& v = *emb;
    if (!no_normalize) {
      double sum = 0;
      for (float f : v) sum += static_cast<double>(f) * f;
      const float inv = sum > 0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
      for (float& f : v) f *= inv;
    }
    std::printf("%s\n", nlohmann::json(v).dump().c_str());
  }
  return 0;
}

edgellm::cli::CommandRegistration reg("embed", "Print text embeddings (embedding models)",
                                      &run_embed);

}  // namespace
