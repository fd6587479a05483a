// End-to-end tests of `edgellm bench`: the JSON report has every key with positive, finite values
// on a tiny real model, the markdown table is written, and bad options or an unknown --synth
// preset are usage errors. Timings are reported, never asserted (machines are noisy).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {

TEST(BenchCommand, JsonReportHasEveryKeyWithPositiveFiniteValues) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(model);
  TempDir dir;
  const std::string table = dir.file("table.md");
  auto r = run_command({edgellm_bin(), "bench", "-m", model, "-p", "16", "-n", "8", "-r", "2",
                        "-t", "2", "--json", "-o", table});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"pp_tok_s", "tg_tok_s", "ttft_ms", "latency_avg_ms", "latency_p99_ms",
                          "load_ms", "peak_rss_mb", "pp_tok_s_min", "pp_tok_s_max",
                          "tg_tok_s_min", "tg_tok_s_max", "tg_gb_s"}) {
    ASSERT_TRUE(j.contains(key)) << key << " missing in " << r.out;
    const double v = j[key].get<double>();
    EXPECT_TRUE(std::isfinite(v) && v > 0) << key << " = " << v;
  }
  EXPECT_LE(j["pp_tok_s_min"].get<double>(), j["pp_tok_s"].get<double>());
  EXPECT_GE(j["pp_tok_s_max"].get<double>(), j["pp_tok_s"].get<double>());
  EXPECT_EQ(j["threads"].get<int>(), 2);
  EXPECT_EQ(j["repetitions"].get<int>(), 2);
  const std::string md = read_file_or_die(table);
  EXPECT_NE(md.find("| pp16 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| tg8 |"), std::string::npos) << md;
}

TEST(BenchCommand, MarkdownIsTheDefaultOutput) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(model);
  auto r = run_command({edgellm_bin(), "bench", "-m", model, "-p", "8", "-n", "4", "-r", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("| model |", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("peak RSS"), std::string::npos) << r.out;
}

TEST(BenchCommand, SynthWritesRunsAndLabelsASyntheticModel) {
  EDGELLM_REQUIRE_BINARY();
  auto r = run_command({edgellm_bin(), "bench", "--synth", "smollm2-135m:Q8_0", "-p", "4", "-n",
                        "2", "-r", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["model"].get<std::string>().find("synthetic"), std::string::npos) << r.out;
  EXPECT_GT(j["tg_tok_s"].get<double>(), 0.0);
}

TEST(BenchCommand, UnknownSynthPresetIsAUsageErrorListingThePresets) {
  EDGELLM_REQUIRE_BINARY();
  auto r = run_command({edgellm_bin(), "bench", "--synth", "gpt-5:Q4_K_M", "-p", "8", "-n", "4"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("gpt-5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("llama-3.2-1b"), std::string::npos) << r.err;
  auto t = run_command({edgellm_bin(), "bench", "--synth", "smollm2-135m:Q9_Z", "-p", "8"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.err.find("Q9_Z"), std::string::npos) << t.err;
}

TEST(BenchCommand, BadOptionsExit2) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path("models/stories260K.gguf");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"bench"},                                  // no model
           {"bench", "-m", model, "-r", "0"},          // no repetitions
           {"bench", "-m", model, "-p", "-3"},         // negative prompt
           {"bench", "-m", model, "--frobnicate"},     // unknown option
           {"bench", "-m", model, "-p", "0", "-n", "0"},  // nothing to measure
           {"bench", "-m", model, "--synth", "smollm2-135m"},  // both sources
       }) {
    std::vector<std::string> argv = {edgellm_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
  }
}

TEST(BenchCommand, MissingModelFileFailsWithOneErrorLine) {
  EDGELLM_REQUIRE_BINARY();
  auto r = run_command({edgellm_bin(), "bench", "-m", "/nonexistent/model.gguf", "-p", "8"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
}

}  // namespace
}  // namespace edgellm::testing
