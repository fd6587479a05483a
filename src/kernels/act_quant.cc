// Scalar conversion of float activations to the formats the integer and half-precision dot
// products consume (Q8_0, Q8_1, Q8_K, F16, BF16), and the public quantize_row_* entry points.
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/scalar.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace scalar {
namespace {

using quant::block_q8_0;
using quant::block_q8_1;
using quant::block_q8_K;

// Round to nearest, ties to even (the default rounding mode of the SIMD conversions). Using the
// same rounding on every path keeps quantized activations bit-identical across ISAs.
inline int round_even(float v) { return static_cast<int>(std::nearbyint(v)); }

// Shared by Q8_0 and Q8_1: fills qs, returns the float scale d and the sum of the quants.
inline float quantize_block32(const float* x, int8_t* qs, int* sum) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  // GGUF runtimes on x86 multiply by 127 / amax (not by 1 / d); the two differ in the last bit
  // for some amax, which flips the rounding of an occasional activation.
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  int s = 0;
  for (int j = 0; j < 32; ++j) {
    const int q = round_even(x[j] * id);
    qs[j] = static_cast<int8_t>(q);
    s += q;
  }
  *sum = s;
  return d;
}

}  // namespace

void quantize_q8_0(const float* x, void* vy, int64_t n) {
  block_q8_0* y = static_cast<block_q8_0*>(vy);
  for (int64_t i = 0; i < n / 32; ++i) {
    int sum;
    const float d = quantize_block32(x + i * 32, y[i].qs, &sum);
    y[i].d = fp32_to_fp16(d);
  }
}

void quantize_q8_1(const float* x, void* vy, int64_t n) {
  block_q8_1* y = static_cast<block_q8_1*>(vy);
  for (int64_t i = 0; i < n / 32; ++i) {
    int sum;
    const float d = quantize_block32(x + i * 32, y[i].qs, &sum);
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(d * static_cast<float>(sum));  // the float d, not its F16 rounding
  }
}

void quantize_q8_K(const float* x, void* vy, int64_t n) {
  block_q8_K* y = static_cast<block_q8_K*>(vy);
  for (int64_t i = 0; i < n / 256; ++i) {
    const float* xb = x + i * 256;
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < 256; ++j) {
      const float ax = std::fabs(xb[j]);
      if (ax > amax) {
        amax = ax;
        max = xb[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&y[i], 0, sizeof(block_q8_K));
      continue;
    }
    // The largest element maps to -127 whatever its sign: k-quant kernels rely on |q| <= 127.
    const float iscale = -127.0f / max;
    for (int j = 0; j < 256; ++j) {
      const int v = round_even(iscale * xb[j]);
      y[i].qs[j] = static_cast<int8_t>(v > 127 ? 127 : v);
    }
    for (int g = 0; g < 16; ++g) {
      int s = 0;
      for (int j = 0; j < 16; ++j) s += y[i].qs[g * 16 + j];
      y[i].bsums[g] = static_cast<int16_t>(s);
    }
    y[i].d = 1.0f / iscale;
  }
}

void to_f16(const float* x, void* vy, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(vy);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void to_bf16(const float* x, void* vy, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(vy);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

}  // namespace scalar

void quantize_row_q8_0(const float* x, void* y, int64_t n) {
  detail::active_table().quantize_q8_0(x, y, n);
}
void quantize_row_q8_1(const float* x, void* y, int64_t n) {
  detail::active_table().quantize_q8_1(x, y, n);
}
void quantize_row_q8_K(const float* x, void* y, int64_t n) {
  detail::active_table().quantize_q8_K(x, y, n);
}

}  // namespace edgellm::kernels
