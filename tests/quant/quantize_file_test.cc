// Whole-file quantization: with the reference rounding, quantizing cpt-llama-gqa.gguf reproduces
// the shared quantized files (made by the GGUF ecosystem's quantizer) byte for byte, which checks
// the recipes' per-tensor types, the tensor order, the metadata and the block bytes at once. The
// recipes' file sizes for kjv-chat-7m match the reference quantizer's sizes for every type.
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testdata.h"
#include "gguf/file.h"
#include "quant/quant.h"
#include "quant/quantize_file.h"
#include "quant/recipe.h"

namespace edgellm::quant {
namespace {

std::string synthetic(const std::string& name) {
  return testing::testdata_path("models/synthetic/" + name);
}

class ReferenceFile : public ::testing::TestWithParam<const char*> {};

TEST_P(ReferenceFile, QuantizedFileIsByteIdenticalToTheReferenceQuantizer) {
  const std::string in = synthetic("cpt-llama-gqa.gguf");
  const std::string want = synthetic(std::string("cpt-llama-gqa-") + GetParam() + ".gguf");
  EDGELLM_REQUIRE_FILE(in);
  EDGELLM_REQUIRE_FILE(want);
  testing::TempDir dir;
  QuantizeOptions opt;
  opt.recipe = *recipe_from_name(GetParam());
  opt.rounding = Rounding::kReference;
  opt.n_threads = 2;
  size_t calls = 0;
  auto summary = quantize_file(in, dir.file("out.gguf"), opt,
                               [&](size_t done, size_t total, const TensorReport&) {
                                 ++calls;
                                 EXPECT_EQ(done, calls);
                                 EXPECT_EQ(total, 21u);
                               });
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(calls, 21u);
  const std::string got = testing::read_file_or_die(dir.file("out.gguf"));
  const std::string ref = testing::read_file_or_die(want);
  EXPECT_EQ(got.size(), ref.size());
  EXPECT_TRUE(got == ref) << "output differs from " << want;
  EXPECT_EQ(summary->file_bytes_out, ref.size());
  EXPECT_TRUE(summary->warnings.empty());
}

INSTANTIATE_TEST_SUITE_P(Mixes, ReferenceFile,
                         ::testing::Values("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M",
                                           "Q2_K"),
                         [](const auto& info) { return std::string(info.param); });

TEST(PlanFile, KjvSizesMatchTheReferenceQuantizerForEveryType) {
  const std::string model = testing::testdata_path("models/kjv-chat-7m-f16.gguf");
  const std::string ref = testing::testdata_path("golden/quant/llamacpp-ppl.json");
  EDGELLM_REQUIRE_FILE(model);
  EDGELLM_REQUIRE_FILE(ref);
  auto f = gguf::File::open(model);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const nlohmann::json j = nlohmann::json::parse(testing::read_file_or_die(ref));
  int n = 0;
  for (const auto& [type, fig] : j.at("types").items()) {
    SCOPED_TRACE(type);
    auto r = recipe_from_name(type);
    ASSERT_TRUE(r.has_value());
    QuantizeOptions opt;
    opt.recipe = *r;
    auto plan = plan_file(*f, opt);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    EXPECT_EQ(plan->file_bytes, fig.at("bytes").get<uint64_t>());
    ++n;
  }
  EXPECT_EQ(n, 14);
}

TEST(QuantizeFile, OptimizedRoundingBeatsReferenceOnEveryTensor) {
  // The optimized search lowers the weighted error it minimizes; on these Gaussian-like weights
  // it lowers the plain error too, tensor by tensor.
  const std::string in = synthetic("cpt-llama-gqa.gguf");
  EDGELLM_REQUIRE_FILE(in);
  testing::TempDir dir;
  QuantizeOptions opt;
  opt.recipe = Recipe::Q4_K_M;
  opt.n_threads = 2;
  opt.rounding = Rounding::kReference;
  ASSERT_TRUE(quantize_file(in, dir.file("ref.gguf"), opt).ok());
  opt.rounding = Rounding::kOptimized;
  ASSERT_TRUE(quantize_file(in, dir.file("opt.gguf"), opt).ok());
  auto orig = gguf::File::open(in);
  auto ref = gguf::File::open(dir.file("ref.gguf"));
  auto opt_f = gguf::File::open(dir.file("opt.gguf"));
  ASSERT_TRUE(orig.ok() && ref.ok() && opt_f.ok());
  EXPECT_EQ(ref->file_size(), opt_f->file_size());
  int n_quantized = 0;
  for (const gguf::TensorInfo& t : ref->tensors()) {
    if (!traits(t.type).quantized) continue;
    SCOPED_TRACE(t.name);
    ++n_quantized;
    auto x = dequantize_tensor(*orig->find_tensor(t.name));
    auto a = dequantize_tensor(t);
    auto b = dequantize_tensor(*opt_f->find_tensor(t.name));
    ASSERT_TRUE(x.ok() && a.ok() && b.ok());
    double ea = 0, eb = 0;
    for (size_t i = 0; i < x->size(); ++i) {
      ea += ((*x)[i] - (*a)[i]) * ((*x)[i] - (*a)[i]);
      eb += ((*x)[i] - (*b)[i]) * ((*x)[i] - (*b)[i]);
    }
    EXPECT_LT(eb, ea);
  }
  EXPECT_EQ(n_quantized, 16);
}

TEST(QuantizeFile, RequantizingQuantizedInputWarnsAndStillWorks) {
  const std::string in = synthetic("cpt-llama-gqa-Q8_0.gguf");
  EDGELLM_REQUIRE_FILE(in);
  testing::TempDir dir;
  QuantizeOptions opt;
  opt.recipe = Recipe::Q4_0;
  opt.n_threads = 2;
  auto s = quantize_file(in, dir.file("out.gguf"), opt);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_FALSE(s->warnings.empty());
  EXPECT_NE(s->warnings.front().find("already quantized"), std::string::npos);
  auto out = gguf::File::open(dir.file("out.gguf"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->find_tensor("blk.0.attn_q.weight")->type, TensorType::Q4_0);
  EXPECT_EQ(out->find_tensor("output.weight")->type, TensorType::Q6_K);
}

TEST(QuantizeFile, MissingOrBadInputIsAClearError) {
  testing::TempDir dir;
  QuantizeOptions opt;
  auto s = quantize_file(dir.file("missing.gguf"), dir.file("out.gguf"), opt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("missing.gguf"), std::string::npos) << s.status().message();
  {
    std::ofstream(dir.file("junk.gguf")) << "this is not a model";
  }
  s = quantize_file(dir.file("junk.gguf"), dir.file("out.gguf"), opt);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(testing::file_exists(dir.file("out.gguf")));
}

}  // namespace
}  // namespace edgellm::quant
