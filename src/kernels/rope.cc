// Rotary position embedding with the YaRN extension, as GGUF runtimes define it: per position, the
// angle of pair i is pos * base^(-2i/n_rot) (computed by repeated multiplication, as they do),
// divided by an optional per-pair frequency factor, then blended between interpolated and
// extrapolated angles by the YaRN ramp; cos and sin are scaled by attn_factor (and by the YaRN
// magnitude correction when ext_factor != 0).
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"

namespace edgellm::kernels {
namespace {

constexpr int kMaxRot = 1024;  // head dimensions beyond this do not exist in practice

float yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rot, float base) {
  return n_dims * std::log(n_ctx_orig / (n_rot * 2 * static_cast<float>(M_PI))) /
         (2 * std::log(base));
}

float yarn_ramp(float low, float high, int i0) {
  const float y = (i0 / 2 - low) / std::max(0.001f, high - low);
  return 1 - std::min(1.0f, std::max(0.0f, y));
}

// cs[i0] = cos, cs[i0 + 1] = sin of pair i0 / 2, for i0 < n_rot.
void rope_cache(float pos, const RopeParams& p, const float corr[2], float* cs) {
  const float theta_scale = std::pow(p.freq_base, -2.0f / p.n_rot);
  float theta = pos;
  for (int i0 = 0; i0 < p.n_rot; i0 += 2) {
    const float ff = p.freq_factors != nullptr ? p.freq_factors[i0 / 2] : 1.0f;
    const float theta_extrap = theta / ff;
    const float theta_interp = p.freq_scale * theta_extrap;
    float th = theta_interp;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0.0f) {
      const float ramp_mix = yarn_ramp(corr[0], corr[1], i0) * p.ext_factor;
      th = theta_interp * (1 - ramp_mix) + theta_extrap * ramp_mix;
      mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    cs[i0] = std::cos(th) * mscale;
    cs[i0 + 1] = std::sin(th) * mscale;
    theta *= theta_scale;
  }
}

}  // namespace

void rope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* pos,
          const RopeParams& p) {
  if (p.n_rot <= 0 || p.n_rot > head_dim || p.n_rot > kMaxRot || p.n_rot % 2 != 0) return;
  float corr[2];
  {
    const float start =
        std::floor(yarn_corr_dim(p.n_rot, p.n_ctx_orig, p.beta_fast, p.freq_base));
    const float end = std::ceil(yarn_corr_dim(p.n_rot, p.n_ctx_orig, p.beta_slow, p.freq_base));
    corr[0] = std::max(0.0f, start);
    corr[1] = std::min(static_cast<float>(p.n_rot - 1), end);
  }
  float cs[kMaxRot];
  const int half = p.n_rot / 2;
  for (int64_t t = 0; t < n_tokens; ++t) {
    rope_cache(static_cast<float>(pos[t]), p, corr, cs);
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * static_cast<int64_t>(head_dim);
      if (p.mode == RopeMode::kNormal) {
        for (int i0 = 0; i0 < p.n_rot; i0 += 2) {
          const float c = cs[i0], s = cs[i0 + 1];
          const float x0 = v[i0], x1 = v[i0 + 1];
          v[i0] = x0 * c - x1 * s;
          v[i0 + 1] = x0 * s + x1 * c;
        }
      } else {
        for (int i = 0; i < half; ++i) {
          const float c = cs[2 * i], s = cs[2 * i + 1];
          const float x0 = v[i], x1 = v[i + half];
          v[i] = x0 * c - x1 * s;
          v[i + half] = x0 * s + x1 * c;
        }
      }
    }
  }
}

}  // namespace edgellm::kernels
