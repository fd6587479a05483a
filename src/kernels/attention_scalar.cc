// Scalar inner loops of the fused attention: query-key scores against an F16 or Q8_0 cache, and
// the probability-weighted sum of value rows. The query is already in the cache's dot format (F16
// or Q8_0), as GGUF runtimes convert it before their K.Q product; sums are in float.
#include <cmath>

#include "base/fp16.h"
#include "kernels/scalar.h"
#include "quant/blocks.h"

namespace edgellm::kernels::scalar {
namespace {

using quant::block_q8_0;

void kq_f16(const void* vq, const void* k, size_t k_stride, int64_t n, int head_dim,
            float* scores) {
  const uint16_t* q = static_cast<const uint16_t*>(vq);
  for (int64_t j = 0; j < n; ++j) {
    const uint16_t* kr =
        reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(k) + j * k_stride);
    float s = 0.0f;
    for (int d = 0; d < head_dim; ++d) s += fp16_to_fp32(q[d]) * fp16_to_fp32(kr[d]);
    scores[j] = s;
  }
}

void kq_q8_0(const void* vq, const void* k, size_t k_stride, int64_t n, int head_dim,
             float* scores) {
  const block_q8_0* q = static_cast<const block_q8_0*>(vq);
  for (int64_t j = 0; j < n; ++j) {
    const block_q8_0* kr =
        reinterpret_cast<const block_q8_0*>(static_cast<const uint8_t*>(k) + j * k_stride);
    float s = 0.0f;
    for (int b = 0; b < head_dim / 32; ++b) {
      int isum = 0;
      for (int i = 0; i < 32; ++i) isum += q[b].qs[i] * kr[b].qs[i];
      s += fp16_to_fp32(kr[b].d) * fp16_to_fp32(q[b].d) * static_cast<float>(isum);
    }
    scores[j] = s;
  }
}

void pv_f16(const float* p, const void* v, size_t v_stride, int64_t n, int head_dim, float s,
            float* acc) {
  for (int d = 0; d < head_dim; ++d) acc[d] *= s;
  for (int64_t j = 0; j < n; ++j) {
    if (p[j] == 0.0f) continue;
    const uint16_t* vr =
        reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(v) + j * v_stride);
    for (int d = 0; d < head_dim; ++d) acc[d] += p[j] * fp16_to_fp32(vr[d]);
  }
}

void pv_q8_0(const float* p, const void* v, size_t v_stride, int64_t n, int head_dim, float s,
             float* acc) {
  for (int d = 0; d < head_dim; ++d) acc[d] *= s;
  for (int64_t j = 0; j < n; ++j) {
    if (p[j] == 0.0f) continue;
    const block_q8_0* vr =
        reinterpret_cast<const block_q8_0*>(static_cast<const uint8_t*>(v) + j * v_stride);
    for (int b = 0; b < head_dim / 32; ++b) {
      const float pd = p[j] * fp16_to_fp32(vr[b].d);
      for (int i = 0; i < 32; ++i) acc[b * 32 + i] += pd * vr[b].qs[i];
    }
  }
}

float exp_sum(float* x, int64_t n, float m) {
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) {
    const float e = x[j] == -INFINITY ? 0.0f : std::exp(x[j] - m);
    x[j] = e;
    sum += e;
  }
  return sum;
}

}  // namespace

void fill_attention(IsaTable& t) {
  t.exp_sum = exp_sum;
  t.kq_f16 = kq_f16;
  t.kq_q8_0 = kq_q8_0;
  t.pv_f16 = pv_f16;
  t.pv_q8_0 = pv_q8_0;
}

}  // namespace edgellm::kernels::scalar
