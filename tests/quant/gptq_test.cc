// GPTQ on synthetic layers: with correlated inputs, compensating each column's rounding error in
// the later columns lowers the layer's output error well below round-to-nearest at the same
// format; with uncorrelated inputs there is nothing to compensate and it matches rounding.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "quant/gptq.h"
#include "quant/quant.h"

namespace edgellm::quant {
namespace {

constexpr int64_t kRows = 64, kCols = 256, kTokens = 1024;

// Calibration inputs with correlated columns of unequal scale, as real activations have.
std::vector<float> correlated_inputs(uint32_t seed, bool correlated) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> z(static_cast<size_t>(kTokens * kCols)), x(z.size(), 0.0f);
  for (float& v : z) v = nd(rng);
  std::vector<float> col_scale(kCols);
  for (float& s : col_scale) s = correlated ? std::exp(nd(rng)) : 1.0f;
  for (int64_t t = 0; t < kTokens; ++t) {
    for (int64_t c = 0; c < kCols; ++c) {
      // Each column mixes its own noise with a few shared factors.
      float v = z[t * kCols + c];
      if (correlated) v += 0.9f * z[t * kCols + (c * 7 + 3) % kCols] + 0.6f * z[t * kCols + (c / 16)];
      x[t * kCols + c] = v * col_scale[c];
    }
  }
  return x;
}

// ||(W - W') X^T||^2: the squared error of the layer's outputs on the calibration inputs.
double output_error(const std::vector<float>& w, const std::vector<float>& wq,
                    const std::vector<float>& x) {
  double err = 0.0;
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t t = 0; t < kTokens; ++t) {
      double s = 0.0;
      for (int64_t c = 0; c < kCols; ++c) s += (w[r * kCols + c] - wq[r * kCols + c]) * x[t * kCols + c];
      err += s * s;
    }
  }
  return err;
}

struct Result2 {
  double rtn, gptq;
};

Result2 compare(TensorType type, bool correlated, int group = 0) {
  ThreadPool pool(2);
  const std::vector<float> x = correlated_inputs(5, correlated);
  std::mt19937 rng(17);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  std::vector<float> w(static_cast<size_t>(kRows * kCols));
  for (float& v : w) v = nd(rng);
  Hessian h(kCols);
  h.add(x.data(), kTokens, kCols, pool);
  std::vector<float> imp(kCols);
  for (int64_t c = 0; c < kCols; ++c) imp[c] = static_cast<float>(h.data()[c * kCols + c] / kTokens);

  const size_t rs = row_size(type, kCols);
  std::vector<uint8_t> q(rs * kRows);
  std::vector<float> wq(w.size());
  for (int64_t r = 0; r < kRows; ++r) {
    quantize_row_optimized(type, &w[r * kCols], &q[r * rs], kCols, imp.data());
  }
  for (int64_t r = 0; r < kRows; ++r) dequantize_row(type, &q[r * rs], &wq[r * kCols], kCols);
  const double rtn = output_error(w, wq, x);

  GptqOptions opt;
  opt.group_size = group;
  Status st = gptq_quantize(type, w.data(), kRows, kCols, h.data(), opt, q.data(), pool);
  EXPECT_TRUE(st.ok()) << st.message();
  for (int64_t r = 0; r < kRows; ++r) dequantize_row(type, &q[r * rs], &wq[r * kCols], kCols);
  return {rtn, output_error(w, wq, x)};
}

class GptqTypes : public ::testing::TestWithParam<TensorType> {};

TEST_P(GptqTypes, CorrelatedInputsGetLowerOutputErrorThanRounding) {
  const Result2 r = compare(GetParam(), true);
  EXPECT_LT(r.gptq, 0.8 * r.rtn) << "rtn " << r.rtn << " gptq " << r.gptq;
}

TEST_P(GptqTypes, UncorrelatedInputsMatchRounding) {
  const Result2 r = compare(GetParam(), false);
  EXPECT_LT(r.gptq, 1.15 * r.rtn) << "rtn " << r.rtn << " gptq " << r.gptq;
}

INSTANTIATE_TEST_SUITE_P(Formats, GptqTypes,
                         ::testing::Values(TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K,
                                           TensorType::Q5_K, TensorType::Q6_K, TensorType::Q4_0,
                                           TensorType::Q4_1, TensorType::Q5_0, TensorType::Q8_0,
                                           TensorType::IQ4_NL, TensorType::IQ4_XS),
                         [](const auto& info) { return std::string(tensor_type_name(info.param)); });

TEST(Gptq, CoarserGroupsStillWork) {
  for (int g : {32, 64, 128, 256}) {
    SCOPED_TRACE(g);
    const Result2 r = compare(TensorType::Q4_K, true, g);
    EXPECT_LT(r.gptq, 0.8 * r.rtn);
  }
}

TEST(Gptq, BadArgumentsAreErrors) {
  ThreadPool pool(1);
  std::vector<float> w(32 * 40, 0.1f);
  std::vector<double> h(40 * 40, 0.0);
  for (int i = 0; i < 40; ++i) h[i * 40 + i] = 1.0;
  std::vector<uint8_t> out(4096);
  EXPECT_EQ(gptq_quantize(TensorType::Q4_0, w.data(), 32, 40, h.data(), {}, out.data(), pool).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(gptq_quantize(TensorType::F16, w.data(), 1, 32, h.data(), {}, out.data(), pool).code(),
            ErrorCode::kUnsupported);
  GptqOptions bad;
  bad.group_size = 48;
  std::vector<double> h2(256 * 256, 0.0);
  for (int i = 0; i < 256; ++i) h2[i * 256 + i] = 1.0;
  std::vector<float> w2(256, 0.1f);
  EXPECT_EQ(gptq_quantize(TensorType::Q4_K, w2.data(), 1, 256, h2.data(), bad, out.data(), pool).code(),
            ErrorCode::kInvalidArgument);
  // An all-zero Hessian (no calibration data reached the layer) degrades to plain rounding.
  std::fill(h2.begin(), h2.end(), 0.0);
  EXPECT_TRUE(gptq_quantize(TensorType::Q4_K, w2.data(), 1, 256, h2.data(), {}, out.data(), pool).ok());
}

}  // namespace
}  // namespace edgellm::quant
