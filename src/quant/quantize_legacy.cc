// Reference quantizers of the plain float types and the 32-element block formats (Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q8_1): one scale (and a minimum for the _1 variants) per block, chosen from
// the block's extreme values, then round to nearest. The conversions to small integers truncate
// after adding the offset + 0.5, exactly as the reference does, so the output bytes match it.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/internal.h"

namespace edgellm::quant::detail {
namespace {

// Largest-magnitude element of a block, with its sign (the first one on ties).
float signed_max(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int n, float* min, float* max) {
  *min = INFINITY;
  *max = -INFINITY;
  for (int j = 0; j < n; ++j) {
    *min = std::min(*min, x[j]);
    *max = std::max(*max, x[j]);
  }
}

// float -> small non-negative integer by truncation, as a C cast does for values in range. Out-of-
// range values (only reachable from non-finite input) saturate instead of being undefined.
int trunc_level(float v, int hi) {
  if (!(v > 0.0f)) return 0;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

}  // namespace

void quantize_f32(const float* x, void* dst, int64_t n, const float*) {
  std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}

void quantize_f16(const float* x, void* dst, int64_t n, const float*) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void quantize_bf16(const float* x, void* dst, int64_t n, const float*) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

void quantize_q4_0(const float* x, void* dst, int64_t n, const float*) {
  block_q4_0* y = static_cast<block_q4_0*>(dst);
  for (int64_t i = 0; i < n / QK4_0; ++i, x += QK4_0) {
    // The extreme element maps to level -8 exactly; the other side then reaches at most +8,
    // which is clamped to 7.
    const float d = signed_max(x, QK4_0) / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < QK4_0 / 2; ++j) {
      const int q0 = std::min(15, trunc_level(x[j] * id + 8.5f, 16));
      const int q1 = std::min(15, trunc_level(x[j + QK4_0 / 2] * id + 8.5f, 16));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quantize_q4_1(const float* x, void* dst, int64_t n, const float*) {
  block_q4_1* y = static_cast<block_q4_1*>(dst);
  for (int64_t i = 0; i < n / QK4_1; ++i, x += QK4_1) {
    float min, max;
    min_max(x, QK4_1, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    for (int j = 0; j < QK4_1 / 2; ++j) {
      const int q0 = std::min(15, trunc_level((x[j] - min) * id + 0.5f, 16));
      const int q1 = std::min(15, trunc_level((x[j + QK4_1 / 2] - min) * id + 0.5f, 16));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quantize_q5_0(const float* x, void* dst, int64_t n, const float*) {
  block_q5_0* y = static_cast<block_q5_0*>(dst);
  for (int64_t i = 0; i < n / QK5_0; ++i, x += QK5_0) {
    const float d = signed_max(x, QK5_0) / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < QK5_0 / 2; ++j) {
      const int q0 = std::min(31, trunc_level(x[j] * id + 16.5f, 32));
      const int q1 = std::min(31, trunc_level(x[j + QK5_0 / 2] * id + 16.5f, 32));
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + QK5_0 / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof(qh));
  }
}

void quantize_q5_1(const float* x, void* dst, int64_t n, const float*) {
  block_q5_1* y = static_cast<block_q5_1*>(dst);
  for (int64_t i = 0; i < n / QK5_1; ++i, x += QK5_1) {
    float min, max;
    min_max(x, QK5_1, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < QK5_1 / 2; ++j) {
      // The largest element lands on 31.5 before truncation: level 31, no clamp needed.
      const int q0 = trunc_level((x[j] - min) * id + 0.5f, 31);
      const int q1 = trunc_level((x[j + QK5_1 / 2] - min) * id + 0.5f, 31);
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + QK5_1 / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof(qh));
  }
}

namespace {

// Symmetric 8-bit levels: d = amax / 127, q = round(x / d) with ties away from zero (roundf).
float quantize_8bit_block(const float* x, int8_t* qs, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < n; ++j) {
    const float r = std::round(x[j] * id);
    qs[j] = static_cast<int8_t>(std::isfinite(r) ? std::clamp(r, -127.0f, 127.0f) : 0.0f);
  }
  return d;
}

}  // namespace

void quantize_q8_0(const float* x, void* dst, int64_t n, const float*) {
  block_q8_0* y = static_cast<block_q8_0*>(dst);
  for (int64_t i = 0; i < n / QK8_0; ++i, x += QK8_0) {
    y[i].d = fp32_to_fp16(quantize_8bit_block(x, y[i].qs, QK8_0));
  }
}

void quantize_q8_1(const float* x, void* dst, int64_t n, const float*) {
  block_q8_1* y = static_cast<block_q8_1*>(dst);
  for (int64_t i = 0; i < n / QK8_1; ++i, x += QK8_1) {
    const float d = quantize_8bit_block(x, y[i].qs, QK8_1);
    int sum = 0;
    for (int j = 0; j < QK8_1; ++j) sum += y[i].qs[j];
    y[i].d = fp32_to_fp16(d);
    // s = d * sum(q): lets a dot product with an asymmetric block add min * sum(x) in one step.
    y[i].s = fp32_to_fp16(static_cast<float>(sum) * d);
  }
}

}  // namespace edgellm::quant::detail
