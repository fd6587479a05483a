// Bit packing of level indices and sub-block scales into the GGUF block layouts, shared by the
// reference and the optimized quantizers. Each function is the inverse of the matching
// dequantize_* in dequantize.cc.
#pragma once

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"

namespace edgellm::quant::detail {

// 32 values in 0..15 -> 16 bytes: byte j holds element j (low nibble) and j + 16 (high nibble).
// The layout of Q4_0, Q4_1, IQ4_NL and each 32-element group of IQ4_XS.
inline void pack_nibbles_32(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

// 32 values in 0..31 -> low nibbles as above plus the fifth bits in a little-endian u32.
inline void pack_q5_32(const uint8_t* L, uint8_t* qs, uint8_t qh_out[4]) {
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((L[j] & 0x0F) | ((L[j + 16] & 0x0F) << 4));
    qh |= static_cast<uint32_t>((L[j] >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((L[j + 16] >> 4) & 1) << (j + 16);
  }
  std::memcpy(qh_out, &qh, 4);
}

// 256 values in 0..3 -> 64 bytes: byte l of each 32-byte group holds elements l, l + 32, l + 64
// and l + 96 of its 128 in bits 0-1, 2-3, 4-5, 6-7 (Q2_K, and the low bits of Q3_K).
inline void pack_2bit_256(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < QK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                            (L[j + l + 96] << 6));
    }
  }
}

// Q3_K: levels 0..7 (value level - 4) and 16 scale codes 0..63 (value code - 32).
inline void pack_q3_K(const uint8_t* L, const uint8_t* codes, block_q3_K* y) {
  std::memset(y->scales, 0, sizeof(y->scales));
  for (int j = 0; j < 16; ++j) {
    const int l = codes[j];
    if (j < 8) {
      y->scales[j] = static_cast<uint8_t>(l & 0x0F);
    } else {
      y->scales[j - 8] |= static_cast<uint8_t>((l & 0x0F) << 4);
    }
    y->scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
  }
  // Third bit of element j goes to bit j / 32 of hmask[j % 32].
  uint8_t low[QK_K];
  std::memset(y->hmask, 0, sizeof(y->hmask));
  for (int j = 0; j < QK_K; ++j) {
    low[j] = static_cast<uint8_t>(L[j] & 3);
    if (L[j] > 3) y->hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
  }
  pack_2bit_256(low, y->qs);
}

// Eight 6-bit scales and mins of Q4_K / Q5_K into 12 bytes (inverse of get_scale_min_k4).
inline void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* out) {
  // Codes 0..3: low 6 bits of bytes 0..3 (scales) and 4..7 (mins). Codes 4..7: low nibbles in
  // bytes 8..11 (scale | min << 4), top two bits in bits 6-7 of bytes 0..3 and 4..7.
  for (int j = 0; j < 4; ++j) {
    out[j] = static_cast<uint8_t>(ls[j] | ((ls[j + 4] >> 4) << 6));
    out[j + 4] = static_cast<uint8_t>(lm[j] | ((lm[j + 4] >> 4) << 6));
    out[j + 8] = static_cast<uint8_t>((ls[j + 4] & 0x0F) | ((lm[j + 4] & 0x0F) << 4));
  }
}

// Q4_K levels 0..15: each 32 bytes hold 64 elements, sub-block 2k in the low nibbles and 2k + 1
// in the high nibbles.
inline void pack_q4_K_levels(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < QK_K; j += 64, qs += 32) {
    for (int l = 0; l < 32; ++l) qs[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
  }
}

// Q5_K levels 0..31: low nibbles as Q4_K; the fifth bit of sub-block 2k / 2k + 1 in bit 2k /
// 2k + 1 of qh[l].
inline void pack_q5_K_levels(const uint8_t* L, uint8_t* qh, uint8_t* qs) {
  std::memset(qh, 0, QK_K / 8);
  uint8_t m1 = 1, m2 = 2;
  for (int j = 0; j < QK_K; j += 64, qs += 32) {
    for (int l = 0; l < 32; ++l) {
      int l1 = L[j + l], l2 = L[j + l + 32];
      if (l1 > 15) {
        l1 -= 16;
        qh[l] |= m1;
      }
      if (l2 > 15) {
        l2 -= 16;
        qh[l] |= m2;
      }
      qs[l] = static_cast<uint8_t>(l1 | (l2 << 4));
    }
    m1 = static_cast<uint8_t>(m1 << 2);
    m2 = static_cast<uint8_t>(m2 << 2);
  }
}

// Q6_K levels 0..63 (value level - 32): per 128 elements, ql[l] / ql[l + 32] hold the low
// nibbles of elements l, l + 64 / l + 32, l + 96; qh[l] their top two bits in the order l,
// l + 32, l + 64, l + 96.
inline void pack_q6_K_levels(const uint8_t* L, uint8_t* ql, uint8_t* qh) {
  for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      const int q1 = L[j + l] & 0x0F, q2 = L[j + l + 32] & 0x0F;
      const int q3 = L[j + l + 64] & 0x0F, q4 = L[j + l + 96] & 0x0F;
      ql[l] = static_cast<uint8_t>(q1 | (q3 << 4));
      ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
      qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                                   ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
    }
  }
}

// IQ4_XS: eight 6-bit scale codes (value code - 32) into scales_l / scales_h.
inline void pack_iq4_xs_scales(const uint8_t codes[8], block_iq4_xs* y) {
  y->scales_h = 0;
  std::memset(y->scales_l, 0, sizeof(y->scales_l));
  for (int ib = 0; ib < QK_K / 32; ++ib) {
    y->scales_l[ib / 2] |= static_cast<uint8_t>((codes[ib] & 0x0F) << (4 * (ib % 2)));
    y->scales_h |= static_cast<uint16_t>((codes[ib] >> 4) << (2 * ib));
  }
}

}  // namespace edgellm::quant::detail
