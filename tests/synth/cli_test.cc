// End-to-end tests of `edgellm synth`: a model written through the binary reads back, and unknown
// presets and types are usage errors (exit 2) that list what is accepted.
#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"

namespace edgellm::testing {
namespace {


bool one_error_line(const std::string& err) {
  return err.rfind("error: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

TEST(SynthCommand, WritesAModelThatReadsBack) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  const std::string path = dir.file("smol.gguf");
  auto r = run_command({edgellm_bin(), "synth", "smollm2-135m", "-o", path, "--type", "Q8_0",
                        "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Q8_0"), std::string::npos) << r.out;
  auto f = gguf::File::open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::Q8_0);
  EXPECT_EQ(f->get_int("general.file_type").value(), 7);

  auto again = run_command({edgellm_bin(), "synth", "SmolLM2-135M", "-o", dir.file("b.gguf"),
                            "--type", "q8_0", "--seed", "3"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(read_file_or_die(path) == read_file_or_die(dir.file("b.gguf")));
}

TEST(SynthCommand, DryRunAndListWriteNothing) {
  EDGELLM_REQUIRE_BINARY();
  auto list = run_command({edgellm_bin(), "synth", "--list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("gemma-2-2b"), std::string::npos) << list.out;
  auto dry = run_command({edgellm_bin(), "synth", "llama-3.2-1b", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("rope_freqs.weight"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("1235814432 weights"), std::string::npos) << dry.out;
}

TEST(SynthCommand, UnknownPresetAndTypeAreUsageErrorsListingTheChoices) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  auto r = run_command({edgellm_bin(), "synth", "gpt-5", "-o", dir.file("x.gguf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_error_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("gpt-5"), std::string::npos) << r.err;
  for (const char* p : {"smollm2-135m", "qwen2.5-0.5b", "llama-3.2-1b", "tinyllama-1.1b",
                        "phi-3-mini", "gemma-2-2b"}) {
    EXPECT_NE(r.err.find(p), std::string::npos) << r.err;
  }
  auto t = run_command(
      {edgellm_bin(), "synth", "smollm2-135m", "-o", dir.file("x.gguf"), "--type", "IQ2_XXS"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_TRUE(one_error_line(t.err)) << t.err;
  EXPECT_NE(t.err.find("IQ2_XXS"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("Q4_K_M"), std::string::npos) << t.err;
  auto no_out = run_command({edgellm_bin(), "synth", "smollm2-135m"});
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_FALSE(file_exists(dir.file("x.gguf")));
}

}  // namespace
}  // namespace edgellm::testing
