// Quantizers of the non-linear 4-bit formats IQ4_NL (32-element blocks, one f16 scale) and IQ4_XS
// (256-element super-blocks, 6-bit sub-block scales). Levels come from the fixed table
// kIq4nlValues; the scale is searched over 15 candidates and fitted by weighted least squares.
// Both always weigh the error (by x^2, or by an importance vector when given).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/internal.h"
#include "quant/pack.h"
#include "quant/search.h"

namespace edgellm::quant::detail {
namespace {

constexpr int kNtry = 7;
constexpr int kBlock = 32;

// Best scale for one block of 32 and its level indices Lb (sign chosen so that the extreme
// element maps onto the table's wider negative end).
float iq4_block_scale(const float* xb, const float* weight, uint8_t* Lb) {
  const int8_t* values = kIq4nlValues;
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < kBlock; ++j) {
    const float ax = std::fabs(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(Lb, Lb + kBlock, 0);
    return 0.0f;
  }
  float d = -max / values[0];
  float id = 1.0f / d;
  float sumqx = 0.0f, sumq2 = 0.0f;
  for (int j = 0; j < kBlock; ++j) {
    const int l = best_index_int8(16, values, id * xb[j]);
    Lb[j] = static_cast<uint8_t>(l);
    const float q = values[l];
    const float w = weight[j];
    sumqx += w * q * xb[j];
    sumq2 += w * q * q;
  }
  d = sumqx / sumq2;
  float best = d * sumqx;
  for (int itry = -kNtry; itry <= kNtry; ++itry) {
    id = (static_cast<float>(itry) + values[0]) / max;
    sumqx = sumq2 = 0.0f;
    for (int j = 0; j < kBlock; ++j) {
      const int l = best_index_int8(16, values, id * xb[j]);
      const float q = values[l];
      const float w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// Element weights: x^2 without importance; with it, importance * sqrt(sigma2 + x^2), where sigma2
// is twice the mean square of the super-block (keeps small elements from getting zero weight).
void block_weights(const float* xb, const float* imp, float sigma2, float* weight) {
  for (int j = 0; j < kBlock; ++j) {
    weight[j] = imp ? imp[j] * std::sqrt(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
  }
}

float mean_square_x2(const float* x, int n) {
  float sigma2 = 0.0f;
  for (int j = 0; j < n; ++j) sigma2 += x[j] * x[j];
  return sigma2 * 2.0f / static_cast<float>(n);
}

}  // namespace

void quantize_iq4_nl(const float* x, void* dst, int64_t n, const float* imp) {
  block_iq4_nl* y = static_cast<block_iq4_nl*>(dst);
  float weight[kBlock];
  uint8_t L[kBlock];
  for (int64_t i = 0; i < n / QK4_NL; ++i, x += QK4_NL) {
    block_weights(x, imp ? imp + i * QK4_NL : nullptr, mean_square_x2(x, QK4_NL), weight);
    const float d = iq4_block_scale(x, weight, L);
    y[i].d = fp32_to_fp16(d);
    // Re-round against the scale as stored (f16), which is what dequantization will use.
    const float ds = fp16_to_fp32(y[i].d);
    const float id = ds != 0.0f ? 1.0f / ds : 0.0f;
    for (int j = 0; j < QK4_NL; ++j) L[j] = static_cast<uint8_t>(best_index_int8(16, kIq4nlValues, id * x[j]));
    pack_nibbles_32(L, y[i].qs);
  }
}

void quantize_iq4_xs(const float* x, void* dst, int64_t n, const float* imp) {
  block_iq4_xs* y = static_cast<block_iq4_xs*>(dst);
  float weight[kBlock], scales[QK_K / kBlock];
  uint8_t L[QK_K];
  for (int64_t i = 0; i < n / QK_K; ++i, x += QK_K) {
    const float sigma2 = mean_square_x2(x, QK_K);
    float max_scale = 0.0f, amax_scale = 0.0f;
    for (int ib = 0; ib < QK_K / kBlock; ++ib) {
      const float* xb = x + ib * kBlock;
      block_weights(xb, imp ? imp + i * QK_K + ib * kBlock : nullptr, sigma2, weight);
      scales[ib] = iq4_block_scale(xb, weight, L + ib * kBlock);
      if (std::fabs(scales[ib]) > amax_scale) {
        amax_scale = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    // Sub-block scales as signed 6-bit multiples of d = -max_scale / 32; levels re-rounded
    // against each scale as dequantization will see it (f16 d times the 6-bit multiple).
    y[i].d = fp32_to_fp16(-max_scale / 32.0f);
    const float d = fp16_to_fp32(y[i].d);
    uint8_t codes[QK_K / kBlock];
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int ib = 0; ib < QK_K / kBlock; ++ib) {
      int l = std::clamp(nearest_int(id * scales[ib]), -32, 31);
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
      for (int j = 0; j < kBlock; ++j) {
        L[ib * kBlock + j] =
            static_cast<uint8_t>(best_index_int8(16, kIq4nlValues, idl * x[ib * kBlock + j]));
      }
      codes[ib] = static_cast<uint8_t>(l + 32);
    }
    pack_iq4_xs_scales(codes, &y[i]);
    for (int ib = 0; ib < QK_K / 32; ++ib) pack_nibbles_32(L + 32 * ib, y[i].qs + 16 * ib);
  }
}

}  // namespace edgellm::quant::detail
