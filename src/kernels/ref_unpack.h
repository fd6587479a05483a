// Internal, scalar translation units only: unpacking of the k-quant scale fields and the 4-bit
// non-linear table, shared by the scalar dequantization and the scalar dot products. (Per-ISA
// files have their own copies; see the ODR note in isa_table.h.)
#pragma once

#include <cstdint>
#include <cstring>

namespace edgellm::kernels::ref {

// IQ4_NL / IQ4_XS code book.
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// Q4_K / Q5_K: the 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes.
inline void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q3_K: the 16 signed scales (already minus 32) from the 12 packed bytes: low 4 bits in bytes
// 0..7 (two per byte), high 2 bits in bytes 8..11.
inline void q3k_scales(const uint8_t* packed, int8_t out[16]) {
  for (int j = 0; j < 16; ++j) {
    const int lo = j < 8 ? (packed[j] & 0xF) : (packed[j - 8] >> 4);
    const int hi = (packed[8 + (j % 4)] >> (2 * (j / 4))) & 3;
    out[j] = static_cast<int8_t>((lo | (hi << 4)) - 32);
  }
}

// IQ4_XS: the 6-bit scale (minus 32) of sub-block ib (0..7).
inline int iq4xs_scale(uint16_t scales_h, const uint8_t* scales_l, int ib) {
  const int ls = ((scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scales_h >> (2 * ib)) & 3) << 4);
  return ls - 32;
}

}  // namespace edgellm::kernels::ref
