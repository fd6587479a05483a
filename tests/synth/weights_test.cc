// Random block data decodes (through the reference dequantizer) to values of mean about 0 and
// the requested standard deviation in every format, and depends only on the seed and row.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "quant/quant.h"
#include "synth/weights.h"

namespace edgellm::synth {
namespace {

const TensorType kTypes[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0,   TensorType::Q4_1,
    TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0, TensorType::Q2_K,   TensorType::Q3_K,
    TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_NL, TensorType::IQ4_XS};

TEST(SynthWeights, EveryTypeDecodesToTheRequestedSpread) {
  constexpr int64_t kRows = 64, kCols = 2048;
  for (TensorType type : kTypes) {
    ASSERT_TRUE(can_generate(type)) << tensor_type_name(type);
    for (float sigma : {1.0f / std::sqrt(2048.0f), 1.0f / std::sqrt(16384.0f)}) {
      std::vector<uint8_t> data(row_size(type, kCols) * kRows);
      random_rows(type, 42, sigma, 0, kRows, kCols, data.data());
      std::vector<float> x(kRows * kCols);
      ASSERT_TRUE(quant::dequantize(type, data.data(), data.size(), x.data(), kRows * kCols).ok());
      double sum = 0, sum2 = 0;
      for (float v : x) {
        ASSERT_TRUE(std::isfinite(v)) << tensor_type_name(type);
        sum += v, sum2 += double(v) * v;
      }
      const double mean = sum / x.size(), sd = std::sqrt(sum2 / x.size() - mean * mean);
      EXPECT_NEAR(sd / sigma, 1.0, 0.12) << tensor_type_name(type);
      EXPECT_LT(std::fabs(mean) / sigma, 0.15) << tensor_type_name(type);
    }
  }
  EXPECT_FALSE(can_generate(TensorType::IQ2_XXS));
}

TEST(SynthWeights, RowsDependOnlyOnSeedAndIndex) {
  for (TensorType type : {TensorType::F16, TensorType::Q4_K, TensorType::Q8_0}) {
    const size_t rs = row_size(type, 512);
    std::vector<uint8_t> all(rs * 10), part(rs * 4), other(rs * 10);
    random_rows(type, 7, 0.05f, 0, 10, 512, all.data());
    random_rows(type, 7, 0.05f, 3, 4, 512, part.data());
    EXPECT_EQ(std::vector<uint8_t>(all.begin() + 3 * rs, all.begin() + 7 * rs), part);
    random_rows(type, 8, 0.05f, 0, 10, 512, other.data());
    EXPECT_NE(all, other);
  }
  EXPECT_NE(hash_name("blk.0.attn_q.weight"), hash_name("blk.0.attn_k.weight"));
}

}  // namespace
}  // namespace edgellm::synth
