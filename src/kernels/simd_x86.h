// Internal, for the x86 kernel translation units only (kernels_avx2.cc, kernels_*avx512.cc, which
// are compiled with their ISA's flags): small helpers with internal linkage (static), so that no
// wide-ISA code can leak into other translation units.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_type.h"  // the TensorType enum only (nothing here calls its inline functions)
#include "kernels/isa_table.h"

namespace edgellm::kernels::x86 {

// Decode streams each weight row once, one row after the other (a single sequential stream per
// thread, which the hardware prefetchers follow best): the products prefetch this many bytes
// ahead of the block they are reading. Measured on the decode_chain benchmark (weights far
// larger than the last-level cache): 2 - 8 KiB ahead is the plateau; without it a core reaches
// about half of the machine's read bandwidth.
constexpr size_t kPrefetchBytes = 4096;

static inline void prefetch_ahead(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
}

// Fixed-order horizontal sum: every kernel reduces its 8 lanes the same way, so a result never
// depends on which tile shape computed it.
static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// Unsigned x signed byte products summed in fours into 8 int32 lanes. Callers keep every pair
// sum within int16 (|u| * |s| * 2 < 32768), so maddubs never saturates and the VNNI instruction
// gives the very same integers.
static inline __m256i dot_u8s8(__m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// acc + pairwise int16 products summed into int32 lanes (madd then add): one vpdpwssd with
// AVX-512 VNNI, the very same integers.
static inline __m256i madd_acc(__m256i acc, __m256i a, __m256i b) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpwssd_epi32(acc, a, b);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

// 32 nibbles: low halves of 16 bytes become elements 0..15, high halves 16..31.
static inline __m256i unpack_nibbles(const uint8_t* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 32 bits -> 32 bytes of 0xFF where the bit is set.
static inline __m256i bits_to_bytes(uint32_t bits) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
  return _mm256_movm_epi8(static_cast<__mmask32>(bits));  // one instruction, the same bytes
#else
  const __m256i shuf = _mm256_setr_epi64x(0x0000000000000000LL, 0x0101010101010101LL,
                                          0x0202020202020202LL, 0x0303030303030303LL);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuf);
  const __m256i mask = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfeLL);
  v = _mm256_or_si256(v, mask);
  return _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1));
#endif
}

}  // namespace edgellm::kernels::x86
