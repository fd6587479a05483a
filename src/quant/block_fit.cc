// Fitting block parameters for the optimized quantizers: minimize the weighted squared error
// sum_i w_i (x_i - x'_i)^2 of the dequantized values x'. Each group's scale comes from the exact
// event sweeps of sweep.h; for the k-quants the sub-block scales are then quantized against the
// f16 super-scale and each stored code is re-chosen among its neighbours by the true error after
// re-rounding, which the reference algorithm does not do. Packing writes the standard GGUF
// layouts, so only the choice of scales and levels differs from the reference quantizer.
#include "quant/block_fit.h"

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

// Level tables as floats, built once.
struct Levels {
  float v[256];
  int n;
  constexpr Levels(int lo, int hi) : v{}, n(hi - lo + 1) {
    for (int i = 0; i < n; ++i) v[i] = static_cast<float>(lo + i);
  }
};
constexpr Levels kL4_0(-8, 7), kL5_0(-16, 15), kL8_0(-127, 127), kL3_K(-4, 3), kL6_K(-32, 31);
constexpr Levels kU3(0, 3), kU15(0, 15), kU31(0, 31);

struct Iq4Levels {
  float v[16];
  constexpr Iq4Levels() : v{} {
    for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(kIq4nlValues[i]);
  }
};
constexpr Iq4Levels kLiq4;

// How each format is built: block and sub-block sizes, its levels, and how scales are stored.
enum class Kind {
  kSymmetric,       // one f16 scale per block (Q4_0, Q5_0, Q8_0, IQ4_NL)
  kAffine,          // f16 scale and f16 offset per block (Q4_1, Q5_1)
  kSuperSymmetric,  // signed sub-block scale codes times an f16 super-scale (Q3_K, Q6_K, IQ4_XS)
  kSuperAffine,     // unsigned scale and min codes times two f16 super-scales (Q2_K, Q4_K, Q5_K)
};

struct Format {
  Kind kind;
  int block_len, sub_len;
  const float* levels;
  int nl;
  float reach;           // sweep reach (symmetric kinds)
  int code_lo, code_hi;  // sub-block code range (super kinds)
};

bool format_of(TensorType t, Format* f) {
  switch (t) {
    case TensorType::Q4_0: *f = {Kind::kSymmetric, 32, 32, kL4_0.v, kL4_0.n, 0.4f, 0, 0}; return true;
    case TensorType::Q5_0: *f = {Kind::kSymmetric, 32, 32, kL5_0.v, kL5_0.n, 0.25f, 0, 0}; return true;
    case TensorType::Q8_0: *f = {Kind::kSymmetric, 32, 32, kL8_0.v, kL8_0.n, 0.03f, 0, 0}; return true;
    case TensorType::IQ4_NL: *f = {Kind::kSymmetric, 32, 32, kLiq4.v, 16, 0.3f, 0, 0}; return true;
    case TensorType::Q4_1: *f = {Kind::kAffine, 32, 32, kU15.v, kU15.n, 0.0f, 0, 0}; return true;
    case TensorType::Q5_1: *f = {Kind::kAffine, 32, 32, kU31.v, kU31.n, 0.0f, 0, 0}; return true;
    case TensorType::Q3_K: *f = {Kind::kSuperSymmetric, QK_K, 16, kL3_K.v, kL3_K.n, 0.5f, -32, 31}; return true;
    case TensorType::Q6_K: *f = {Kind::kSuperSymmetric, QK_K, 16, kL6_K.v, kL6_K.n, 0.15f, -128, 127}; return true;
    case TensorType::IQ4_XS: *f = {Kind::kSuperSymmetric, QK_K, 32, kLiq4.v, 16, 0.3f, -32, 31}; return true;
    case TensorType::Q2_K: *f = {Kind::kSuperAffine, QK_K, 16, kU3.v, kU3.n, 0.0f, 0, 15}; return true;
    case TensorType::Q4_K: *f = {Kind::kSuperAffine, QK_K, 32, kU15.v, kU15.n, 0.0f, 0, 63}; return true;
    case TensorType::Q5_K: *f = {Kind::kSuperAffine, QK_K, 32, kU31.v, kU31.n, 0.0f, 0, 63}; return true;
    default: return false;
  }
}

// Error of one sub-block under scale s and offset b, writing the level indices when L is set.
double sub_error(const float* x, const float* w, int n, float s, float b, const float* levels,
                 int nl, uint8_t* L) {
  const float id = s != 0.0f ? 1.0f / s : 0.0f;
  double err = 0.0;
  for (int i = 0; i < n; ++i) {
    const int k = nearest_level(levels, nl, (x[i] - b) * id);
    if (L) L[i] = static_cast<uint8_t>(k);
    const double e = static_cast<double>(x[i]) - (static_cast<double>(s) * levels[k] + b);
    err += w[i] * e * e;
  }
  return err;
}

void fit_symmetric(const Format& f, const float* x, const float* w, BlockFit* fit) {
  const SymmetricFit s = sweep_symmetric(x, w, f.block_len, f.levels, f.nl, f.reach);
  fit->d16 = fp32_to_fp16(s.d);
  fit->scale[0] = fp16_to_fp32(fit->d16);
}

void fit_affine(const Format& f, const float* x, const float* w, BlockFit* fit) {
  const AffineFit a = sweep_affine(x, w, f.block_len, f.nl - 1, false);
  fit->d16 = fp32_to_fp16(a.d);
  fit->dmin16 = fp32_to_fp16(a.b);
  fit->scale[0] = fp16_to_fp32(fit->d16);
  fit->offset[0] = fp16_to_fp32(fit->dmin16);
}

// Chooses the stored code of symmetric sub-block j whose float optimum is d, given the
// super-scale D: the code rounded from d, or a neighbour if that is better once the levels are
// re-rounded against it (the true error decides).
void choose_code_symmetric(const Format& f, const float* xj, const float* wj, float d, float D,
                           int j, BlockFit* fit) {
  const int c0 = D != 0.0f ? std::clamp(static_cast<int>(std::nearbyint(d / D)), f.code_lo, f.code_hi) : 0;
  int best_c = c0;
  double best = sub_error(xj, wj, f.sub_len, D * c0, 0.0f, f.levels, f.nl, nullptr);
  for (int c = std::max(f.code_lo, c0 - 2); c <= std::min(f.code_hi, c0 + 2); ++c) {
    if (c == c0) continue;
    const double e = sub_error(xj, wj, f.sub_len, D * c, 0.0f, f.levels, f.nl, nullptr);
    if (e < best) {
      best = e;
      best_c = c;
    }
  }
  fit->codes[j] = best_c;
  fit->scale[j] = D * static_cast<float>(best_c);
}

// As choose_code_symmetric for an asymmetric sub-block: scale code and min code together.
void choose_codes_affine(const Format& f, const float* xj, const float* wj, float d, float m,
                         float D, float M, int j, BlockFit* fit) {
  auto code_of = [&f](float v, float unit) {
    return unit > 0.0f ? std::clamp(static_cast<int>(std::nearbyint(v / unit)), 0, f.code_hi) : 0;
  };
  const int c0 = code_of(d, D), k0 = code_of(m, M);
  int best_c = c0, best_k = k0;
  double best = sub_error(xj, wj, f.sub_len, D * c0, -(M * k0), f.levels, f.nl, nullptr);
  for (int c = std::max(0, c0 - 1); c <= std::min(f.code_hi, c0 + 1); ++c) {
    for (int k = std::max(0, k0 - 1); k <= std::min(f.code_hi, k0 + 1); ++k) {
      if (c == c0 && k == k0) continue;
      const double e = sub_error(xj, wj, f.sub_len, D * c, -(M * k), f.levels, f.nl, nullptr);
      if (e < best) {
        best = e;
        best_c = c;
        best_k = k;
      }
    }
  }
  fit->codes[j] = best_c;
  fit->min_codes[j] = best_k;
  fit->scale[j] = D * static_cast<float>(best_c);
  fit->offset[j] = -(M * static_cast<float>(best_k));
}

float sub_sweep_symmetric(const Format& f, const float* xj, const float* wj) {
  return sweep_symmetric(xj, wj, f.sub_len, f.levels, f.nl, f.reach).d;
}

void fit_super_symmetric(const Format& f, const float* x, const float* w, BlockFit* fit) {
  const int n_sub = f.block_len / f.sub_len;
  float d[16];
  float max_scale = 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    d[j] = sub_sweep_symmetric(f, x + j * f.sub_len, w + j * f.sub_len);
    if (std::fabs(d[j]) > std::fabs(max_scale)) max_scale = d[j];
  }
  // The largest scale maps to the wider negative end of the code range.
  fit->d16 = fp32_to_fp16(max_scale / static_cast<float>(f.code_lo));
  const float D = fp16_to_fp32(fit->d16);
  for (int j = 0; j < n_sub; ++j) {
    choose_code_symmetric(f, x + j * f.sub_len, w + j * f.sub_len, d[j], D, j, fit);
  }
}

void fit_super_affine(const Format& f, const float* x, const float* w, BlockFit* fit) {
  const int n_sub = f.block_len / f.sub_len;
  float d[16], m[16];
  float max_d = 0.0f, max_m = 0.0f;
  for (int j = 0; j < n_sub; ++j) {
    const AffineFit a = sweep_affine(x + j * f.sub_len, w + j * f.sub_len, f.sub_len, f.nl - 1, true);
    d[j] = a.d;
    m[j] = -a.b;
    max_d = std::max(max_d, d[j]);
    max_m = std::max(max_m, m[j]);
  }
  fit->d16 = fp32_to_fp16(max_d / static_cast<float>(f.code_hi));
  fit->dmin16 = fp32_to_fp16(max_m / static_cast<float>(f.code_hi));
  const float D = fp16_to_fp32(fit->d16), M = fp16_to_fp32(fit->dmin16);
  for (int j = 0; j < n_sub; ++j) {
    choose_codes_affine(f, x + j * f.sub_len, w + j * f.sub_len, d[j], m[j], D, M, j, fit);
  }
}

}  // namespace

void element_weights(const float* x, int n, const float* imp, float* w) {
  double s2 = 0.0;
  for (int i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) s2 += static_cast<double>(x[i]) * x[i];
  }
  const float sigma2 = std::min(static_cast<float>(2.0 * s2 / n), 1e30f);
  bool any = false;
  for (int i = 0; i < n; ++i) {
    // Large weights tend to meet large activations, so their error counts more even without
    // activation statistics; sigma2 keeps small ones from being ignored.
    const float base = std::sqrt(sigma2 + x[i] * x[i]);
    w[i] = imp ? std::max(imp[i], 0.0f) * base : base;
    if (!(w[i] >= 0.0f) || !std::isfinite(w[i])) w[i] = 0.0f;
    any = any || w[i] > 0.0f;
  }
  // All-zero weights (columns never activated) would leave the fit undetermined.
  if (!any) {
    for (int i = 0; i < n; ++i) w[i] = std::isfinite(x[i]) ? std::sqrt(sigma2 + x[i] * x[i]) : 0.0f;
  }
}

int BlockFit::nearest(int j, float x) const {
  const int s = j / sub_len;
  const float id = scale[s] != 0.0f ? 1.0f / scale[s] : 0.0f;
  return nearest_level(levels, nl, (x - offset[s]) * id);
}

bool has_block_fit(TensorType type) {
  Format f;
  return format_of(type, &f);
}

int block_len(TensorType type) {
  Format f;
  return format_of(type, &f) ? f.block_len : static_cast<int>(traits(type).block_size);
}

int sub_block_len(TensorType type) {
  Format f;
  return format_of(type, &f) ? f.sub_len : static_cast<int>(traits(type).block_size);
}

void fit_block(TensorType type, const float* x, const float* w, BlockFit* fit, uint8_t* L) {
  Format f;
  if (!format_of(type, &f)) return;
  *fit = BlockFit{};
  fit->type = type;
  fit->block_len = f.block_len;
  fit->sub_len = f.sub_len;
  fit->levels = f.levels;
  fit->nl = f.nl;
  // Non-finite inputs have no meaningful rounding: treat them as zero so the searches stay
  // well defined and the block stays valid.
  float buf[QK_K];
  bool finite = true;
  for (int i = 0; i < f.block_len && finite; ++i) finite = std::isfinite(x[i]);
  if (!finite) {
    for (int i = 0; i < f.block_len; ++i) buf[i] = std::isfinite(x[i]) ? x[i] : 0.0f;
    x = buf;
  }
  switch (f.kind) {
    case Kind::kSymmetric: fit_symmetric(f, x, w, fit); break;
    case Kind::kAffine: fit_affine(f, x, w, fit); break;
    case Kind::kSuperSymmetric: fit_super_symmetric(f, x, w, fit); break;
    case Kind::kSuperAffine: fit_super_affine(f, x, w, fit); break;
  }
  for (int j = 0; j < f.block_len; ++j) L[j] = static_cast<uint8_t>(fit->nearest(j, x[j]));
}

void refit_sub_blocks(const float* x, const float* w, int first, int count, BlockFit* fit) {
  Format f;
  if (!format_of(fit->type, &f)) return;
  const int sl = f.sub_len;
  for (int j = first; j < first + count; ++j) {
    const float* xj = x + j * sl;
    const float* wj = w + j * sl;
    if (f.kind == Kind::kSuperSymmetric) {
      choose_code_symmetric(f, xj, wj, sub_sweep_symmetric(f, xj, wj), fp16_to_fp32(fit->d16), j,
                            fit);
    } else if (f.kind == Kind::kSuperAffine) {
      const AffineFit a = sweep_affine(xj, wj, sl, f.nl - 1, true);
      choose_codes_affine(f, xj, wj, a.d, -a.b, fp16_to_fp32(fit->d16), fp16_to_fp32(fit->dmin16),
                          j, fit);
    }
  }
}

void pack_block(const BlockFit& fit, const uint8_t* L, void* dst) {
  switch (fit.type) {
    case TensorType::Q4_0: {
      auto* y = static_cast<block_q4_0*>(dst);
      y->d = fit.d16;
      pack_nibbles_32(L, y->qs);
      break;
    }
    case TensorType::IQ4_NL: {
      auto* y = static_cast<block_iq4_nl*>(dst);
      y->d = fit.d16;
      pack_nibbles_32(L, y->qs);
      break;
    }
    case TensorType::Q5_0: {
      auto* y = static_cast<block_q5_0*>(dst);
      y->d = fit.d16;
      pack_q5_32(L, y->qs, y->qh);
      break;
    }
    case TensorType::Q8_0: {
      auto* y = static_cast<block_q8_0*>(dst);
      y->d = fit.d16;
      for (int j = 0; j < 32; ++j) y->qs[j] = static_cast<int8_t>(L[j] - 127);
      break;
    }
    case TensorType::Q4_1: {
      auto* y = static_cast<block_q4_1*>(dst);
      y->d = fit.d16;
      y->m = fit.dmin16;
      pack_nibbles_32(L, y->qs);
      break;
    }
    case TensorType::Q5_1: {
      auto* y = static_cast<block_q5_1*>(dst);
      y->d = fit.d16;
      y->m = fit.dmin16;
      pack_q5_32(L, y->qs, y->qh);
      break;
    }
    case TensorType::Q2_K: {
      auto* y = static_cast<block_q2_K*>(dst);
      y->d = fit.d16;
      y->dmin = fit.dmin16;
      for (int j = 0; j < 16; ++j) y->scales[j] = static_cast<uint8_t>(fit.codes[j] | (fit.min_codes[j] << 4));
      pack_2bit_256(L, y->qs);
      break;
    }
    case TensorType::Q3_K: {
      auto* y = static_cast<block_q3_K*>(dst);
      uint8_t codes[16];
      for (int j = 0; j < 16; ++j) codes[j] = static_cast<uint8_t>(fit.codes[j] + 32);
      y->d = fit.d16;
      pack_q3_K(L, codes, y);
      break;
    }
    case TensorType::Q4_K:
    case TensorType::Q5_K: {
      uint8_t sc[8], mn[8], packed[K_SCALE_SIZE];
      for (int j = 0; j < 8; ++j) {
        sc[j] = static_cast<uint8_t>(fit.codes[j]);
        mn[j] = static_cast<uint8_t>(fit.min_codes[j]);
      }
      pack_scale_min_k4(sc, mn, packed);
      if (fit.type == TensorType::Q4_K) {
        auto* y = static_cast<block_q4_K*>(dst);
        y->d = fit.d16;
        y->dmin = fit.dmin16;
        std::memcpy(y->scales, packed, sizeof(packed));
        pack_q4_K_levels(L, y->qs);
      } else {
        auto* y = static_cast<block_q5_K*>(dst);
        y->d = fit.d16;
        y->dmin = fit.dmin16;
        std::memcpy(y->scales, packed, sizeof(packed));
        pack_q5_K_levels(L, y->qh, y->qs);
      }
      break;
    }
    case TensorType::Q6_K: {
      auto* y = static_cast<block_q6_K*>(dst);
      y->d = fit.d16;
      for (int j = 0; j < 16; ++j) y->scales[j] = static_cast<int8_t>(fit.codes[j]);
      pack_q6_K_levels(L, y->ql, y->qh);
      break;
    }
    case TensorType::IQ4_XS: {
      auto* y = static_cast<block_iq4_xs*>(dst);
      uint8_t codes[8];
      for (int j = 0; j < 8; ++j) codes[j] = static_cast<uint8_t>(fit.codes[j] + 32);
      y->d = fit.d16;
      pack_iq4_xs_scales(codes, y);
      for (int ib = 0; ib < 8; ++ib) pack_nibbles_32(L + 32 * ib, y->qs + 16 * ib);
      break;
    }
    default: break;
  }
}

// The optimized row quantizers: fit, round and pack block by block.
void quantize_optimized(TensorType type, const float* x, void* dst, int64_t n, const float* imp) {
  const int bl = block_len(type);
  const size_t bytes = traits(type).type_size;
  float w[QK_K];
  uint8_t L[QK_K];
  BlockFit fit;
  for (int64_t i = 0; i < n / bl; ++i) {
    const float* xb = x + i * bl;
    element_weights(xb, bl, imp ? imp + i * bl : nullptr, w);
    fit_block(type, xb, w, &fit, L);
    pack_block(fit, L, static_cast<uint8_t*>(dst) + static_cast<size_t>(i) * bytes);
  }
}

}  // namespace edgellm::quant::detail
