// Rotary embeddings: normal and NeoX pairings against the closed-form angles, frequency factors,
// partial rotation, and the YaRN blend.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace edgellm::kernels {
namespace {

// Reference rotation of one head in double, with YaRN as GGUF runtimes define it.
std::vector<double> rope_ref(const float* v, int head_dim, int pos, const RopeParams& p) {
  std::vector<double> out(v, v + head_dim);
  double corr0 = 0, corr1 = 0;
  if (p.ext_factor != 0.0f) {
    auto corr_dim = [&](double n_rot) {
      return p.n_rot * std::log(p.n_ctx_orig / (n_rot * 2 * M_PI)) / (2 * std::log(p.freq_base));
    };
    corr0 = std::max(0.0, std::floor(corr_dim(p.beta_fast)));
    corr1 = std::min(double(p.n_rot - 1), std::ceil(corr_dim(p.beta_slow)));
  }
  for (int i = 0; i < p.n_rot / 2; ++i) {
    const double ff = p.freq_factors ? p.freq_factors[i] : 1.0;
    const double extrap = pos * std::pow(double(p.freq_base), -2.0 * i / p.n_rot) / ff;
    double theta = p.freq_scale * extrap;
    double mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
      const double y = (i - corr0) / std::max(0.001, corr1 - corr0);
      const double ramp = (1 - std::min(1.0, std::max(0.0, y))) * p.ext_factor;
      theta = theta * (1 - ramp) + extrap * ramp;
      mscale *= 1 + 0.1 * std::log(1.0 / p.freq_scale);
    }
    const int a = p.mode == RopeMode::kNormal ? 2 * i : i;
    const int b = p.mode == RopeMode::kNormal ? 2 * i + 1 : i + p.n_rot / 2;
    const double c = std::cos(theta) * mscale, s = std::sin(theta) * mscale;
    out[a] = v[a] * c - v[b] * s;
    out[b] = v[a] * s + v[b] * c;
  }
  return out;
}

void check(const RopeParams& p, int head_dim, int n_heads) {
  const int32_t pos[3] = {0, 17, 999};
  const std::vector<float> x = testing::random_floats(3 * n_heads * head_dim, 21);
  std::vector<float> y = x;
  rope(y.data(), 3, n_heads, head_dim, pos, p);
  for (int t = 0; t < 3; ++t) {
    for (int h = 0; h < n_heads; ++h) {
      const int64_t off = (t * n_heads + h) * head_dim;
      const std::vector<double> ref = rope_ref(x.data() + off, head_dim, pos[t], p);
      for (int d = 0; d < head_dim; ++d) {
        ASSERT_NEAR(y[off + d], ref[d], 2e-4) << "t=" << t << " h=" << h << " d=" << d;
      }
    }
  }
}

TEST(Rope, NormalPairs) {
  RopeParams p;
  p.n_rot = 64;
  check(p, 64, 3);
}

TEST(Rope, NeoxHalvesAndPartialRotation) {
  RopeParams p;
  p.n_rot = 32;  // only the first 32 of 64 dims rotate; the rest are copied
  p.mode = RopeMode::kNeox;
  p.freq_base = 1e6f;
  check(p, 64, 2);
}

TEST(Rope, FrequencyFactorsAndLinearScaling) {
  std::vector<float> ff(16);
  for (int i = 0; i < 16; ++i) ff[i] = 1.0f + i * 0.5f;
  RopeParams p;
  p.n_rot = 32;
  p.freq_factors = ff.data();
  p.freq_scale = 0.25f;
  p.attn_factor = 0.9f;
  check(p, 32, 2);
}

TEST(Rope, Yarn) {
  RopeParams p;
  p.n_rot = 64;
  p.mode = RopeMode::kNeox;
  p.freq_scale = 0.25f;
  p.ext_factor = 1.0f;
  p.n_ctx_orig = 4096;
  p.beta_fast = 32.0f;
  p.beta_slow = 1.0f;
  check(p, 64, 2);
}

TEST(Rope, PositionZeroIsIdentity) {
  RopeParams p;
  p.n_rot = 16;
  const std::vector<float> x = testing::random_floats(16, 3);
  std::vector<float> y = x;
  const int32_t pos = 0;
  rope(y.data(), 1, 1, 16, &pos, p);
  EXPECT_EQ(y, x);
}

TEST(Rope, InvalidRotationLeavesInputAlone) {
  RopeParams p;
  p.n_rot = 65;  // odd, and larger than the head
  const std::vector<float> x = testing::random_floats(64, 4);
  std::vector<float> y = x;
  const int32_t pos = 5;
  rope(y.data(), 1, 1, 64, &pos, p);
  EXPECT_EQ(y, x);
}

}  // namespace
}  // namespace edgellm::kernels
