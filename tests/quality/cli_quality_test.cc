// End-to-end tests of `edgellm perplexity`, `edgellm imatrix`, `quantize --gptq` and
// `quantize --report` on the shared kjv-chat-7m model, with few windows to keep them quick.
#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testdata.h"
#include "quant/imatrix.h"

namespace edgellm {
namespace {

using testing::run_command;

const std::string kModel = "models/kjv-chat-7m-f16.gguf";
const std::string kEval = "eval/kjv-revelation.txt";
const std::string kCalib = "eval/kjv-calib.txt";

#define REQUIRE_KJV()                                          \
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kModel));        \
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kEval));         \
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kCalib));        \
  EDGELLM_REQUIRE_FILE(testing::edgellm_bin())

nlohmann::json perplexity_json(const std::string& model, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {testing::edgellm_bin(), "perplexity", "-m", model, "-f",
                                   testing::testdata_path(kEval), "-c", "128", "--chunks", "3",
                                   "-t", "2", "--json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  return nlohmann::json::parse(r.out);
}

TEST(CliPerplexity, JsonHasTheKeys) {
  REQUIRE_KJV();
  const std::string m = testing::testdata_path(kModel);
  nlohmann::json j = perplexity_json(m, {"--kl-base", m});
  for (const char* key : {"ppl", "ppl_stderr", "n_tokens", "kld", "kld_stderr", "same_top_pct"}) {
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << j.dump();
  }
  EXPECT_EQ(j["n_tokens"].get<int64_t>(), 3 * 63);
  EXPECT_NEAR(j["kld"].get<double>(), 0.0, 1e-9);
  EXPECT_DOUBLE_EQ(j["same_top_pct"].get<double>(), 100.0);
}

TEST(CliPerplexity, TextOutputPrintsRunningEstimate) {
  REQUIRE_KJV();
  auto r = run_command({testing::edgellm_bin(), "perplexity", "-m", testing::testdata_path(kModel),
                        "-f", testing::testdata_path(kEval), "-c", "128", "--chunks", "2", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[1]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[2]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Final estimate: PPL = "), std::string::npos) << r.out;
}

// A model our own GGUF writer produced (not a shared file): Q8_0 stays within 1% of the base.
TEST(CliPerplexity, RunsOnAModelWeQuantized) {
  REQUIRE_KJV();
  testing::TempDir dir;
  const std::string base = testing::testdata_path(kModel), q = dir.file("q8.gguf");
  auto r = run_command({testing::edgellm_bin(), "quantize", base, q, "Q8_0", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json jb = perplexity_json(base, {});
  nlohmann::json jq = perplexity_json(q, {"--kl-base", base});
  ASSERT_FALSE(jq.is_null());
  EXPECT_NEAR(jq["ppl"].get<double>(), jb["ppl"].get<double>(), 0.01 * jb["ppl"].get<double>());
  EXPECT_GT(jq["kld"].get<double>(), 0.0);
  EXPECT_LT(jq["kld"].get<double>(), 0.002);
  EXPECT_GT(jq["same_top_pct"].get<double>(), 95.0);
}

TEST(CliImatrix, WritesAFileThatLoadsAndQuantizeAccepts) {
  REQUIRE_KJV();
  testing::TempDir dir;
  const std::string base = testing::testdata_path(kModel), im = dir.file("kjv.imatrix");
  auto r = run_command({testing::edgellm_bin(), "imatrix", "-m", base, "-f",
                        testing::testdata_path(kCalib), "-o", im, "-c", "128", "--chunks", "2",
                        "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto loaded = quant::ImportanceMatrix::load(im);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->chunk_count, 2);
  EXPECT_EQ(loaded->chunk_size, 128);
  const auto& entries = loaded->entries();
  auto q = entries.find("blk.0.attn_q.weight");
  ASSERT_NE(q, entries.end());
  EXPECT_EQ(q->second.counts.at(0), 256.0);  // every position of both windows
  EXPECT_TRUE(entries.count("blk.0.ffn_down.weight"));
  EXPECT_TRUE(entries.count("output.weight"));
  for (float w : loaded->column_weights("blk.0.ffn_down.weight")) ASSERT_TRUE(std::isfinite(w) && w >= 0);

  r = run_command({testing::edgellm_bin(), "quantize", base, dir.file("q4.gguf"), "Q4_K_M",
                   "--imatrix", im, "-t", "2", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(imatrix)"), std::string::npos) << r.out;
  nlohmann::json j = perplexity_json(dir.file("q4.gguf"), {});
  ASSERT_FALSE(j.is_null());
  EXPECT_TRUE(std::isfinite(j["ppl"].get<double>()));
}

TEST(CliGptq, Q4_0FileLoadsAndRuns) {
  REQUIRE_KJV();
  testing::TempDir dir;
  const std::string base = testing::testdata_path(kModel), q = dir.file("gptq.gguf");
  auto r = run_command({testing::edgellm_bin(), "quantize", base, q, "Q4_0", "--gptq", "--calib",
                        testing::testdata_path(kCalib), "--calib-ctx", "128", "--calib-chunks", "2",
                        "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("gptq layer 1/"), std::string::npos) << r.err;
  nlohmann::json j = perplexity_json(q, {"--kl-base", base});
  ASSERT_FALSE(j.is_null());
  EXPECT_TRUE(std::isfinite(j["ppl"].get<double>()));
  EXPECT_LT(j["kld"].get<double>(), 0.05);
}

TEST(CliGptq, NeedsCalibrationText) {
  REQUIRE_KJV();
  testing::TempDir dir;
  auto r = run_command({testing::edgellm_bin(), "quantize", testing::testdata_path(kModel),
                        dir.file("x.gguf"), "Q4_0", "--gptq"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CliQuantizeReport, JsonRows) {
  REQUIRE_KJV();
  auto r = run_command({testing::edgellm_bin(), "quantize", "--report",
                        testing::testdata_path(kModel), "-f", testing::testdata_path(kEval),
                        "-c", "128", "--chunks", "2", "--types", "Q8_0,Q4_0", "-t", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 3u);  // base, Q8_0, Q4_0
  for (const auto& row : j["rows"]) {
    for (const char* key : {"type", "bytes", "bpw", "peak_mib", "ppl", "ppl_ratio", "ll_retained_pct"}) {
      EXPECT_TRUE(row.contains(key)) << key;
    }
  }
  EXPECT_LT(j["rows"][1]["bytes"].get<double>(), j["rows"][0]["bytes"].get<double>());
  EXPECT_LT(j["rows"][1]["kld"].get<double>(), j["rows"][2]["kld"].get<double>());
}

}  // namespace
}  // namespace edgellm
