// Conformance against the quantized synthetic models in ../shared/models/synthetic, which the
// reference GGUF quantizer made from cpt-llama-gqa.gguf without an importance matrix:
// - their tensors, dequantized, match the F32/F16 original within each type's error;
// - quantizing the original with our reference quantizer reproduces their bytes exactly.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "quant/quant.h"

namespace edgellm::quant {
namespace {

const char* const kMixes[] = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M", "Q2_K"};

std::string original_path() { return testing::testdata_path("models/synthetic/cpt-llama-gqa.gguf"); }
std::string quantized_path(const std::string& mix) {
  return testing::testdata_path("models/synthetic/cpt-llama-gqa-" + mix + ".gguf");
}

// Relative RMS error of reference rounding on these weights (measured: Q8_0 0.0045, Q6_K 0.018,
// Q5_K 0.036, Q4_K 0.072, Q4_0 0.086, Q3_K 0.152, Q2_K 0.300), with about 20% margin; a wrong bit
// layout or scale gives errors of order 1.
double max_relative_rmse(TensorType type) {
  switch (type) {
    case TensorType::F32: return 0.0;
    case TensorType::F16: return 1e-3;
    case TensorType::Q8_0: return 0.006;
    case TensorType::Q6_K: return 0.022;
    case TensorType::Q5_K: return 0.044;
    case TensorType::Q4_K: return 0.088;
    case TensorType::Q4_0: return 0.105;
    case TensorType::Q3_K: return 0.185;
    case TensorType::Q2_K: return 0.36;
    default: return 0.0;
  }
}

double relative_rmse(const std::vector<float>& ref, const std::vector<float>& got) {
  double err = 0.0, norm = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    err += (static_cast<double>(ref[i]) - got[i]) * (static_cast<double>(ref[i]) - got[i]);
    norm += static_cast<double>(ref[i]) * ref[i];
  }
  return norm > 0.0 ? std::sqrt(err / norm) : std::sqrt(err);
}

class SyntheticQuant : public ::testing::TestWithParam<const char*> {};

TEST_P(SyntheticQuant, DequantizedMatchesOriginalWithinTypeError) {
  EDGELLM_REQUIRE_FILE(original_path());
  EDGELLM_REQUIRE_FILE(quantized_path(GetParam()));
  auto orig = gguf::File::open(original_path());
  ASSERT_TRUE(orig.ok()) << orig.status().message();
  auto quant = gguf::File::open(quantized_path(GetParam()));
  ASSERT_TRUE(quant.ok()) << quant.status().message();
  int n_quantized = 0;
  for (const gguf::TensorInfo& t : quant->tensors()) {
    SCOPED_TRACE(t.name + " " + tensor_type_name(t.type));
    const gguf::TensorInfo* o = orig->find_tensor(t.name);
    ASSERT_NE(o, nullptr);
    ASSERT_EQ(o->ne, t.ne);
    ASSERT_TRUE(can_dequantize(t.type));
    auto want = dequantize_tensor(*o);
    ASSERT_TRUE(want.ok()) << want.status().message();
    auto got = dequantize_tensor(t);
    ASSERT_TRUE(got.ok()) << got.status().message();
    const double rel = relative_rmse(*want, *got);
    EXPECT_LE(rel, max_relative_rmse(t.type));
    if (traits(t.type).quantized) {
      ++n_quantized;
      EXPECT_GT(rel, 0.0) << "a quantized tensor cannot be exact";
    }
  }
  EXPECT_GE(n_quantized, 15);
}

TEST_P(SyntheticQuant, ReferenceQuantizerReproducesBytes) {
  EDGELLM_REQUIRE_FILE(original_path());
  EDGELLM_REQUIRE_FILE(quantized_path(GetParam()));
  auto orig = gguf::File::open(original_path());
  ASSERT_TRUE(orig.ok()) << orig.status().message();
  auto quant = gguf::File::open(quantized_path(GetParam()));
  ASSERT_TRUE(quant.ok()) << quant.status().message();
  for (const gguf::TensorInfo& t : quant->tensors()) {
    if (!traits(t.type).quantized) continue;
    SCOPED_TRACE(t.name + " " + tensor_type_name(t.type));
    const gguf::TensorInfo* o = orig->find_tensor(t.name);
    ASSERT_NE(o, nullptr);
    auto src = dequantize_tensor(*o);
    ASSERT_TRUE(src.ok()) << src.status().message();
    std::vector<uint8_t> out(t.n_bytes);
    ASSERT_TRUE(quantize(t.type, src->data(), t.n_rows(), t.ne[0], out.data(), out.size()).ok());
    // Count differing blocks, to say how far off a mismatch is.
    const size_t bb = traits(t.type).type_size;
    size_t n_diff = 0;
    for (size_t b = 0; b < out.size() / bb; ++b) {
      n_diff += std::memcmp(out.data() + b * bb, t.data + b * bb, bb) != 0;
    }
    EXPECT_EQ(n_diff, 0u) << "of " << out.size() / bb << " blocks";
  }
}

INSTANTIATE_TEST_SUITE_P(Mixes, SyntheticQuant, ::testing::ValuesIn(kMixes),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace edgellm::quant
