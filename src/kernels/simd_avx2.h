// Internal, for *_avx2.cc files only (they are compiled with -mavx2 -mfma -mf16c): small helpers
// with internal linkage (static), so no AVX2 code can leak into other translation units.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_type.h"  // the TensorType enum only (nothing here calls its inline functions)
#include "kernels/isa_table.h"

namespace edgellm::kernels::avx2 {

// Fixed-order horizontal sum: every kernel reduces its 8 lanes the same way, so a result never
// depends on which tile shape computed it.
static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// 8 unsigned x signed byte products summed in pairs, then in fours, into 8 int32 lanes.
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// 32 nibbles: low halves of 16 bytes become elements 0..15, high halves 16..31.
static inline __m256i unpack_nibbles(const uint8_t* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes of 0xFF where the bit is set.
static inline __m256i bits_to_bytes(uint32_t bits) {
  const __m256i shuf = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                          0x0202020202020202LL, 0x0303030303030303LL);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf);
  const __m256i mask = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL);
  v = _mm256_or_si256(v, mask);
  return _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1));
}

}  // namespace edgellm::kernels::avx2

namespace edgellm::kernels::detail {

// Filled by the AVX2 files (declared here so that ops_avx2.cc can assemble the table).
void avx2_fill_convert(IsaTable& t);
void avx2_fill_gemm_float(IsaTable& t);
void avx2_fill_gemm_q32(IsaTable& t);
void avx2_fill_gemm_kquant(IsaTable& t);
void avx2_fill_ops(IsaTable& t);

}  // namespace edgellm::kernels::detail
