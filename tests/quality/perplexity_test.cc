// Perplexity and KL divergence against llama.cpp's figures for the shared kjv-chat-7m model, and
// the matmul observer the calibration passes rely on.
#include <cmath>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "common/testdata.h"
#include "model/matrix_names.h"
#include "runtime/perplexity.h"

namespace edgellm {
namespace {

const std::string kModel = "models/kjv-chat-7m-f16.gguf";
const std::string kEval = "eval/kjv-revelation.txt";
const std::string kGolden = "golden/quant/llamacpp-ppl.json";

TEST(Perplexity, MatchesLlamaCppOnKjvChat) {
  const std::string model_path = testing::testdata_path(kModel);
  const std::string eval_path = testing::testdata_path(kEval);
  const std::string golden_path = testing::testdata_path(kGolden);
  EDGELLM_REQUIRE_FILE(model_path);
  EDGELLM_REQUIRE_FILE(eval_path);
  EDGELLM_REQUIRE_FILE(golden_path);
  const nlohmann::json golden = nlohmann::json::parse(testing::read_file_or_die(golden_path));
  auto model = model::Model::load(model_path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto text = read_file(eval_path);
  ASSERT_TRUE(text.ok());
  PerplexityOptions o;
  o.n_ctx = golden["ctx"].get<int64_t>();
  o.n_threads = 2;
  auto r = evaluate_perplexity(*model, nullptr, perplexity_tokens(**model, *text), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->n_scored, r->n_chunks * (o.n_ctx - 1 - o.n_ctx / 2));
  const double want = golden["base_ppl"].get<double>();
  // Both run the same F16 weights with F32 accumulation; what differs is summation order and
  // the activation rounding inside the matmuls, worth ~1e-4 relative per logit. 0.1% of the
  // perplexity is 30x below its own standard error (~3%), and still catches any off-by-one
  // in the windowing (BOS, scored range), which moves it by more than 1%.
  EXPECT_NEAR(r->stats.ppl(), want, want * 1e-3) << "ours " << r->stats.ppl();
  EXPECT_NEAR(r->stats.ppl_stderr(), golden["base_ppl_stderr"].get<double>(), 0.02);
}

TEST(Perplexity, ModelAgainstItselfHasNoDivergence) {
  const std::string model_path = testing::testdata_path(kModel);
  const std::string eval_path = testing::testdata_path(kEval);
  EDGELLM_REQUIRE_FILE(model_path);
  EDGELLM_REQUIRE_FILE(eval_path);
  auto model = model::Model::load(model_path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto text = read_file(eval_path);
  ASSERT_TRUE(text.ok());
  PerplexityOptions o;
  o.n_ctx = 128;
  o.max_chunks = 2;
  o.n_threads = 2;
  auto r = evaluate_perplexity(*model, *model, perplexity_tokens(**model, *text), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->n_chunks, 2);
  EXPECT_EQ(r->n_scored, 2 * 63);
  EXPECT_NEAR(r->stats.mean_kld(), 0.0, 1e-9);
  EXPECT_EQ(r->stats.same_top, r->stats.n_top);
  EXPECT_TRUE(std::isfinite(r->stats.ppl()));
}

TEST(Perplexity, TooShortATextIsAnError) {
  const std::string model_path = testing::testdata_path(kModel);
  EDGELLM_REQUIRE_FILE(model_path);
  auto model = model::Model::load(model_path);
  ASSERT_TRUE(model.ok());
  PerplexityOptions o;
  o.n_ctx = 256;
  auto r = evaluate_perplexity(*model, nullptr, perplexity_tokens(**model, "In the beginning"), o);
  EXPECT_FALSE(r.ok());
}

TEST(MatmulObserver, SeesEveryLayerMatrixByName) {
  const std::string model_path = testing::testdata_path(kModel);
  EDGELLM_REQUIRE_FILE(model_path);
  auto model = model::Model::load(model_path);
  ASSERT_TRUE(model.ok());
  model::ContextParams p;
  p.n_ctx = 64;
  p.n_threads = 2;
  auto ctx = model::Context::create(*model, p);
  ASSERT_TRUE(ctx.ok());
  model::MatrixNames names((*model)->file());
  std::set<std::string> seen;
  int64_t bad = 0;
  (*ctx)->set_matmul_observer([&](const kernels::Matrix& w, const float* x, int64_t n, int64_t ldx) {
    const model::MatrixName m = names.find(w);
    if (m.name == nullptr || n != 8 || ldx < w.n_cols || m.n_per_row != w.n_cols) ++bad;
    if (m.name != nullptr) seen.insert(*m.name);
    (void)x;
  });
  std::vector<model::Token> tokens(8, 1);
  ASSERT_TRUE((*ctx)->decode(tokens).ok());
  // Only the last row reaches the output matrix without all_logits.
  EXPECT_EQ(bad, 1);
  EXPECT_TRUE(seen.count("blk.0.attn_q.weight"));
  EXPECT_TRUE(seen.count("blk.0.ffn_down.weight"));
  const int64_t n_layer = (*model)->hparams().n_layer;
  EXPECT_TRUE(seen.count("blk." + std::to_string(n_layer - 1) + ".attn_output.weight"));
  // Observer off again: decoding still works.
  (*ctx)->set_matmul_observer({});
  (*ctx)->reset();
  EXPECT_TRUE((*ctx)->decode(tokens).ok());
}

}  // namespace
}  // namespace edgellm
