// End-to-end tests of `edgellm quantize`: the real binary on the shared model files.
#include <string>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"

namespace edgellm {
namespace {

using testing::run_command;

std::string synthetic(const std::string& name) {
  return testing::testdata_path("models/synthetic/" + name);
}

TEST(CliQuantize, ReferenceRoundingReproducesTheReferenceFile) {
  const std::string in = synthetic("cpt-llama-gqa.gguf");
  const std::string want = synthetic("cpt-llama-gqa-Q3_K_M.gguf");
  EDGELLM_REQUIRE_FILE(in);
  EDGELLM_REQUIRE_FILE(want);
  EDGELLM_REQUIRE_FILE(testing::edgellm_bin());
  testing::TempDir dir;
  auto r = run_command({testing::edgellm_bin(), "quantize", in, dir.file("out.gguf"), "q3_k_m",
                        "--reference", "-t", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bits per weight"), std::string::npos) << r.out;
  EXPECT_TRUE(testing::read_file_or_die(dir.file("out.gguf")) == testing::read_file_or_die(want));
}

TEST(CliQuantize, DefaultRoundingWritesALoadableFileOfTheSameLayout) {
  const std::string in = synthetic("cpt-llama-gqa.gguf");
  EDGELLM_REQUIRE_FILE(in);
  EDGELLM_REQUIRE_FILE(testing::edgellm_bin());
  testing::TempDir dir;
  auto r = run_command({testing::edgellm_bin(), "quantize", in, dir.file("out.gguf"), "Q4_K_S",
                        "-t", "2", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // -v lists every tensor with its types.
  EXPECT_NE(r.out.find("blk.1.ffn_down.weight"), std::string::npos) << r.out;
  auto f = gguf::File::open(dir.file("out.gguf"));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->find_tensor("blk.0.attn_v.weight")->type, TensorType::Q5_K);  // first attn_v
  EXPECT_EQ(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::Q4_K);
  EXPECT_EQ(f->find_tensor("output.weight")->type, TensorType::Q6_K);
  EXPECT_EQ(f->get_int("general.file_type").value(), 14);
}

TEST(CliQuantize, DryRunPrintsThePlan) {
  const std::string in = synthetic("cpt-llama-gqa.gguf");
  EDGELLM_REQUIRE_FILE(in);
  EDGELLM_REQUIRE_FILE(testing::edgellm_bin());
  auto r = run_command({testing::edgellm_bin(), "quantize", in, "/nonexistent/out.gguf", "Q2_K",
                        "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t line = r.out.find("blk.0.attn_v.weight ");
  ASSERT_NE(line, std::string::npos) << r.out;
  const std::string attn_v = r.out.substr(line, r.out.find('\n', line) - line);
  EXPECT_NE(attn_v.find("F32    -> Q3_K"), std::string::npos) << attn_v;
  // The size of the reference quantizer's Q2_K file.
  EXPECT_NE(r.out.find("output size: 744288 bytes"), std::string::npos) << r.out;
}

TEST(CliQuantize, BadArgumentsAndBadFiles) {
  EDGELLM_REQUIRE_FILE(testing::edgellm_bin());
  testing::TempDir dir;
  auto r = run_command({testing::edgellm_bin(), "quantize", "a.gguf", "b.gguf", "Q9_K"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown type 'Q9_K'"), std::string::npos) << r.err;

  r = run_command({testing::edgellm_bin(), "quantize", dir.file("missing.gguf"),
                   dir.file("out.gguf"), "Q4_0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("missing.gguf"), std::string::npos) << r.err;
  EXPECT_FALSE(testing::file_exists(dir.file("out.gguf")));

  r = run_command({testing::edgellm_bin(), "quantize", synthetic("cpt-llama-gqa.gguf"),
                   dir.file("out.gguf"), "Q4_0", "--imatrix", dir.file("missing.imatrix")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.imatrix"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace edgellm
