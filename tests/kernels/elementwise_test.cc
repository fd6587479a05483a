// Norms, activations, softmax and soft-capping: against direct double-precision formulas, and
// every ISA against scalar.
#include <gtest/gtest.h>

#include <functional>

#include "kernel_test_util.h"

namespace edgellm::kernels {
namespace {

TEST(RmsNorm, MatchesFormula) {
  const int64_t n = 300, rows = 3;
  const std::vector<float> x = testing::random_floats(n * rows, 1, -3.0f, 3.0f);
  const std::vector<float> w = testing::random_floats(n, 2);
  std::vector<float> y(n * rows);
  rms_norm(x.data(), w.data(), 1e-5f, n, rows, y.data());
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += double(x[r * n + i]) * x[r * n + i];
    const double scale = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_NEAR(y[r * n + i], x[r * n + i] * scale * w[i], 1e-5);
    }
  }
  // In place, no weight.
  std::vector<float> z = x;
  rms_norm(z.data(), nullptr, 1e-5f, n, rows, z.data());
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += double(z[i]) * z[i];
  EXPECT_NEAR(ss / n, 1.0, 1e-4);
}

TEST(LayerNorm, MatchesFormula) {
  const int64_t n = 128;
  const std::vector<float> x = testing::random_floats(n, 3, 2.0f, 5.0f);
  const std::vector<float> w = testing::random_floats(n, 4);
  const std::vector<float> b = testing::random_floats(n, 5);
  std::vector<float> y(n);
  layer_norm(x.data(), w.data(), b.data(), 1e-12f, n, 1, y.data());
  double mean = 0, var = 0;
  for (float v : x) mean += v;
  mean /= n;
  for (float v : x) var += (v - mean) * (v - mean);
  var /= n;
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(y[i], (x[i] - mean) / std::sqrt(var + 1e-12) * w[i] + b[i], 1e-4);
  }
}

double gelu_tanh(double x) {
  return 0.5 * x * (1 + std::tanh(0.7978845608028654 * x * (1 + 0.044715 * x * x)));
}

TEST(Activations, SiluAndGelu) {
  std::vector<float> x = testing::random_floats(1000, 6, -12.0f, 12.0f);
  x[0] = 0.0f;
  std::vector<float> s = x, g = x;
  silu_inplace(s.data(), s.size());
  gelu_inplace(g.data(), g.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(s[i], x[i] / (1 + std::exp(-double(x[i]))), 1e-5 * (1 + std::fabs(x[i])));
    // GELU goes through F16 (input and output), as GGUF runtimes compute it.
    EXPECT_NEAR(g[i], gelu_tanh(x[i]), 2e-3 * (1 + std::fabs(x[i]))) << x[i];
  }
  EXPECT_EQ(g[0], 0.0f);
  float big[2] = {10.5f, -10.5f};
  gelu_inplace(big, 2);
  EXPECT_EQ(big[0], 10.5f);
  EXPECT_EQ(big[1], 0.0f);
}

TEST(Activations, GatedUnits) {
  const std::vector<float> gate = testing::random_floats(257, 7, -4.0f, 4.0f);
  const std::vector<float> up = testing::random_floats(257, 8);
  std::vector<float> sw = gate, ge = gate, s = gate, g = gate;
  swiglu(sw.data(), up.data(), sw.size());
  geglu(ge.data(), up.data(), ge.size());
  silu_inplace(s.data(), s.size());
  gelu_inplace(g.data(), g.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    EXPECT_FLOAT_EQ(sw[i], s[i] * up[i]);
    EXPECT_FLOAT_EQ(ge[i], g[i] * up[i]);
  }
}

TEST(Softmax, SumsToOneAndIsStable) {
  std::vector<float> x = testing::random_floats(100, 9, -5.0f, 5.0f);
  x[3] = 1000.0f;  // would overflow exp without the max subtraction
  x[4] = -INFINITY;
  softmax_inplace(x.data(), x.size());
  double sum = 0;
  for (float v : x) {
    EXPECT_TRUE(std::isfinite(v));
    sum += v;
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_NEAR(x[3], 1.0f, 1e-6);
  EXPECT_EQ(x[4], 0.0f);
  std::vector<float> masked(5, -INFINITY);
  softmax_inplace(masked.data(), masked.size());
  for (float v : masked) EXPECT_EQ(v, 0.0f);
}

TEST(Elementwise, SimpleOps) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6};
  const std::vector<float> x = {1, 1, 2, 2, 3, 3};
  add_inplace(y.data(), x.data(), 6);
  EXPECT_EQ(y, (std::vector<float>{2, 3, 5, 6, 8, 9}));
  mul_inplace(y.data(), x.data(), 6);
  EXPECT_EQ(y, (std::vector<float>{2, 3, 10, 12, 24, 27}));
  scale_inplace(y.data(), 0.5f, 6);
  EXPECT_EQ(y, (std::vector<float>{1, 1.5, 5, 6, 12, 13.5}));
  const float b[2] = {10, 20};
  std::vector<float> m = {0, 0, 7, 1, 1, 7};  // 2 rows of 2 with ld 3
  add_bias(m.data(), b, 2, 2, 3);
  EXPECT_EQ(m, (std::vector<float>{10, 20, 7, 11, 21, 7}));
  std::vector<float> c = {0.0f, 1.0f, -100.0f, 100.0f};
  softcap_inplace(c.data(), 30.0f, 4);
  EXPECT_EQ(c[0], 0.0f);
  EXPECT_NEAR(c[1], 30 * std::tanh(1 / 30.0), 1e-6);
  EXPECT_NEAR(c[2], -30 * std::tanh(100 / 30.0), 1e-4);
  EXPECT_GT(c[3], 29.0f);
}

// Every ISA against scalar, on lengths with SIMD tails.
TEST(Elementwise, EveryIsaMatchesScalar) {
  using Op = std::function<void(std::vector<float>&)>;
  const std::vector<float> other = testing::random_floats(1031, 10, -2.0f, 2.0f);
  const std::vector<float> w = testing::random_floats(1031, 11);
  const std::vector<std::pair<const char*, Op>> ops = {
      {"rms_norm", [&](std::vector<float>& v) { rms_norm(v.data(), w.data(), 1e-6f, 1031, 1, v.data()); }},
      {"layer_norm", [&](std::vector<float>& v) { layer_norm(v.data(), w.data(), other.data(), 1e-5f, 1031, 1, v.data()); }},
      {"silu", [&](std::vector<float>& v) { silu_inplace(v.data(), v.size()); }},
      {"gelu", [&](std::vector<float>& v) { gelu_inplace(v.data(), v.size()); }},
      {"swiglu", [&](std::vector<float>& v) { swiglu(v.data(), other.data(), v.size()); }},
      {"geglu", [&](std::vector<float>& v) { geglu(v.data(), other.data(), v.size()); }},
      {"add", [&](std::vector<float>& v) { add_inplace(v.data(), other.data(), v.size()); }},
      {"mul", [&](std::vector<float>& v) { mul_inplace(v.data(), other.data(), v.size()); }},
      {"scale", [&](std::vector<float>& v) { scale_inplace(v.data(), 1.7f, v.size()); }},
      {"softmax", [&](std::vector<float>& v) { softmax_inplace(v.data(), v.size()); }},
      {"softcap", [&](std::vector<float>& v) { softcap_inplace(v.data(), 5.0f, v.size()); }},
  };
  for (int64_t n : {1, 7, 8, 33, 1031}) {
    const std::vector<float> x = testing::random_floats(n, 12 + n, -6.0f, 6.0f);
    for (const auto& [name, op] : ops) {
      if (n != 1031 && (std::string(name) == "rms_norm" || std::string(name) == "layer_norm")) {
        continue;
      }
      std::vector<float> ref = x;
      {
        ScopedIsa scalar(Isa::kScalar);
        op(ref);
      }
      for (Isa isa : supported_isas()) {
        ScopedIsa scoped(isa);
        std::vector<float> y = x;
        op(y);
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_NEAR(y[i], ref[i], 2e-6 * (1 + std::fabs(ref[i])))
              << name << " on " << isa_name(isa) << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace edgellm::kernels
