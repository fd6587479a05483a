// Helpers for the kernel tests: random matrices in every weight format (random quants with sane
// scales), float references computed in double, and the list of ISAs to compare.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "base/fp16.h"
#include "gguf/tensor_type.h"
#include "kernels/dispatch.h"
#include "kernels/kernels.h"
#include "quant/blocks.h"

namespace edgellm::kernels::testing {

inline std::vector<float> random_floats(int64_t n, uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A rows x cols matrix of `type` with random quants and scales in a realistic range, so that
// every bit pattern of the quant fields is exercised.
inline std::vector<uint8_t> random_matrix(TensorType type, int64_t rows, int64_t cols,
                                          uint32_t seed) {
  const size_t row_bytes = row_size(type, cols);
  std::vector<uint8_t> data(row_bytes * rows + 64);
  std::mt19937 rng(seed);
  for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(0.002f, 0.02f);
  std::uniform_real_distribution<float> val(-1.0f, 1.0f);
  auto h = [&](float f) { return fp32_to_fp16(f); };
  const int64_t n = rows * cols;
  using namespace quant;
  switch (type) {
    case TensorType::F32: {
      float* f = reinterpret_cast<float*>(data.data());
      for (int64_t i = 0; i < n; ++i) f[i] = val(rng);
      break;
    }
    case TensorType::F16: {
      uint16_t* f = reinterpret_cast<uint16_t*>(data.data());
      for (int64_t i = 0; i < n; ++i) f[i] = h(val(rng));
      break;
    }
    case TensorType::BF16: {
      uint16_t* f = reinterpret_cast<uint16_t*>(data.data());
      for (int64_t i = 0; i < n; ++i) f[i] = fp32_to_bf16(val(rng));
      break;
    }
#define EDGELLM_FIX_BLOCKS(BLOCK, QK, ...)                             \
  {                                                                    \
    BLOCK* b = reinterpret_cast<BLOCK*>(data.data());                  \
    for (int64_t i = 0; i < n / (QK); ++i) {                           \
      __VA_ARGS__;                                                     \
    }                                                                  \
    break;                                                             \
  }
    case TensorType::Q4_0: EDGELLM_FIX_BLOCKS(block_q4_0, 32, b[i].d = h(scale(rng)))
    case TensorType::Q4_1: EDGELLM_FIX_BLOCKS(block_q4_1, 32, b[i].d = h(scale(rng)); b[i].m = h(-8 * scale(rng)))
    case TensorType::Q5_0: EDGELLM_FIX_BLOCKS(block_q5_0, 32, b[i].d = h(scale(rng)))
    case TensorType::Q5_1: EDGELLM_FIX_BLOCKS(block_q5_1, 32, b[i].d = h(scale(rng)); b[i].m = h(-16 * scale(rng)))
    // Q8_0 quantizers emit [-127, 127]; -128 never occurs in real files (the SIMD paths, like
    // those of other GGUF runtimes, move signs between operands and assume it does not).
    case TensorType::Q8_0: EDGELLM_FIX_BLOCKS(block_q8_0, 32, b[i].d = h(scale(rng) / 8);
                                              for (int8_t& q : b[i].qs) q = q == -128 ? -127 : q)
    case TensorType::IQ4_NL: EDGELLM_FIX_BLOCKS(block_iq4_nl, 32, b[i].d = h(scale(rng) / 8))
    case TensorType::Q2_K: EDGELLM_FIX_BLOCKS(block_q2_K, 256, b[i].d = h(scale(rng)); b[i].dmin = h(scale(rng)))
    case TensorType::Q3_K: EDGELLM_FIX_BLOCKS(block_q3_K, 256, b[i].d = h(scale(rng) / 8))
    case TensorType::Q4_K: EDGELLM_FIX_BLOCKS(block_q4_K, 256, b[i].d = h(scale(rng) / 4); b[i].dmin = h(scale(rng) / 4))
    case TensorType::Q5_K: EDGELLM_FIX_BLOCKS(block_q5_K, 256, b[i].d = h(scale(rng) / 8); b[i].dmin = h(scale(rng) / 4))
    case TensorType::Q6_K: EDGELLM_FIX_BLOCKS(block_q6_K, 256, b[i].d = h(scale(rng) / 16))
    case TensorType::IQ4_XS: EDGELLM_FIX_BLOCKS(block_iq4_xs, 256, b[i].d = h(scale(rng) / 16))
#undef EDGELLM_FIX_BLOCKS
    default:
      break;
  }
  return data;
}

// The weight types matmul() supports.
inline std::vector<TensorType> matmul_types() {
  return {TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q8_0,
          TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
          TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
          TensorType::Q6_K, TensorType::IQ4_NL, TensorType::IQ4_XS};
}

// The activation format matmul() converts x to for weights of `type`.
inline TensorType activation_type(TensorType type) {
  switch (type) {
    case TensorType::F32: return TensorType::F32;
    case TensorType::F16: return TensorType::F16;
    case TensorType::BF16: return TensorType::BF16;
    case TensorType::Q4_1:
    case TensorType::Q5_1: return TensorType::Q8_1;
    case TensorType::Q4_0:
    case TensorType::Q5_0:
    case TensorType::Q8_0:
    case TensorType::IQ4_NL: return TensorType::Q8_0;
    default: return TensorType::Q8_K;
  }
}

// x rounded through the activation format of `type` (what the integer dot products see).
inline std::vector<float> round_activations(TensorType type, const float* x, int64_t n) {
  const TensorType at = activation_type(type);
  std::vector<float> out(n);
  if (at == TensorType::F32) {
    std::memcpy(out.data(), x, n * sizeof(float));
    return out;
  }
  std::vector<uint8_t> buf(row_size(at, n) + 64);
  switch (at) {
    case TensorType::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
      return out;
    case TensorType::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
      return out;
    case TensorType::Q8_0: quantize_row_q8_0(x, buf.data(), n); break;
    case TensorType::Q8_1: quantize_row_q8_1(x, buf.data(), n); break;
    default: quantize_row_q8_K(x, buf.data(), n); break;
  }
  dequantize_row(at, buf.data(), out.data(), n);
  return out;
}

}  // namespace edgellm::kernels::testing
