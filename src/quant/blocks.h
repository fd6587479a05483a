// GGUF quantized block layouts, bit-compatible with the files the GGUF ecosystem writes. Each block
// covers QK elements of one row; a row is a sequence of blocks. `d`/`dmin`/`m` fields are IEEE
// half floats stored as raw bits (see base/fp16.h).
#pragma once

#include <cstdint>

namespace edgellm::quant {

constexpr int QK4_0 = 32;
constexpr int QK4_1 = 32;
constexpr int QK5_0 = 32;
constexpr int QK5_1 = 32;
constexpr int QK8_0 = 32;
constexpr int QK8_1 = 32;
constexpr int QK4_NL = 32;
constexpr int QK_K = 256;          // super-block size of the k-quants
constexpr int K_SCALE_SIZE = 12;   // packed 6-bit scales and mins of Q4_K / Q5_K

// 4.5 bits per weight: x = d * (q - 8), q in [0, 15].
struct block_q4_0 {
  uint16_t d;               // scale (f16)
  uint8_t qs[QK4_0 / 2];    // nibbles: low = elements 0..15, high = elements 16..31
};
static_assert(sizeof(block_q4_0) == 2 + QK4_0 / 2, "wrong q4_0 block size");

// 5 bits per weight: x = d * q + m, q in [0, 15].
struct block_q4_1 {
  uint16_t d;               // scale (f16)
  uint16_t m;               // minimum (f16)
  uint8_t qs[QK4_1 / 2];
};
static_assert(sizeof(block_q4_1) == 4 + QK4_1 / 2, "wrong q4_1 block size");

// 5.5 bits per weight: x = d * (q - 16), q in [0, 31]; the fifth bits are in qh.
struct block_q5_0 {
  uint16_t d;
  uint8_t qh[4];            // bit j = fifth bit of element j
  uint8_t qs[QK5_0 / 2];
};
static_assert(sizeof(block_q5_0) == 2 + 4 + QK5_0 / 2, "wrong q5_0 block size");

// 6 bits per weight: x = d * q + m, q in [0, 31].
struct block_q5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[QK5_1 / 2];
};
static_assert(sizeof(block_q5_1) == 4 + 4 + QK5_1 / 2, "wrong q5_1 block size");

// 8.5 bits per weight: x = d * q.
struct block_q8_0 {
  uint16_t d;
  int8_t qs[QK8_0];
};
static_assert(sizeof(block_q8_0) == 2 + QK8_0, "wrong q8_0 block size");

// Activations for the Q4_1/Q5_1 dot products: x = d * q, s = d * sum(q).
struct block_q8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[QK8_1];
};
static_assert(sizeof(block_q8_1) == 4 + QK8_1, "wrong q8_1 block size");

// 2.625 bits per weight: 16 sub-blocks of 16, each with a 4-bit scale and a 4-bit min.
// x = d * (scales[j] & 0xF) * q - dmin * (scales[j] >> 4), q in [0, 3].
struct block_q2_K {
  uint8_t scales[QK_K / 16];
  uint8_t qs[QK_K / 4];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(block_q2_K) == 2 * 2 + QK_K / 16 + QK_K / 4, "wrong q2_K block size");

// 3.4375 bits per weight: 16 sub-blocks of 16 with 6-bit scales; the third bit is in hmask.
struct block_q3_K {
  uint8_t hmask[QK_K / 8];
  uint8_t qs[QK_K / 4];
  uint8_t scales[12];       // 16 packed 6-bit scales
  uint16_t d;
};
static_assert(sizeof(block_q3_K) == 2 + QK_K / 4 + QK_K / 8 + 12, "wrong q3_K block size");

// 4.5 bits per weight: 8 sub-blocks of 32 with 6-bit scales and mins.
struct block_q4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[K_SCALE_SIZE];
  uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_q4_K) == 2 * 2 + K_SCALE_SIZE + QK_K / 2, "wrong q4_K block size");

// 5.5 bits per weight: as Q4_K, with the fifth bits in qh.
struct block_q5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[K_SCALE_SIZE];
  uint8_t qh[QK_K / 8];
  uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_q5_K) == 2 * 2 + K_SCALE_SIZE + QK_K / 2 + QK_K / 8, "wrong q5_K block size");

// 6.5625 bits per weight: 16 sub-blocks of 16 with 8-bit scales. x = d * scales[j] * (q - 32).
struct block_q6_K {
  uint8_t ql[QK_K / 2];     // low 4 bits
  uint8_t qh[QK_K / 4];     // high 2 bits
  int8_t scales[QK_K / 16];
  uint16_t d;
};
static_assert(sizeof(block_q6_K) == 2 + QK_K / 16 + 3 * QK_K / 4, "wrong q6_K block size");

// Activations for the k-quant dot products: x = d * q, bsums = sums of groups of 16 q's.
struct block_q8_K {
  float d;
  int8_t qs[QK_K];
  int16_t bsums[QK_K / 16];
};
static_assert(sizeof(block_q8_K) == 4 + QK_K + QK_K / 16 * 2, "wrong q8_K block size");

// 4.5 bits per weight, non-linear: x = d * kvalues_iq4nl[q].
struct block_iq4_nl {
  uint16_t d;
  uint8_t qs[QK4_NL / 2];
};
static_assert(sizeof(block_iq4_nl) == 2 + QK4_NL / 2, "wrong iq4_nl block size");

// 4.25 bits per weight: IQ4_NL values with 6-bit sub-block scales over a 256 super-block.
struct block_iq4_xs {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[QK_K / 64];
  uint8_t qs[QK_K / 2];
};
static_assert(sizeof(block_iq4_xs) == 2 + 2 + QK_K / 64 + QK_K / 2, "wrong iq4_xs block size");

}  // namespace edgellm::quant
