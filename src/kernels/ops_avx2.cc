// AVX2 elementwise kernels and attention inner loops, and the assembly of the AVX2 table.
#include <cmath>
#include <cstring>

#include "kernels/simd_avx2.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace {

using namespace avx2;

// exp(x) for x in about [-87, 88], relative error below 2 ulp: x = k ln2 + r with |r| <= ln2/2,
// exp(r) by a degree-6 polynomial, 2^k through the exponent bits. Below -87.3 the result is 0.
static inline __m256 exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.72283f);
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // Two-step ln2 for an exact-enough reduction.
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187045e-06f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 2^k, split in two factors so that k = 128 (x near 88.7) does not overflow the exponent.
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1);
  const __m256i k2 = _mm256_sub_epi32(ki, k1);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, _mm256_set1_epi32(127)), 23));
  const __m256 res = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  return _mm256_andnot_ps(under, res);
}

static inline __m256 silu8(__m256 x) {
  const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

void silu(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, silu8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void swiglu(float* g, const float* u, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(g + i, _mm256_mul_ps(silu8(_mm256_loadu_ps(g + i)), _mm256_loadu_ps(u + i)));
  }
  for (; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void add(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  }
  for (; i < n; ++i) y[i] += x[i];
}

void mul(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  }
  for (; i < n; ++i) y[i] *= x[i];
}

void scale(float* y, float s, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vs));
  for (; i < n; ++i) y[i] *= s;
}

// Sum of squares in double, as the reference, 4 lanes at a time.
void rms_norm(const float* x, const float* w, float eps, int64_t n, float* y) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 sq = _mm256_mul_ps(v, v);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)));
  }
  alignas(32) double parts[4];
  _mm256_store_pd(parts, _mm256_add_pd(s0, s1));
  double sum = (parts[0] + parts[1]) + (parts[2] + parts[3]);
  for (; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float sc = 1.0f / std::sqrt(mean + eps);
  const __m256 vs = _mm256_set1_ps(sc);
  i = 0;
  if (w != nullptr) {
    for (; i + 8 <= n; i += 8) {
      _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vs),
                                            _mm256_loadu_ps(w + i)));
    }
    for (; i < n; ++i) y[i] = x[i] * sc * w[i];
  } else {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
    for (; i < n; ++i) y[i] = x[i] * sc;
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(x + i));
  alignas(32) float m8[8];
  _mm256_store_ps(m8, vmax);
  float max = -INFINITY;
  for (float v : m8) max = v > max ? v : max;
  for (int64_t j = i; j < n; ++j) max = x[j] > max ? x[j] : max;
  if (max == -INFINITY) {
    std::memset(x, 0, n * sizeof(float));
    return;
  }
  const __m256 vm = _mm256_set1_ps(max);
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (i = 0; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
    _mm256_storeu_ps(x + i, e);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  alignas(32) double parts[4];
  _mm256_store_pd(parts, _mm256_add_pd(s0, s1));
  double sum = (parts[0] + parts[1]) + (parts[2] + parts[3]);
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  scale(x, static_cast<float>(1.0 / sum), n);
}

// ---- Attention inner loops ------------------------------------------------------------------

// Four key rows at a time share each query load.
void kq_f16(const void* vq, const void* k, size_t ks, int64_t n, int hd, float* scores) {
  const uint16_t* q = static_cast<const uint16_t*>(vq);
  const uint8_t* kb = static_cast<const uint8_t*>(k);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
    for (int d = 0; d < hd; d += 8) {
      const __m256 qv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + d)));
      for (int r = 0; r < 4; ++r) {
        const __m256 kv = _mm256_cvtph_ps(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(kb + (j + r) * ks + d * 2)));
        acc[r] = _mm256_fmadd_ps(qv, kv, acc[r]);
      }
    }
    for (int r = 0; r < 4; ++r) scores[j + r] = hsum(acc[r]);
  }
  for (; j < n; ++j) {
    __m256 acc = _mm256_setzero_ps();
    for (int d = 0; d < hd; d += 8) {
      const __m256 qv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + d)));
      const __m256 kv = _mm256_cvtph_ps(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(kb + j * ks + d * 2)));
      acc = _mm256_fmadd_ps(qv, kv, acc);
    }
    scores[j] = hsum(acc);
  }
}

void pv_f16(const float* p, const void* v, size_t vs, int64_t n, int hd, float s, float* acc) {
  const uint8_t* vb = static_cast<const uint8_t*>(v);
  const __m256 vsc = _mm256_set1_ps(s);
  for (int d = 0; d < hd; d += 32) {
    // Up to 32 output dims in registers while streaming all n rows.
    const int w = hd - d < 32 ? hd - d : 32;
    __m256 a[4];
    for (int i = 0; i < w / 8; ++i) a[i] = _mm256_mul_ps(_mm256_loadu_ps(acc + d + 8 * i), vsc);
    for (int64_t j = 0; j < n; ++j) {
      if (p[j] == 0.0f) continue;
      const __m256 pj = _mm256_set1_ps(p[j]);
      const uint8_t* row = vb + j * vs + d * 2;
      for (int i = 0; i < w / 8; ++i) {
        const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 16 * i)));
        a[i] = _mm256_fmadd_ps(pj, x, a[i]);
      }
    }
    for (int i = 0; i < w / 8; ++i) _mm256_storeu_ps(acc + d + 8 * i, a[i]);
  }
}

}  // namespace

namespace detail {

void avx2_fill_ops(IsaTable& t) {
  t.silu = silu;
  t.swiglu = swiglu;
  t.add = add;
  t.mul = mul;
  t.scale = scale;
  t.rms_norm = rms_norm;
  t.softmax = softmax;
  t.kq_f16 = kq_f16;
  t.pv_f16 = pv_f16;
}

const IsaTable* avx2_table() {
  static const IsaTable table = [] {
    IsaTable t;
    std::memcpy(&t, &scalar_table(), sizeof(t));
    t.isa = Isa::kAvx2;
    avx2_fill_convert(t);
    avx2_fill_gemm_float(t);
    avx2_fill_gemm_q32(t);
    avx2_fill_gemm_kquant(t);
    avx2_fill_ops(t);
    return t;
  }();
  return &table;
}

}  // namespace detail
}  // namespace edgellm::kernels
