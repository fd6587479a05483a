// End-to-end tests of `edgellm run`, `edgellm logits` and `edgellm embed` on real model files.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {

const char* kStories = "models/stories260K.gguf";

#define REQUIRE_BINARY_AND(rel)                                                              \
  do {                                                                                       \
    EDGELLM_REQUIRE_BINARY();                                                                \
    EDGELLM_REQUIRE_FILE(testdata_path(rel));                                                \
  } while (0)

CommandResult edgellm(std::vector<std::string> args) {
  args.insert(args.begin(), edgellm_bin());
  return run_command(args);
}

TEST(RunCommand, GreedyIsDeterministicAndSeededSamplingIgnoresThreads) {
  REQUIRE_BINARY_AND(kStories);
  const std::string m = testdata_path(kStories);
  CommandResult a = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "30", "--temp", "0"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out.rfind(", there was a little girl named Lily.", 0), 0u) << a.out;
  EXPECT_NE(a.err.find("tokens/s"), std::string::npos) << a.err;
  EXPECT_EQ(a.out.find("tokens/s"), std::string::npos) << "speeds go to stderr";

  CommandResult s1 = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "40", "--seed", "7", "-t", "1"});
  CommandResult s2 = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "40", "--seed", "7", "-t", "2"});
  CommandResult s3 = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "40", "--seed", "8", "-t", "2"});
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_EQ(s1.out, s2.out);
  EXPECT_NE(s1.out, s3.out);
}

TEST(RunCommand, StopStringsAndTokenBudget) {
  REQUIRE_BINARY_AND(kStories);
  const std::string m = testdata_path(kStories);
  CommandResult r = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "60", "--temp", "0",
                             "--stop", "Lily"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ", there was a little girl named \n");
  EXPECT_NE(r.err.find("stop: stop"), std::string::npos) << r.err;
  CommandResult n = edgellm({"run", "-m", m, "-p", "Once upon a time", "-n", "3", "--temp", "0"});
  EXPECT_NE(n.err.find("generation: 3 tokens"), std::string::npos) << n.err;
}

TEST(RunCommand, ErrorsAreOneLineWithExitCode1) {
  REQUIRE_BINARY_AND(kStories);
  const std::string m = testdata_path(kStories);
  CommandResult longp = edgellm({"run", "-m", m, "-p", std::string(400, 'a') + " story", "-c", "16"});
  EXPECT_EQ(longp.exit_code, 1);
  EXPECT_NE(longp.err.find("does not fit in the context of 16"), std::string::npos) << longp.err;
  CommandResult missing = edgellm({"run", "-m", "/nonexistent.gguf", "-p", "hi"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err.rfind("error: ", 0), 0u) << missing.err;
  CommandResult badtemp = edgellm({"run", "-m", m, "-p", "hi", "--top-p", "0"});
  EXPECT_EQ(badtemp.exit_code, 1);
  EXPECT_NE(badtemp.err.find("top_p"), std::string::npos) << badtemp.err;
  CommandResult noprompt = edgellm({"run", "-m", m});
  EXPECT_EQ(noprompt.exit_code, 1);
  CommandResult usage = edgellm({"run", "-p", "hi"});
  EXPECT_EQ(usage.exit_code, 2);
  CommandResult kv = edgellm({"run", "-m", m, "-p", "hi", "--kv-type", "q4_0"});
  EXPECT_EQ(kv.exit_code, 1);
}

TEST(LogitsCommand, PrintsTokensTopLastAndGreedy) {
  REQUIRE_BINARY_AND(kStories);
  CommandResult r = edgellm({"logits", "-m", testdata_path(kStories), "-p", "Once upon a time",
                             "--top", "5", "--greedy", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto tokens = j["tokens"].get<std::vector<int>>();
  ASSERT_FALSE(tokens.empty());
  EXPECT_EQ(tokens[0], 1);  // BOS
  ASSERT_EQ(j["top"].size(), tokens.size());
  EXPECT_EQ(j["top"][0].size(), 5u);
  EXPECT_EQ(j["last"].size(), 512u);
  EXPECT_EQ(j["greedy"].size(), 4u);
  // The first greedy token is the argmax of the last position.
  EXPECT_EQ(j["greedy"][0], j["top"].back()[0][0]);
}

TEST(EmbedCommand, OneNormalizedVectorPerText) {
  const char* bert = "models/synthetic/synth-bert.gguf";
  REQUIRE_BINARY_AND(bert);
  CommandResult r = edgellm({"embed", "-m", testdata_path(bert), "first text", "second text"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  std::vector<float> prev;
  while (std::getline(lines, line)) {
    const auto v = nlohmann::json::parse(line).get<std::vector<float>>();
    ASSERT_EQ(v.size(), 128u);
    double norm = 0;
    for (float f : v) norm += double(f) * f;
    EXPECT_NEAR(norm, 1.0, 1e-4);
    EXPECT_NE(v, prev);
    prev = v;
    ++n;
  }
  EXPECT_EQ(n, 2);
  EDGELLM_REQUIRE_FILE(testdata_path(kStories));
  CommandResult wrong = edgellm({"embed", "-m", testdata_path(kStories), "text"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("not an embedding model"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace edgellm::testing
