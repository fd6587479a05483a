// AVX2 matrix products for the 256-element super-block formats (Q2_K..Q6_K, IQ4_XS) against
// Q8_K activations. Per super-block and weight row, the header is decoded once: sub-block scales
// become int16 vectors (S: scale of the lower 16 elements of chunk j in word j of the low lane,
// of the upper 16 in word j of the high lane), mins or offsets become a per-16 vector that meets
// the activation's bsums. Then each 32-element chunk is one maddubs (unsigned weights x signed
// activations) and one madd with its scale vector into int32, for MR rows x NR tokens; the float
// work happens once per super-block. Offsets that are integer multiples of the scale (Q6_K: -32,
// Q3_K: -4) stay in the integer sum; real-valued mins (Q2_K, Q4_K, Q5_K) get a float term.
#include <cstring>

#include "kernels/layout_avx2.h"
#include "kernels/simd_avx2.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace {

using namespace avx2;

// Word j of each 128-bit lane, broadcast over that lane.
static inline __m256i scale_of_chunk(__m256i s, int j) {
  const __m256i mask = _mm256_set1_epi16(static_cast<int16_t>((2 * j) | ((2 * j + 1) << 8)));
  return _mm256_shuffle_epi8(s, mask);
}

struct Header {
  __m256i s;       // chunk scales, see above
  __m256i mins;    // per-16 multipliers of bsums
  float d, m;      // scale of the main sum, scale of the mins term (float-corrected formats)
  const uint8_t* q;
  const uint8_t* h;  // high bits (Q3_K hmask, Q5_K qh, Q6_K qh)
};

// Per-32 scales s[0..7] (uint8) in both lanes; mins per 16 from m[0..7] duplicated.
static inline void scales32(const uint8_t* sc, const uint8_t* mn, Header& h) {
  int64_t s8, m8;
  std::memcpy(&s8, sc, 8);
  h.s = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(s8)));
  if (mn != nullptr) {
    std::memcpy(&m8, mn, 8);
    const __m128i m = _mm_cvtsi64_si128(m8);
    h.mins = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m, m));
  }
}

// Per-16 signed scales sc[0..15] (int8): evens to the low lane, odds to the high lane.
static inline __m256i scales16(__m128i sc) {
  const __m128i evens_odds =
      _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  const __m128i eo = _mm_shuffle_epi8(sc, evens_odds);
  return _mm256_cvtepi8_epi16(eo);  // low 8 words: evens, high 8 words: odds
}

static inline void unpack_k4_scales(const uint8_t* q, uint8_t sc[8], uint8_t mn[8]) {
  uint32_t u0, u1, u2;
  std::memcpy(&u0, q, 4);
  std::memcpy(&u1, q + 4, 4);
  std::memcpy(&u2, q + 8, 4);
  const uint32_t s_lo = u0 & 0x3f3f3f3fu, m_lo = u1 & 0x3f3f3f3fu;
  const uint32_t s_hi = (u2 & 0x0f0f0f0fu) | ((u0 >> 2) & 0x30303030u);
  const uint32_t m_hi = ((u2 >> 4) & 0x0f0f0f0fu) | ((u1 >> 2) & 0x30303030u);
  std::memcpy(sc, &s_lo, 4);
  std::memcpy(sc + 4, &s_hi, 4);
  std::memcpy(mn, &m_lo, 4);
  std::memcpy(mn + 4, &m_hi, 4);
}

// ---- Formats ----------------------------------------------------------------------------------

struct DecQ4K {
  static constexpr size_t kBytes = sizeof(quant::block_q4_K);
  static constexpr bool kSigned = false, kFloatMin = true;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_q4_K*>(b);
    uint8_t sc[8], mn[8];
    unpack_k4_scales(blk->scales, sc, mn);
    scales32(sc, mn, h);
    h.d = h2f(blk->d);
    h.m = -h2f(blk->dmin);
    h.q = blk->qs;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.q + 32 * (j / 2)));
    return _mm256_and_si256(_mm256_srli_epi16(x, 4 * (j & 1)), _mm256_set1_epi8(0x0F));
  }
};

struct DecQ5K {
  static constexpr size_t kBytes = sizeof(quant::block_q5_K);
  static constexpr bool kSigned = false, kFloatMin = true;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_q5_K*>(b);
    uint8_t sc[8], mn[8];
    unpack_k4_scales(blk->scales, sc, mn);
    scales32(sc, mn, h);
    h.d = h2f(blk->d);
    h.m = -h2f(blk->dmin);
    h.q = blk->qs;
    h.h = blk->qh;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.q + 32 * (j / 2)));
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(x, 4 * (j & 1)), _mm256_set1_epi8(0x0F));
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.h));
    // Bit j of each qh byte becomes 0x10 (shifts stay within the byte for the bits we keep).
    const __m256i hb = j <= 4 ? _mm256_slli_epi16(qh, 4 - j) : _mm256_srli_epi16(qh, j - 4);
    return _mm256_or_si256(lo, _mm256_and_si256(hb, _mm256_set1_epi8(0x10)));
  }
};

struct DecQ6K {
  static constexpr size_t kBytes = sizeof(quant::block_q6_K);
  static constexpr bool kSigned = false, kFloatMin = false;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_q6_K*>(b);
    const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->scales));
    h.s = scales16(sc);
    // Values are q - 32: -32 * sum(scale * bsum) joins the integer sum.
    h.mins = _mm256_slli_epi16(_mm256_sub_epi16(_mm256_setzero_si256(), _mm256_cvtepi8_epi16(sc)), 5);
    h.d = h2f(blk->d);
    h.m = 0.0f;
    h.q = blk->ql;
    h.h = blk->qh;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const int half = j / 4, quarter = j % 4;
    const __m256i l = _mm256_loadu_si256(
        reinterpret_cast<const __m256i*>(h.q + 64 * half + 32 * (quarter & 1)));
    const __m256i lo =
        _mm256_and_si256(_mm256_srli_epi16(l, 4 * (quarter >> 1)), _mm256_set1_epi8(0x0F));
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.h + 32 * half));
    // Bits 2q..2q+1 of each byte to bits 4..5.
    const __m256i hb = quarter <= 2 ? _mm256_slli_epi16(qh, 4 - 2 * quarter)
                                    : _mm256_srli_epi16(qh, 2 * quarter - 4);
    return _mm256_or_si256(lo, _mm256_and_si256(hb, _mm256_set1_epi8(0x30)));
  }
};

struct DecQ3K {
  static constexpr size_t kBytes = sizeof(quant::block_q3_K);
  static constexpr bool kSigned = false, kFloatMin = false;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_q3_K*>(b);
    // 16 six-bit scales: low nibbles in bytes 0..7, high 2 bits in bytes 8..11; minus 32.
    uint32_t a0, a1, a2;
    std::memcpy(&a0, blk->scales, 4);
    std::memcpy(&a1, blk->scales + 4, 4);
    std::memcpy(&a2, blk->scales + 8, 4);
    uint32_t s[4];
    s[0] = (a0 & 0x0f0f0f0fu) | (((a2 >> 0) & 0x03030303u) << 4);
    s[1] = (a1 & 0x0f0f0f0fu) | (((a2 >> 2) & 0x03030303u) << 4);
    s[2] = ((a0 >> 4) & 0x0f0f0f0fu) | (((a2 >> 4) & 0x03030303u) << 4);
    s[3] = ((a1 >> 4) & 0x0f0f0f0fu) | (((a2 >> 6) & 0x03030303u) << 4);
    const __m128i sc = _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)),
                                    _mm_set1_epi8(32));
    h.s = scales16(sc);
    // Values are (q | hbit << 2) - 4: -4 * sum(scale * bsum) joins the integer sum.
    h.mins = _mm256_slli_epi16(_mm256_sub_epi16(_mm256_setzero_si256(), _mm256_cvtepi8_epi16(sc)), 2);
    h.d = h2f(blk->d);
    h.m = 0.0f;
    h.q = blk->qs;
    h.h = blk->hmask;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const int half = j / 4, quarter = j % 4;
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.q + 32 * half));
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(x, 2 * quarter), _mm256_set1_epi8(3));
    const __m256i hm = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.h));
    // Bit j of each hmask byte to bit 2.
    const __m256i hb = j <= 2 ? _mm256_slli_epi16(hm, 2 - j) : _mm256_srli_epi16(hm, j - 2);
    return _mm256_or_si256(lo, _mm256_and_si256(hb, _mm256_set1_epi8(4)));
  }
};

struct DecQ2K {
  static constexpr size_t kBytes = sizeof(quant::block_q2_K);
  static constexpr bool kSigned = false, kFloatMin = true;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_q2_K*>(b);
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->scales));
    h.s = scales16(_mm_and_si128(raw, _mm_set1_epi8(0x0F)));
    h.mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), _mm_set1_epi8(0x0F)));
    h.d = h2f(blk->d);
    h.m = -h2f(blk->dmin);
    h.q = blk->qs;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const int half = j / 4, quarter = j % 4;
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h.q + 32 * half));
    return _mm256_and_si256(_mm256_srli_epi16(x, 2 * quarter), _mm256_set1_epi8(3));
  }
};

struct DecIq4Xs {
  static constexpr size_t kBytes = sizeof(quant::block_iq4_xs);
  static constexpr bool kSigned = true, kFloatMin = false;
  static inline void prepare(const uint8_t* b, Header& h) {
    const auto* blk = reinterpret_cast<const quant::block_iq4_xs*>(b);
    alignas(16) int16_t s[8];
    for (int ib = 0; ib < 8; ++ib) {
      const int ls = ((blk->scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) |
                     (((blk->scales_h >> (2 * ib)) & 3) << 4);
      s[ib] = static_cast<int16_t>(ls - 32);
    }
    h.s = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(s)));
    h.mins = _mm256_setzero_si256();
    h.d = h2f(blk->d);
    h.m = 0.0f;
    h.q = blk->qs;
  }
  static inline __m256i chunk(const Header& h, int j) {
    const __m256i book = _mm256_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38,
                                          53, 69, 89, 113, -127, -104, -83, -65, -49, -35, -22,
                                          -10, 1, 13, 25, 38, 53, 69, 89, 113);
    return _mm256_shuffle_epi8(book, unpack_nibbles(h.q + 16 * j));
  }
};

// ---- Tile -------------------------------------------------------------------------------------

template <class D, int MR, int NR>
static inline void kq_tile(const Q8KXLayout& l, const uint8_t* w, size_t ws, const uint8_t* a,
                           size_t as, float* y, int64_t ldy) {
  __m256 acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int t = 0; t < NR; ++t) acc[r][t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < l.ns; ++s) {
    Header h[MR];
    for (int r = 0; r < MR; ++r) D::prepare(w + r * ws + s * D::kBytes, h[r]);
    __m256i iacc[MR][NR];
    for (int r = 0; r < MR; ++r)
      for (int t = 0; t < NR; ++t) iacc[r][t] = _mm256_setzero_si256();
    for (int j = 0; j < 8; ++j) {
      __m256i wq[MR], sc[MR];
      for (int r = 0; r < MR; ++r) {
        wq[r] = D::chunk(h[r], j);
        sc[r] = scale_of_chunk(h[r].s, j);
      }
      for (int t = 0; t < NR; ++t) {
        const uint8_t* at = a + t * as + s * 256 + 32 * j;
        const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
        if (D::kSigned) {
          const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + l.qa));
          for (int r = 0; r < MR; ++r) {
            const __m256i p = _mm256_maddubs_epi16(qa, _mm256_sign_epi8(wq[r], qs));
            iacc[r][t] = _mm256_add_epi32(iacc[r][t], _mm256_madd_epi16(p, sc[r]));
          }
        } else {
          for (int r = 0; r < MR; ++r) {
            const __m256i p = _mm256_maddubs_epi16(wq[r], qs);
            iacc[r][t] = _mm256_add_epi32(iacc[r][t], _mm256_madd_epi16(p, sc[r]));
          }
        }
      }
    }
    for (int t = 0; t < NR; ++t) {
      const uint8_t* at = a + t * as;
      const __m256i bs =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + l.bsums + s * 32));
      const __m256 da = _mm256_broadcast_ss(reinterpret_cast<const float*>(at + l.d) + s);
      for (int r = 0; r < MR; ++r) {
        const __m256i corr = _mm256_madd_epi16(h[r].mins, bs);
        if (D::kFloatMin) {
          const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(iacc[r][t]), da);
          acc[r][t] = _mm256_fmadd_ps(f, _mm256_set1_ps(h[r].d), acc[r][t]);
          const __m256 g = _mm256_mul_ps(_mm256_cvtepi32_ps(corr), da);
          acc[r][t] = _mm256_fmadd_ps(g, _mm256_set1_ps(h[r].m), acc[r][t]);
        } else {
          const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(iacc[r][t], corr)), da);
          acc[r][t] = _mm256_fmadd_ps(f, _mm256_set1_ps(h[r].d), acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int t = 0; t < NR; ++t) y[t * ldy + r] = hsum(acc[r][t]);
}

template <class D>
void gemm_kq(int64_t n, const void* vw, size_t ws, int64_t nr, const void* va, size_t as,
             int64_t nt, float* y, int64_t ldy) {
  const Q8KXLayout l = q8kx_layout(n, D::kSigned);
  const uint8_t* w = static_cast<const uint8_t*>(vw);
  const uint8_t* a = static_cast<const uint8_t*>(va);
  if (nt == 1) {
    int64_t r = 0;
    for (; r + 2 <= nr; r += 2) kq_tile<D, 2, 1>(l, w + r * ws, ws, a, as, y + r, ldy);
    for (; r < nr; ++r) kq_tile<D, 1, 1>(l, w + r * ws, ws, a, as, y + r, ldy);
    return;
  }
  int64_t t = 0;
  for (; t + 4 <= nt; t += 4) {
    int64_t r = 0;
    for (; r + 2 <= nr; r += 2) kq_tile<D, 2, 4>(l, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    if (r < nr) kq_tile<D, 1, 4>(l, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
  }
  const int64_t rest = nt - t;
  for (int64_t r = 0; rest > 0 && r < nr; r += 2) {
    const bool two = r + 2 <= nr;
    const uint8_t* wr = w + r * ws;
    const uint8_t* at = a + t * as;
    float* yr = y + t * ldy + r;
    if (rest == 3) {
      two ? kq_tile<D, 2, 3>(l, wr, ws, at, as, yr, ldy) : kq_tile<D, 1, 3>(l, wr, ws, at, as, yr, ldy);
    } else if (rest == 2) {
      two ? kq_tile<D, 2, 2>(l, wr, ws, at, as, yr, ldy) : kq_tile<D, 1, 2>(l, wr, ws, at, as, yr, ldy);
    } else {
      two ? kq_tile<D, 2, 1>(l, wr, ws, at, as, yr, ldy) : kq_tile<D, 1, 1>(l, wr, ws, at, as, yr, ldy);
    }
  }
}

}  // namespace

namespace detail {

void avx2_fill_gemm_kquant(IsaTable& t) {
  t.matmul[static_cast<int>(TensorType::Q2_K)].gemm = gemm_kq<DecQ2K>;
  t.matmul[static_cast<int>(TensorType::Q3_K)].gemm = gemm_kq<DecQ3K>;
  t.matmul[static_cast<int>(TensorType::Q4_K)].gemm = gemm_kq<DecQ4K>;
  t.matmul[static_cast<int>(TensorType::Q5_K)].gemm = gemm_kq<DecQ5K>;
  t.matmul[static_cast<int>(TensorType::Q6_K)].gemm = gemm_kq<DecQ6K>;
  t.matmul[static_cast<int>(TensorType::IQ4_XS)].gemm = gemm_kq<DecIq4Xs>;
}

}  // namespace detail
}  // namespace edgellm::kernels
