// AVX2 conversion of float activations: the GGUF formats for the public quantize_row_* and the
// KV cache, and the AVX2 activation layouts (layout_avx2.h) for the matrix products. Values are
// bit-identical to the scalar reference (same scale arithmetic, rounding to nearest even).
#include <cstring>

#include "kernels/layout_avx2.h"
#include "kernels/simd_avx2.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace {

using namespace avx2;

struct Block32 {
  __m256i q;       // 32 int8 quants
  uint16_t d;      // F16 scale
  int sum;         // sum of the quants
  float amax;      // largest magnitude
};

static inline int hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// One 32-element block as Q8_0: d = amax / 127, q = round_even(x * (127 / amax)).
static inline Block32 quantize32(const float* x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8), v2 = _mm256_loadu_ps(x + 16),
         v3 = _mm256_loadu_ps(x + 24);
  __m256 m = _mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1));
  m = _mm256_max_ps(m, _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
  __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const float amax = _mm_cvtss_f32(m4);
  Block32 b;
  b.amax = amax;
  b.d = _cvtss_sh(amax / 127.0f, _MM_FROUND_TO_NEAREST_INT);
  const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), kRound));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), kRound));
  const __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), kRound));
  const __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), kRound));
  b.sum = hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
  // Pack to bytes; the packs work per 128-bit lane, the permute restores element order.
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  b.q = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  return b;
}

void quantize_q8_0(const float* x, void* vy, int64_t n) {
  quant::block_q8_0* y = static_cast<quant::block_q8_0*>(vy);
  for (int64_t i = 0; i < n / 32; ++i) {
    const Block32 b = quantize32(x + i * 32);
    y[i].d = b.d;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), b.q);
  }
}

void quantize_q8_1(const float* x, void* vy, int64_t n) {
  quant::block_q8_1* y = static_cast<quant::block_q8_1*>(vy);
  for (int64_t i = 0; i < n / 32; ++i) {
    const Block32 b = quantize32(x + i * 32);
    y[i].d = b.d;
    // s uses the unrounded d = amax / 127.
    y[i].s = _cvtss_sh(b.amax / 127.0f * static_cast<float>(b.sum), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[i].qs), b.q);
  }
}

// Q8_K: the element of largest magnitude (the first one on ties) maps to -127.
static inline float quantize256(const float* x, int8_t* qs, int16_t* bsums) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int j = 0; j < 256; j += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
  __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const float amax = _mm_cvtss_f32(m4);
  if (amax == 0.0f) {
    std::memset(qs, 0, 256);
    std::memset(bsums, 0, 32);
    return 0.0f;
  }
  float max = 0.0f;
  const __m256 va = _mm256_set1_ps(amax);
  for (int j = 0; j < 256; j += 8) {
    const int mask = _mm256_movemask_ps(
        _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), va, _CMP_EQ_OQ));
    if (mask != 0) {
      max = x[j + __builtin_ctz(static_cast<unsigned>(mask))];
      break;
    }
  }
  const float iscale = -127.0f / max;
  const __m256 vs = _mm256_set1_ps(iscale);
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i c127 = _mm256_set1_epi32(127);
  for (int j = 0; j < 256; j += 32) {
    __m256i i[4];
    for (int k = 0; k < 4; ++k) {
      i[k] = _mm256_cvtps_epi32(
          _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), vs), kRound));
      i[k] = _mm256_min_epi32(i[k], c127);
    }
    const __m256i p =
        _mm256_packs_epi16(_mm256_packs_epi32(i[0], i[1]), _mm256_packs_epi32(i[2], i[3]));
    const __m256i q = _mm256_permutevar8x32_epi32(p, perm);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + j), q);
    // Sums of each 16 quants.
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i lo = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(q)), ones);
    const __m256i hi = _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(q, 1)), ones);
    bsums[j / 16] = static_cast<int16_t>(hsum_epi32(lo));
    bsums[j / 16 + 1] = static_cast<int16_t>(hsum_epi32(hi));
  }
  return 1.0f / iscale;
}

void quantize_q8_K(const float* x, void* vy, int64_t n) {
  quant::block_q8_K* y = static_cast<quant::block_q8_K*>(vy);
  for (int64_t i = 0; i < n / 256; ++i) {
    y[i].d = quantize256(x + i * 256, y[i].qs, y[i].bsums);
  }
}

void to_f16(const float* x, void* vy, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(vy);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

// ---- AVX2 activation layouts ------------------------------------------------------------------

// Q8X with a correction c = -k * da * sum(q) per block (k = 8 for Q4_0, 16 for Q5_0: spread over
// 8 lanes, so -k/8 per lane). The weights are then used unsigned (q + k) in the dot products.
template <int kOffset, bool kAbs>
void convert_q8x(const float* x, void* vy, int64_t n) {
  const Q8XLayout l = q8x_layout(n, kAbs);
  uint8_t* base = static_cast<uint8_t*>(vy);
  float* da = reinterpret_cast<float*>(base + l.da);
  float* c = reinterpret_cast<float*>(base + l.c);
  for (int64_t b = 0; b < l.nb; ++b) {
    const Block32 q = quantize32(x + b * 32);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + b * 32), q.q);
    if (kAbs) _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + l.qa + b * 32), _mm256_abs_epi8(q.q));
    da[b] = h2f(q.d);
    // Exact: da has 11 significant bits and |sum| < 2^12.
    c[b] = -static_cast<float>(kOffset / 8) * da[b] * static_cast<float>(q.sum);
  }
}

// Q8X for Q4_1 / Q5_1: c = s / 8 with s the Q8_1 sum term (F16), spread over 8 lanes.
void convert_q8x1(const float* x, void* vy, int64_t n) {
  const Q8XLayout l = q8x_layout(n, false);
  uint8_t* base = static_cast<uint8_t*>(vy);
  float* da = reinterpret_cast<float*>(base + l.da);
  float* c = reinterpret_cast<float*>(base + l.c);
  for (int64_t b = 0; b < l.nb; ++b) {
    quant::block_q8_1 blk;
    quantize_q8_1(x + b * 32, &blk, 32);
    std::memcpy(base + b * 32, blk.qs, 32);
    da[b] = h2f(blk.d);
    c[b] = h2f(blk.s) * 0.125f;
  }
}

template <bool kAbs>
void convert_q8kx(const float* x, void* vy, int64_t n) {
  const Q8KXLayout l = q8kx_layout(n, kAbs);
  uint8_t* base = static_cast<uint8_t*>(vy);
  int16_t* bsums = reinterpret_cast<int16_t*>(base + l.bsums);
  float* d = reinterpret_cast<float*>(base + l.d);
  for (int64_t s = 0; s < l.ns; ++s) {
    int8_t* qs = reinterpret_cast<int8_t*>(base + s * 256);
    d[s] = quantize256(x + s * 256, qs, bsums + s * 16);
    if (kAbs) {
      for (int j = 0; j < 256; j += 32) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + j));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(base + l.qa + s * 256 + j), _mm256_abs_epi8(q));
      }
    }
  }
}

// Floats rounded through F16 (for F16 weights) or BF16 (for BF16 weights), kept as floats.
void convert_f16r(const float* x, void* vy, int64_t n) {
  float* y = static_cast<float*>(vy);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(y + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) y[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

void convert_bf16r(const float* x, void* vy, int64_t n) {
  float* y = static_cast<float*>(vy);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, &x[i], 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      u = (u | 0x00400000u) & 0xffff0000u;  // quiet NaN
    } else {
      u = (u + (0x7fffu + ((u >> 16) & 1u))) & 0xffff0000u;
    }
    std::memcpy(&y[i], &u, 4);
  }
}

size_t bytes_q8x(int64_t n) { return q8x_layout(n, false).bytes; }
size_t bytes_q8x_abs(int64_t n) { return q8x_layout(n, true).bytes; }
size_t bytes_q8kx(int64_t n) { return q8kx_layout(n, false).bytes; }
size_t bytes_q8kx_abs(int64_t n) { return q8kx_layout(n, true).bytes; }
size_t bytes_f32(int64_t n) { return static_cast<size_t>(n) * 4; }

}  // namespace

namespace detail {

// The gemm files fill MatmulKernel.gemm; this sets how each type's activations are converted.
void avx2_fill_convert(IsaTable& t) {
  t.quantize_q8_0 = quantize_q8_0;
  t.quantize_q8_1 = quantize_q8_1;
  t.quantize_q8_K = quantize_q8_K;
  t.to_f16 = to_f16;
  auto set = [&t](TensorType type, ConvertRowFn c, size_t (*bytes)(int64_t)) {
    t.matmul[static_cast<int>(type)].convert = c;
    t.matmul[static_cast<int>(type)].act_row_bytes = bytes;
  };
  set(TensorType::F16, convert_f16r, bytes_f32);
  set(TensorType::BF16, convert_bf16r, bytes_f32);
  set(TensorType::Q8_0, convert_q8x<0, true>, bytes_q8x_abs);
  set(TensorType::IQ4_NL, convert_q8x<0, true>, bytes_q8x_abs);
  set(TensorType::Q4_0, convert_q8x<8, false>, bytes_q8x);
  set(TensorType::Q5_0, convert_q8x<16, false>, bytes_q8x);
  set(TensorType::Q4_1, convert_q8x1, bytes_q8x);
  set(TensorType::Q5_1, convert_q8x1, bytes_q8x);
  for (TensorType k : {TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
                       TensorType::Q6_K}) {
    set(k, convert_q8kx<false>, bytes_q8kx);
  }
  set(TensorType::IQ4_XS, convert_q8kx<true>, bytes_q8kx_abs);
}

}  // namespace detail
}  // namespace edgellm::kernels
