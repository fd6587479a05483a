// AVX2 matrix products for the float formats (F32, F16, BF16) and the 32-element block formats
// (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL). Register tiles of MR weight rows x NR tokens: each
// weight block is unpacked once and used for NR tokens, each activation block is loaded once
// for MR rows. Every (row, token) pair runs the same instruction sequence whatever the tile
// shape, so results do not depend on how the matrix was split.
//
// Block formats: weights are used as unsigned bytes where the format allows (nibbles, 5-bit
// values) so that one maddubs does 32 products; the format's offset (-8, -16) comes back through
// the activation's per-lane correction c = -offset/8 * da * sum(q) (see layout_avx2.h). Signed
// weights (Q8_0, IQ4_NL) move their sign onto the activation: |a| * (w * sign(a)). A Q8_0 quant
// of -128 (which quantizers never write) would overflow there, as in other GGUF runtimes.
#include <cstring>

#include "kernels/layout_avx2.h"
#include "kernels/simd_avx2.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace {

using namespace avx2;

// ---- Float weights ----------------------------------------------------------------------------

struct LoadF32 {
  static constexpr size_t kElem = 4;
  static inline __m256 load8(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
  static inline float load1(const uint8_t* p) { float f; std::memcpy(&f, p, 4); return f; }
};
struct LoadF16 {
  static constexpr size_t kElem = 2;
  static inline __m256 load8(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static inline float load1(const uint8_t* p) { uint16_t h; std::memcpy(&h, p, 2); return h2f(h); }
};
struct LoadBF16 {
  static constexpr size_t kElem = 2;
  static inline __m256 load8(const uint8_t* p) {
    const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
  }
  static inline float load1(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    const uint32_t u = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};

template <class L, int MR, int NR>
static inline void float_tile(int64_t n, const uint8_t* w, size_t ws, const uint8_t* a, size_t as,
                              float* y, int64_t ldy) {
  __m256 acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int t = 0; t < NR; ++t) acc[r][t] = _mm256_setzero_ps();
  const int64_t n8 = n / 8 * 8;
  for (int64_t k = 0; k < n8; k += 8) {
    __m256 wv[MR];
    for (int r = 0; r < MR; ++r) wv[r] = L::load8(w + r * ws + k * L::kElem);
    for (int t = 0; t < NR; ++t) {
      const __m256 x = _mm256_loadu_ps(reinterpret_cast<const float*>(a + t * as) + k);
      for (int r = 0; r < MR; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], x, acc[r][t]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    for (int t = 0; t < NR; ++t) {
      float s = hsum(acc[r][t]);
      const float* x = reinterpret_cast<const float*>(a + t * as);
      for (int64_t k = n8; k < n; ++k) s += L::load1(w + r * ws + k * L::kElem) * x[k];
      y[t * ldy + r] = s;
    }
  }
}

// ---- 32-element block weights -------------------------------------------------------------

struct DecQ8_0 {
  static constexpr bool kSigned = true, kMin = false;
  static constexpr size_t kBytes = sizeof(quant::block_q8_0);
  static inline __m256i q(const uint8_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2)); }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t*) { return 0; }
};
struct DecIq4Nl {
  static constexpr bool kSigned = true, kMin = false;
  static constexpr size_t kBytes = sizeof(quant::block_iq4_nl);
  static inline __m256i q(const uint8_t* b) {
    const __m256i book = _mm256_setr_epi8(-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38,
                                          53, 69, 89, 113, -127, -104, -83, -65, -49, -35, -22,
                                          -10, 1, 13, 25, 38, 53, 69, 89, 113);
    return _mm256_shuffle_epi8(book, unpack_nibbles(b + 2));
  }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t*) { return 0; }
};
struct DecQ4_0 {
  static constexpr bool kSigned = false, kMin = false;
  static constexpr size_t kBytes = sizeof(quant::block_q4_0);
  static inline __m256i q(const uint8_t* b) { return unpack_nibbles(b + 2); }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t*) { return 0; }
};
struct DecQ4_1 {
  static constexpr bool kSigned = false, kMin = true;
  static constexpr size_t kBytes = sizeof(quant::block_q4_1);
  static inline __m256i q(const uint8_t* b) { return unpack_nibbles(b + 4); }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t* b) { uint16_t h; std::memcpy(&h, b + 2, 2); return h; }
};
struct DecQ5_0 {
  static constexpr bool kSigned = false, kMin = false;
  static constexpr size_t kBytes = sizeof(quant::block_q5_0);
  static inline __m256i q(const uint8_t* b) {
    uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    const __m256i hi = _mm256_and_si256(bits_to_bytes(qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(unpack_nibbles(b + 6), hi);
  }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t*) { return 0; }
};
struct DecQ5_1 {
  static constexpr bool kSigned = false, kMin = true;
  static constexpr size_t kBytes = sizeof(quant::block_q5_1);
  static inline __m256i q(const uint8_t* b) {
    uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    const __m256i hi = _mm256_and_si256(bits_to_bytes(qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(unpack_nibbles(b + 8), hi);
  }
  static inline uint16_t d(const uint8_t* b) { uint16_t h; std::memcpy(&h, b, 2); return h; }
  static inline uint16_t m(const uint8_t* b) { uint16_t h; std::memcpy(&h, b + 2, 2); return h; }
};

// Formats with an offset use the correction c (fma(f, da, c)); the others multiply by da (c is 0
// in their layout, and the fma would add exactly 0, so mul is the same arithmetic).
template <class D, int MR, int NR>
static inline void q32_tile(const Q8XLayout& l, const uint8_t* w, size_t ws, const uint8_t* a,
                            size_t as, float* y, int64_t ldy) {
  __m256 acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int t = 0; t < NR; ++t) acc[r][t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < l.nb; ++b) {
    __m256i wq[MR];
    __m256 dw[MR], mw[MR];
    for (int r = 0; r < MR; ++r) {
      const uint8_t* blk = w + r * ws + b * D::kBytes;
      wq[r] = D::q(blk);
      dw[r] = _mm256_set1_ps(h2f(D::d(blk)));
      if (D::kMin) mw[r] = _mm256_set1_ps(h2f(D::m(blk)));
    }
    for (int t = 0; t < NR; ++t) {
      const uint8_t* at = a + t * as;
      const __m256 da = _mm256_broadcast_ss(reinterpret_cast<const float*>(at + l.da) + b);
      const __m256 c = _mm256_broadcast_ss(reinterpret_cast<const float*>(at + l.c) + b);
      if (D::kSigned) {
        const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + l.qa + b * 32));
        const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + b * 32));
        for (int r = 0; r < MR; ++r) {
          const __m256 f = _mm256_cvtepi32_ps(dot_u8s8(qa, _mm256_sign_epi8(wq[r], qs)));
          acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(f, da), dw[r], acc[r][t]);
        }
      } else {
        const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + b * 32));
        for (int r = 0; r < MR; ++r) {
          const __m256 f = _mm256_cvtepi32_ps(dot_u8s8(wq[r], qs));
          if (D::kMin) {
            acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(f, da), dw[r], acc[r][t]);
            acc[r][t] = _mm256_fmadd_ps(mw[r], c, acc[r][t]);
          } else {
            acc[r][t] = _mm256_fmadd_ps(_mm256_fmadd_ps(f, da, c), dw[r], acc[r][t]);
          }
        }
      }
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int t = 0; t < NR; ++t) y[t * ldy + r] = hsum(acc[r][t]);
}

// ---- Drivers: tile the rows x tokens block, with smaller tiles at the edges -------------------

// Tile(MR, NR) is a callable template: Tile::template run<MR, NR>(w, a, y).
template <class Tile>
static inline void drive(const Tile& tile, int64_t nr, int64_t nt, size_t ws, size_t as, int64_t ldy,
                         const uint8_t* w, const uint8_t* a, float* y) {
  if (nt == 1) {
    int64_t r = 0;
    for (; r + 4 <= nr; r += 4) tile.template run<4, 1>(w + r * ws, a, y + r);
    for (; r < nr; ++r) tile.template run<1, 1>(w + r * ws, a, y + r);
    return;
  }
  int64_t t = 0;
  for (; t + 4 <= nt; t += 4) {
    int64_t r = 0;
    for (; r + 2 <= nr; r += 2) tile.template run<2, 4>(w + r * ws, a + t * as, y + t * ldy + r);
    if (r < nr) tile.template run<1, 4>(w + r * ws, a + t * as, y + t * ldy + r);
  }
  const int64_t rest = nt - t;
  if (rest == 0) return;
  for (int64_t r = 0; r < nr; r += 2) {
    const bool two = r + 2 <= nr;
    const uint8_t* wr = w + r * ws;
    const uint8_t* at = a + t * as;
    float* yr = y + t * ldy + r;
    if (rest == 3) {
      two ? tile.template run<2, 3>(wr, at, yr) : tile.template run<1, 3>(wr, at, yr);
    } else if (rest == 2) {
      two ? tile.template run<2, 2>(wr, at, yr) : tile.template run<1, 2>(wr, at, yr);
    } else {
      two ? tile.template run<2, 1>(wr, at, yr) : tile.template run<1, 1>(wr, at, yr);
    }
  }
}

template <class L>
struct FloatTile {
  int64_t n;
  size_t ws, as;
  int64_t ldy;
  template <int MR, int NR>
  void run(const uint8_t* w, const uint8_t* a, float* y) const {
    float_tile<L, MR, NR>(n, w, ws, a, as, y, ldy);
  }
};

template <class L>
void gemm_float(int64_t n, const void* w, size_t ws, int64_t nr, const void* a, size_t as,
                int64_t nt, float* y, int64_t ldy) {
  const FloatTile<L> tile{n, ws, as, ldy};
  drive(tile, nr, nt, ws, as, ldy, static_cast<const uint8_t*>(w), static_cast<const uint8_t*>(a), y);
}

template <class D>
struct Q32Tile {
  Q8XLayout l;
  size_t ws, as;
  int64_t ldy;
  template <int MR, int NR>
  void run(const uint8_t* w, const uint8_t* a, float* y) const {
    q32_tile<D, MR, NR>(l, w, ws, a, as, y, ldy);
  }
};

template <class D>
void gemm_q32(int64_t n, const void* w, size_t ws, int64_t nr, const void* a, size_t as,
              int64_t nt, float* y, int64_t ldy) {
  const Q32Tile<D> tile{q8x_layout(n, D::kSigned), ws, as, ldy};
  drive(tile, nr, nt, ws, as, ldy, static_cast<const uint8_t*>(w), static_cast<const uint8_t*>(a), y);
}

}  // namespace

namespace detail {

void avx2_fill_gemm_float(IsaTable& t) {
  t.matmul[static_cast<int>(TensorType::F32)].gemm = gemm_float<LoadF32>;
  t.matmul[static_cast<int>(TensorType::F16)].gemm = gemm_float<LoadF16>;
  t.matmul[static_cast<int>(TensorType::BF16)].gemm = gemm_float<LoadBF16>;
}

void avx2_fill_gemm_q32(IsaTable& t) {
  t.matmul[static_cast<int>(TensorType::Q8_0)].gemm = gemm_q32<DecQ8_0>;
  t.matmul[static_cast<int>(TensorType::IQ4_NL)].gemm = gemm_q32<DecIq4Nl>;
  t.matmul[static_cast<int>(TensorType::Q4_0)].gemm = gemm_q32<DecQ4_0>;
  t.matmul[static_cast<int>(TensorType::Q4_1)].gemm = gemm_q32<DecQ4_1>;
  t.matmul[static_cast<int>(TensorType::Q5_0)].gemm = gemm_q32<DecQ5_0>;
  t.matmul[static_cast<int>(TensorType::Q5_1)].gemm = gemm_q32<DecQ5_1>;
}

}  // namespace detail
}  // namespace edgellm::kernels
