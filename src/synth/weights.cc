// Random block generation per format (see weights.h). For each format the comment gives the
// dequantization formula and the RMS of its level term when levels are uniform random; the block
// scale d is sigma divided by that RMS (times the RMS of the sub-block scales), so every format
// lands near the same standard deviation. tests/synth/weights_test.cc checks this by
// dequantizing with the reference code.
#include "synth/weights.h"

#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/pack.h"

namespace edgellm::synth {
namespace {

using namespace edgellm::quant;

// splitmix64: a 64-bit state stepped by a constant and finalized; fast and good enough for
// weights nobody will train.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  void bytes(uint8_t* dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const uint64_t v = next();
      std::memcpy(dst + i, &v, 8);
    }
    if (i < n) {
      const uint64_t v = next();
      std::memcpy(dst + i, &v, n - i);
    }
  }
  // About N(0, 1): the sum of four uniform 16-bit values, centred and scaled (Irwin-Hall, range
  // +-3.46). One 64-bit draw per value, no transcendental functions.
  float normal() {
    const uint64_t v = next();
    const uint32_t sum = static_cast<uint32_t>((v & 0xFFFF) + ((v >> 16) & 0xFFFF) +
                                               ((v >> 32) & 0xFFFF) + (v >> 48));
    return (static_cast<float>(sum) - 131070.0f) * (1.0f / 37837.2f);
  }
  uint8_t below(uint32_t n) { return static_cast<uint8_t>((next() >> 32) % n); }
};

uint16_t h(float x) { return fp32_to_fp16(x); }

// RMS of uniform levels: q - 8 for q in 0..15, q - 16 for q in 0..31 (Q4_0, Q5_0); the centred
// spread of q in 0..15 / 0..31 (Q4_1, Q5_1, and Q4_K / Q5_K with min = scale * mean).
constexpr float kRmsQ4Sym = 4.637f, kRmsQ5Sym = 9.247f;
constexpr float kStdQ4 = 4.610f, kStdQ5 = 9.233f;
constexpr float kRmsI8 = 73.90f;       // int8 over -128..127 (Q8_0 quants, Q6_K scales)
constexpr float kRms6Signed = 18.48f;  // code - 32 for codes 0..63 (Q3_K, Q6_K, IQ4_XS)
constexpr float kRms6 = 36.52f;        // codes 0..63 (Q4_K / Q5_K scales)
constexpr float kRmsQ3 = 2.345f;       // Q3_K levels -4..3
constexpr float kRms4 = 8.803f;        // 4-bit scales 0..15 (Q2_K)
constexpr float kStdQ2 = 1.118f;       // q - 1.5 for q in 0..3
constexpr float kRmsIq4 = 67.44f;      // the 16 IQ4_NL levels

template <class Block, class Fill>
void blocks(uint8_t* dst, int64_t n_blocks, Fill fill) {
  Block b;
  for (int64_t i = 0; i < n_blocks; ++i) {
    fill(b);
    std::memcpy(dst + i * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
  }
}

void row(TensorType type, Rng& rng, float sigma, int64_t n, uint8_t* dst) {
  switch (type) {
    case TensorType::F32:
    case TensorType::F16:
    case TensorType::BF16:
      return;  // float_rows() handles them
    case TensorType::Q4_0:  // x = d * (q - 8)
      return blocks<block_q4_0>(dst, n / QK4_0, [&](block_q4_0& b) {
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / kRmsQ4Sym);
      });
    case TensorType::Q4_1:  // x = d * q + m
      return blocks<block_q4_1>(dst, n / QK4_1, [&](block_q4_1& b) {
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / kStdQ4);
        b.m = h(-7.5f * sigma / kStdQ4);
      });
    case TensorType::Q5_0:  // x = d * (q - 16)
      return blocks<block_q5_0>(dst, n / QK5_0, [&](block_q5_0& b) {
        rng.bytes(b.qh, sizeof(b.qh));
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / kRmsQ5Sym);
      });
    case TensorType::Q5_1:  // x = d * q + m
      return blocks<block_q5_1>(dst, n / QK5_1, [&](block_q5_1& b) {
        rng.bytes(b.qh, sizeof(b.qh));
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / kStdQ5);
        b.m = h(-15.5f * sigma / kStdQ5);
      });
    case TensorType::Q8_0:  // x = d * q
      return blocks<block_q8_0>(dst, n / QK8_0, [&](block_q8_0& b) {
        rng.bytes(reinterpret_cast<uint8_t*>(b.qs), sizeof(b.qs));
        b.d = h(sigma / kRmsI8);
      });
    case TensorType::Q2_K:  // x = d * sc * q - dmin * m; m = sc and dmin = 1.5 d centre each group
      return blocks<block_q2_K>(dst, n / QK_K, [&](block_q2_K& b) {
        for (uint8_t& s : b.scales) {
          const uint8_t sc = rng.below(16);
          s = static_cast<uint8_t>(sc | (sc << 4));
        }
        rng.bytes(b.qs, sizeof(b.qs));
        const float d = sigma / (kRms4 * kStdQ2);
        b.d = h(d);
        b.dmin = h(1.5f * d);
      });
    case TensorType::Q3_K:  // x = d * (code - 32) * (q - 4); random codes have random signs
      return blocks<block_q3_K>(dst, n / QK_K, [&](block_q3_K& b) {
        rng.bytes(b.hmask, sizeof(b.hmask));
        rng.bytes(b.qs, sizeof(b.qs));
        rng.bytes(b.scales, sizeof(b.scales));
        b.d = h(sigma / (kRms6Signed * kRmsQ3));
      });
    case TensorType::Q4_K:  // x = d * sc * q - dmin * m; m = sc and dmin = 7.5 d
    case TensorType::Q5_K: {
      const bool five = type == TensorType::Q5_K;
      const float d = sigma / (kRms6 * (five ? kStdQ5 : kStdQ4));
      const float dmin = (five ? 15.5f : 7.5f) * d;
      auto scales = [&](uint8_t* out) {
        uint8_t ls[8];
        for (uint8_t& s : ls) s = rng.below(64);
        detail::pack_scale_min_k4(ls, ls, out);
      };
      if (five) {
        return blocks<block_q5_K>(dst, n / QK_K, [&](block_q5_K& b) {
          scales(b.scales);
          rng.bytes(b.qh, sizeof(b.qh));
          rng.bytes(b.qs, sizeof(b.qs));
          b.d = h(d), b.dmin = h(dmin);
        });
      }
      return blocks<block_q4_K>(dst, n / QK_K, [&](block_q4_K& b) {
        scales(b.scales);
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(d), b.dmin = h(dmin);
      });
    }
    case TensorType::Q6_K:  // x = d * scale * (q - 32), int8 scales
      return blocks<block_q6_K>(dst, n / QK_K, [&](block_q6_K& b) {
        rng.bytes(b.ql, sizeof(b.ql));
        rng.bytes(b.qh, sizeof(b.qh));
        rng.bytes(reinterpret_cast<uint8_t*>(b.scales), sizeof(b.scales));
        b.d = h(sigma / (kRmsI8 * kRms6Signed));
      });
    case TensorType::IQ4_NL:  // x = d * level[q]
      return blocks<block_iq4_nl>(dst, n / QK4_NL, [&](block_iq4_nl& b) {
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / kRmsIq4);
      });
    case TensorType::IQ4_XS:  // x = d * (code - 32) * level[q]
      return blocks<block_iq4_xs>(dst, n / QK_K, [&](block_iq4_xs& b) {
        rng.bytes(b.scales_l, sizeof(b.scales_l));
        uint8_t hbits[2];
        rng.bytes(hbits, 2);
        std::memcpy(&b.scales_h, hbits, 2);
        rng.bytes(b.qs, sizeof(b.qs));
        b.d = h(sigma / (kRms6Signed * kRmsIq4));
      });
    default:
      std::memset(dst, 0, row_size(type, n));  // unreachable under the precondition
      return;
  }
}

// The float types draw from a table of 65536 normal values (built once per call from the tensor's
// seed), indexed by 16 random bits: four elements per 64-bit draw and no per-element float
// conversion, which makes F16 as fast to generate as the block formats.
void float_rows(TensorType type, uint64_t seed, float sigma, int64_t first_row, int64_t n_rows,
                int64_t n, uint8_t* dst) {
  const size_t elem = type == TensorType::F32 ? 4 : 2;
  std::vector<uint8_t> table(elem << 16);
  Rng t{mix_seed(seed, ~0ull)};
  for (size_t i = 0; i < (1u << 16); ++i) {
    const float x = t.normal() * sigma;
    if (type == TensorType::F32) {
      std::memcpy(&table[i * 4], &x, 4);
    } else {
      const uint16_t v = type == TensorType::F16 ? fp32_to_fp16(x) : fp32_to_bf16(x);
      std::memcpy(&table[i * 2], &v, 2);
    }
  }
  for (int64_t r = 0; r < n_rows; ++r) {
    Rng rng{mix_seed(seed, static_cast<uint64_t>(first_row + r))};
    uint8_t* out = dst + static_cast<size_t>(r * n) * elem;
    for (int64_t i = 0; i < n; i += 4) {
      uint64_t v = rng.next();
      for (int64_t k = i; k < i + 4 && k < n; ++k, v >>= 16) {
        std::memcpy(out + static_cast<size_t>(k) * elem, &table[(v & 0xFFFF) * elem], elem);
      }
    }
  }
}

}  // namespace

bool can_generate(TensorType type) {
  switch (type) {
    case TensorType::F32: case TensorType::F16: case TensorType::BF16:
    case TensorType::Q4_0: case TensorType::Q4_1: case TensorType::Q5_0: case TensorType::Q5_1:
    case TensorType::Q8_0: case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K:
    case TensorType::Q5_K: case TensorType::Q6_K: case TensorType::IQ4_NL: case TensorType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

uint64_t hash_name(const char* name) {
  uint64_t x = 0xCBF29CE484222325ull;  // FNV-1a
  for (const char* p = name; *p; ++p) {
    x ^= static_cast<uint8_t>(*p);
    x *= 0x100000001B3ull;
  }
  return x;
}

uint64_t mix_seed(uint64_t seed, uint64_t value) {
  Rng r{seed ^ (value * 0xD1B54A32D192ED03ull)};
  return r.next();
}

void random_rows(TensorType type, uint64_t seed, float sigma, int64_t first_row, int64_t n_rows,
                 int64_t n_per_row, uint8_t* dst) {
  if (type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16) {
    return float_rows(type, seed, sigma, first_row, n_rows, n_per_row, dst);
  }
  const size_t rs = row_size(type, n_per_row);
  for (int64_t r = 0; r < n_rows; ++r) {
    Rng rng{mix_seed(seed, static_cast<uint64_t>(first_row + r))};
    row(type, rng, sigma, n_per_row, dst + static_cast<size_t>(r) * rs);
  }
}

}  // namespace edgellm::synth
