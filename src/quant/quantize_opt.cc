// Optimized quantizers: for every block format, minimize the weighted squared error
// sum_i w_i (x_i - x'_i)^2 of the dequantized values x', with w from an importance matrix when
// one is given. Each group's scale comes from the exact event sweeps of sweep.h; for the
// k-quants the sub-block scales are then quantized against the f16 super-scale and each one is
// re-chosen among its neighbouring codes by the true error after re-rounding, which the reference
// algorithm does not do. The output is the standard GGUF layout; only the choice of scales and
// levels differs from the reference quantizer.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/internal.h"
#include "quant/pack.h"
#include "quant/sweep.h"

namespace edgellm::quant::detail {
namespace {

// Uniform level tables lo..hi as floats, built once.
struct Levels {
  float v[256];
  int n;
  constexpr Levels(int lo, int hi) : v{}, n(hi - lo + 1) {
    for (int i = 0; i < n; ++i) v[i] = static_cast<float>(lo + i);
  }
};
constexpr Levels kL4_0(-8, 7), kL5_0(-16, 15), kL8_0(-127, 127), kL3_K(-4, 3), kL6_K(-32, 31);

struct Iq4Levels {
  float v[16];
  constexpr Iq4Levels() : v{} {
    for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(kIq4nlValues[i]);
  }
};
constexpr Iq4Levels kLiq4;

// Per-element error weights for a region of n values. Without importance: weights grow with the
// element's magnitude relative to the region's RMS, w = sqrt(sigma2 + x^2), since large weights
// tend to meet large activations. With importance: that factor times the importance.
void element_weights(const float* x, int n, const float* imp, float* w) {
  double s2 = 0.0;
  for (int i = 0; i < n; ++i) s2 += static_cast<double>(x[i]) * x[i];
  const float sigma2 = static_cast<float>(2.0 * s2 / n);
  for (int i = 0; i < n; ++i) {
    const float base = std::sqrt(sigma2 + x[i] * x[i]);
    w[i] = imp ? std::max(imp[i], 0.0f) * base : base;
    if (!(w[i] >= 0.0f) || !std::isfinite(w[i])) w[i] = 0.0f;
  }
  // All-zero weights (a column never activated) would leave the fit undetermined: fall back
  // to the magnitude weights alone.
  bool any = false;
  for (int i = 0; i < n && !any; ++i) any = w[i] > 0.0f;
  if (!any) {
    for (int i = 0; i < n; ++i) w[i] = std::sqrt(sigma2 + x[i] * x[i]);
  }
}

// Inputs that are not finite have no meaningful rounding: they are treated as zero so that the
// searches stay well defined (the result is a valid block).
const float* finite_copy(const float* x, int n, float* buf) {
  bool ok = true;
  for (int i = 0; i < n && ok; ++i) ok = std::isfinite(x[i]);
  if (ok) return x;
  for (int i = 0; i < n; ++i) buf[i] = std::isfinite(x[i]) ? x[i] : 0.0f;
  return buf;
}

// One f16 scale per 32 elements on a symmetric table: fills the f16 scale and level indices.
uint16_t fit_block_symmetric(const float* x, const float* imp, const float* levels, int nl,
                             float reach, uint8_t* L) {
  float w[32], buf[32];
  x = finite_copy(x, 32, buf);
  element_weights(x, 32, imp, w);
  const SymmetricFit fit = sweep_symmetric(x, w, 32, levels, nl, reach);
  const uint16_t d16 = fp32_to_fp16(fit.d);
  symmetric_error(x, w, 32, fp16_to_fp32(d16), levels, nl, L);
  return d16;
}

// One f16 scale and f16 offset per 32 elements (Q4_1, Q5_1).
void fit_block_affine(const float* x, const float* imp, int nmax, uint16_t* d16, uint16_t* m16,
                      uint8_t* L) {
  float w[32], buf[32];
  x = finite_copy(x, 32, buf);
  element_weights(x, 32, imp, w);
  const AffineFit fit = sweep_affine(x, w, 32, nmax, false);
  *d16 = fp32_to_fp16(fit.d);
  *m16 = fp32_to_fp16(fit.b);
  affine_error(x, w, 32, fp16_to_fp32(*d16), fp16_to_fp32(*m16), nmax, L);
}

// k-quant super-block with asymmetric sub-blocks (Q2_K, Q4_K, Q5_K): n_sub sub-blocks of `sub`
// elements, levels 0..nmax, sub-block scale and min codes 0..code_max against f16 super-scales.
void fit_superblock_affine(const float* x, const float* imp, int n_sub, int sub, int nmax,
                           int code_max, uint16_t* d16, uint16_t* dmin16, uint8_t* sc_codes,
                           uint8_t* min_codes, uint8_t* L) {
  float w[QK_K], buf[QK_K];
  x = finite_copy(x, QK_K, buf);
  element_weights(x, QK_K, imp, w);
  float d[16], m[16];
  float max_d = 0.0f, max_m = 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    const AffineFit fit = sweep_affine(x + j * sub, w + j * sub, sub, nmax, true);
    d[j] = fit.d;
    m[j] = -fit.b;
    max_d = std::max(max_d, d[j]);
    max_m = std::max(max_m, m[j]);
  }
  *d16 = fp32_to_fp16(max_d / static_cast<float>(code_max));
  *dmin16 = fp32_to_fp16(max_m / static_cast<float>(code_max));
  const float D = fp16_to_fp32(*d16), M = fp16_to_fp32(*dmin16);
  auto code_of = [code_max](float v, float unit) {
    return unit > 0.0f ? std::clamp(static_cast<int>(std::nearbyint(v / unit)), 0, code_max) : 0;
  };
  for (int j = 0; j < n_sub; ++j) {
    const float* xj = x + j * sub;
    const float* wj = w + j * sub;
    const int c0 = code_of(d[j], D), k0 = code_of(m[j], M);
    // The codes rounded from the float fit are not always best once both are quantized:
    // try the neighbours by the error after re-rounding the levels.
    int best_c = c0, best_k = k0;
    double best = affine_error(xj, wj, sub, D * c0, -(M * k0), nmax, nullptr);
    for (int c = std::max(0, c0 - 1); c <= std::min(code_max, c0 + 1); ++c) {
      for (int k = std::max(0, k0 - 1); k <= std::min(code_max, k0 + 1); ++k) {
        if (c == c0 && k == k0) continue;
        const double e = affine_error(xj, wj, sub, D * c, -(M * k), nmax, nullptr);
        if (e < best) {
          best = e;
          best_c = c;
          best_k = k;
        }
      }
    }
    sc_codes[j] = static_cast<uint8_t>(best_c);
    min_codes[j] = static_cast<uint8_t>(best_k);
    affine_error(xj, wj, sub, D * best_c, -(M * best_k), nmax, L + j * sub);
  }
}

// k-quant super-block with symmetric sub-blocks (Q3_K, Q6_K, IQ4_XS): signed scale codes
// code_lo..code_hi against one f16 super-scale. Writes codes as signed values.
uint16_t fit_superblock_symmetric(const float* x, const float* imp, int n_sub, int sub,
                                  const float* levels, int nl, float reach, int code_lo,
                                  int code_hi, int* codes, uint8_t* L) {
  float w[QK_K], buf[QK_K];
  x = finite_copy(x, QK_K, buf);
  element_weights(x, QK_K, imp, w);
  float d[16];
  float max_scale = 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    d[j] = sweep_symmetric(x + j * sub, w + j * sub, sub, levels, nl, reach).d;
    if (std::fabs(d[j]) > std::fabs(max_scale)) max_scale = d[j];
  }
  // The largest scale maps to the wider negative end of the code range.
  const uint16_t d16 = fp32_to_fp16(max_scale / static_cast<float>(code_lo));
  const float D = fp16_to_fp32(d16);
  for (int j = 0; j < n_sub; ++j) {
    const float* xj = x + j * sub;
    const float* wj = w + j * sub;
    const int c0 = D != 0.0f ? std::clamp(static_cast<int>(std::nearbyint(d[j] / D)), code_lo, code_hi) : 0;
    int best_c = c0;
    double best = symmetric_error(xj, wj, sub, D * c0, levels, nl, nullptr);
    for (int c = std::max(code_lo, c0 - 2); c <= std::min(code_hi, c0 + 2); ++c) {
      if (c == c0) continue;
      const double e = symmetric_error(xj, wj, sub, D * c, levels, nl, nullptr);
      if (e < best) {
        best = e;
        best_c = c;
      }
    }
    codes[j] = best_c;
    symmetric_error(xj, wj, sub, D * best_c, levels, nl, L + j * sub);
  }
  return d16;
}

const float* slice(const float* imp, int64_t offset) { return imp ? imp + offset : nullptr; }

}  // namespace

void quantize_opt_q4_0(const float* x, void* dst, int64_t n, const float* imp) {
  block_q4_0* y = static_cast<block_q4_0*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    y[i].d = fit_block_symmetric(x + 32 * i, slice(imp, 32 * i), kL4_0.v, kL4_0.n, 0.4f, L);
    pack_nibbles_32(L, y[i].qs);
  }
}

void quantize_opt_q5_0(const float* x, void* dst, int64_t n, const float* imp) {
  block_q5_0* y = static_cast<block_q5_0*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    y[i].d = fit_block_symmetric(x + 32 * i, slice(imp, 32 * i), kL5_0.v, kL5_0.n, 0.25f, L);
    pack_q5_32(L, y[i].qs, y[i].qh);
  }
}

void quantize_opt_q8_0(const float* x, void* dst, int64_t n, const float* imp) {
  block_q8_0* y = static_cast<block_q8_0*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    y[i].d = fit_block_symmetric(x + 32 * i, slice(imp, 32 * i), kL8_0.v, kL8_0.n, 0.03f, L);
    for (int j = 0; j < 32; ++j) y[i].qs[j] = static_cast<int8_t>(L[j] - 127);
  }
}

void quantize_opt_iq4_nl(const float* x, void* dst, int64_t n, const float* imp) {
  block_iq4_nl* y = static_cast<block_iq4_nl*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    y[i].d = fit_block_symmetric(x + 32 * i, slice(imp, 32 * i), kLiq4.v, 16, 0.3f, L);
    pack_nibbles_32(L, y[i].qs);
  }
}

void quantize_opt_q4_1(const float* x, void* dst, int64_t n, const float* imp) {
  block_q4_1* y = static_cast<block_q4_1*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    fit_block_affine(x + 32 * i, slice(imp, 32 * i), 15, &y[i].d, &y[i].m, L);
    pack_nibbles_32(L, y[i].qs);
  }
}

void quantize_opt_q5_1(const float* x, void* dst, int64_t n, const float* imp) {
  block_q5_1* y = static_cast<block_q5_1*>(dst);
  uint8_t L[32];
  for (int64_t i = 0; i < n / 32; ++i) {
    fit_block_affine(x + 32 * i, slice(imp, 32 * i), 31, &y[i].d, &y[i].m, L);
    pack_q5_32(L, y[i].qs, y[i].qh);
  }
}

void quantize_opt_q2_K(const float* x, void* dst, int64_t n, const float* imp) {
  block_q2_K* y = static_cast<block_q2_K*>(dst);
  uint8_t L[QK_K], sc[16], mn[16];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    fit_superblock_affine(x + QK_K * i, slice(imp, QK_K * i), 16, 16, 3, 15, &y[i].d, &y[i].dmin,
                          sc, mn, L);
    for (int j = 0; j < 16; ++j) y[i].scales[j] = static_cast<uint8_t>(sc[j] | (mn[j] << 4));
    pack_2bit_256(L, y[i].qs);
  }
}

void quantize_opt_q4_K(const float* x, void* dst, int64_t n, const float* imp) {
  block_q4_K* y = static_cast<block_q4_K*>(dst);
  uint8_t L[QK_K], sc[8], mn[8];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    fit_superblock_affine(x + QK_K * i, slice(imp, QK_K * i), 8, 32, 15, 63, &y[i].d, &y[i].dmin,
                          sc, mn, L);
    pack_scale_min_k4(sc, mn, y[i].scales);
    pack_q4_K_levels(L, y[i].qs);
  }
}

void quantize_opt_q5_K(const float* x, void* dst, int64_t n, const float* imp) {
  block_q5_K* y = static_cast<block_q5_K*>(dst);
  uint8_t L[QK_K], sc[8], mn[8];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    fit_superblock_affine(x + QK_K * i, slice(imp, QK_K * i), 8, 32, 31, 63, &y[i].d, &y[i].dmin,
                          sc, mn, L);
    pack_scale_min_k4(sc, mn, y[i].scales);
    pack_q5_K_levels(L, y[i].qh, y[i].qs);
  }
}

void quantize_opt_q3_K(const float* x, void* dst, int64_t n, const float* imp) {
  block_q3_K* y = static_cast<block_q3_K*>(dst);
  uint8_t L[QK_K], codes[16];
  int c[16];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    y[i].d = fit_superblock_symmetric(x + QK_K * i, slice(imp, QK_K * i), 16, 16, kL3_K.v, kL3_K.n,
                                      0.5f, -32, 31, c, L);
    for (int j = 0; j < 16; ++j) codes[j] = static_cast<uint8_t>(c[j] + 32);
    pack_q3_K(L, codes, &y[i]);
  }
}

void quantize_opt_q6_K(const float* x, void* dst, int64_t n, const float* imp) {
  block_q6_K* y = static_cast<block_q6_K*>(dst);
  uint8_t L[QK_K];
  int c[16];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    y[i].d = fit_superblock_symmetric(x + QK_K * i, slice(imp, QK_K * i), 16, 16, kL6_K.v, kL6_K.n,
                                      0.15f, -128, 127, c, L);
    for (int j = 0; j < 16; ++j) y[i].scales[j] = static_cast<int8_t>(c[j]);
    pack_q6_K_levels(L, y[i].ql, y[i].qh);
  }
}

void quantize_opt_iq4_xs(const float* x, void* dst, int64_t n, const float* imp) {
  block_iq4_xs* y = static_cast<block_iq4_xs*>(dst);
  uint8_t L[QK_K], codes[8];
  int c[8];
  for (int64_t i = 0; i < n / QK_K; ++i) {
    y[i].d = fit_superblock_symmetric(x + QK_K * i, slice(imp, QK_K * i), 8, 32, kLiq4.v, 16, 0.3f,
                                      -32, 31, c, L);
    for (int j = 0; j < 8; ++j) codes[j] = static_cast<uint8_t>(c[j] + 32);
    pack_iq4_xs_scales(codes, &y[i]);
    for (int ib = 0; ib < 8; ++ib) pack_nibbles_32(L + 32 * ib, y[i].qs + 16 * ib);
  }
}

}  // namespace edgellm::quant::detail
