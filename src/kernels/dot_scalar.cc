// Scalar reference dot products for the float and 32-element block formats, and the scalar
// MatmulKernel entries built from them. These define the numerics: integer sums inside a block
// are exact; blocks are combined in float, as GGUF runtimes do.
#include "base/fp16.h"
#include "kernels/ref_unpack.h"
#include "kernels/scalar.h"
#include "quant/blocks.h"

#include <cstring>

namespace edgellm::kernels::scalar {
namespace {

using namespace quant;

inline float h2f(uint16_t h) { return fp16_to_fp32(h); }

// ---- Float formats: activations are rounded to the weight's format, products summed in float.

float dot_f32(int64_t n, const void* vw, const void* va) {
  const float* w = static_cast<const float*>(vw);
  const float* a = static_cast<const float*>(va);
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += w[i] * a[i];
  return s;
}

float dot_f16(int64_t n, const void* vw, const void* va) {
  const uint16_t* w = static_cast<const uint16_t*>(vw);
  const uint16_t* a = static_cast<const uint16_t*>(va);
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += h2f(w[i]) * h2f(a[i]);
  return s;
}

float dot_bf16(int64_t n, const void* vw, const void* va) {
  const uint16_t* w = static_cast<const uint16_t*>(vw);
  const uint16_t* a = static_cast<const uint16_t*>(va);
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += bf16_to_fp32(w[i]) * bf16_to_fp32(a[i]);
  return s;
}

// ---- 32-element blocks against Q8_0 / Q8_1 activations.

float dot_q8_0(int64_t n, const void* vw, const void* va) {
  const block_q8_0* w = static_cast<const block_q8_0*>(vw);
  const block_q8_0* a = static_cast<const block_q8_0*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    int isum = 0;
    for (int j = 0; j < 32; ++j) isum += w[b].qs[j] * a[b].qs[j];
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum);
  }
  return s;
}

float dot_q4_0(int64_t n, const void* vw, const void* va) {
  const block_q4_0* w = static_cast<const block_q4_0*>(vw);
  const block_q8_0* a = static_cast<const block_q8_0*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += ((w[b].qs[j] & 0xF) - 8) * a[b].qs[j];
      isum += ((w[b].qs[j] >> 4) - 8) * a[b].qs[j + 16];
    }
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum);
  }
  return s;
}

float dot_q4_1(int64_t n, const void* vw, const void* va) {
  const block_q4_1* w = static_cast<const block_q4_1*>(vw);
  const block_q8_1* a = static_cast<const block_q8_1*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += (w[b].qs[j] & 0xF) * a[b].qs[j];
      isum += (w[b].qs[j] >> 4) * a[b].qs[j + 16];
    }
    // The min term uses the activation's precomputed s = d * sum(q).
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum) + h2f(w[b].m) * h2f(a[b].s);
  }
  return s;
}

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

float dot_q5_0(int64_t n, const void* vw, const void* va) {
  const block_q5_0* w = static_cast<const block_q5_0*>(vw);
  const block_q8_0* a = static_cast<const block_q8_0*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint32_t qh = load_u32(w[b].qh);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 = ((w[b].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16;
      const int q1 = ((w[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
      isum += q0 * a[b].qs[j] + q1 * a[b].qs[j + 16];
    }
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum);
  }
  return s;
}

float dot_q5_1(int64_t n, const void* vw, const void* va) {
  const block_q5_1* w = static_cast<const block_q5_1*>(vw);
  const block_q8_1* a = static_cast<const block_q8_1*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    const uint32_t qh = load_u32(w[b].qh);
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      const int q0 = (w[b].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int q1 = (w[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      isum += q0 * a[b].qs[j] + q1 * a[b].qs[j + 16];
    }
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum) + h2f(w[b].m) * h2f(a[b].s);
  }
  return s;
}

float dot_iq4_nl(int64_t n, const void* vw, const void* va) {
  const block_iq4_nl* w = static_cast<const block_iq4_nl*>(vw);
  const block_q8_0* a = static_cast<const block_q8_0*>(va);
  float s = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      isum += ref::kIq4nlValues[w[b].qs[j] & 0xF] * a[b].qs[j];
      isum += ref::kIq4nlValues[w[b].qs[j] >> 4] * a[b].qs[j + 16];
    }
    s += h2f(w[b].d) * h2f(a[b].d) * static_cast<float>(isum);
  }
  return s;
}

// ---- Generic gemm over a row dot product, and activation row sizes.

template <float (*Dot)(int64_t, const void*, const void*)>
void gemm(int64_t n, const void* w, size_t w_stride, int64_t nr, const void* a, size_t a_stride,
          int64_t nt, float* y, int64_t ldy) {
  const uint8_t* wb = static_cast<const uint8_t*>(w);
  const uint8_t* ab = static_cast<const uint8_t*>(a);
  for (int64_t t = 0; t < nt; ++t) {
    for (int64_t r = 0; r < nr; ++r) {
      y[t * ldy + r] = Dot(n, wb + r * w_stride, ab + t * a_stride);
    }
  }
}

size_t bytes_f32(int64_t n) { return n * 4; }
size_t bytes_16(int64_t n) { return n * 2; }
size_t bytes_q8_0(int64_t n) { return n / 32 * sizeof(block_q8_0); }
size_t bytes_q8_1(int64_t n) { return n / 32 * sizeof(block_q8_1); }

}  // namespace

void fill_matmul(IsaTable& t) {
  auto set = [&t](TensorType type, GemmFn g, ConvertRowFn c, size_t (*bytes)(int64_t),
                  int64_t block) {
    t.matmul[static_cast<int>(type)] = MatmulKernel{g, c, bytes, block};
  };
  set(TensorType::F32, gemm<dot_f32>, nullptr, bytes_f32, 1);
  set(TensorType::F16, gemm<dot_f16>, to_f16, bytes_16, 1);
  set(TensorType::BF16, gemm<dot_bf16>, to_bf16, bytes_16, 1);
  set(TensorType::Q8_0, gemm<dot_q8_0>, quantize_q8_0, bytes_q8_0, 32);
  set(TensorType::Q4_0, gemm<dot_q4_0>, quantize_q8_0, bytes_q8_0, 32);
  set(TensorType::Q4_1, gemm<dot_q4_1>, quantize_q8_1, bytes_q8_1, 32);
  set(TensorType::Q5_0, gemm<dot_q5_0>, quantize_q8_0, bytes_q8_0, 32);
  set(TensorType::Q5_1, gemm<dot_q5_1>, quantize_q8_1, bytes_q8_1, 32);
  set(TensorType::IQ4_NL, gemm<dot_iq4_nl>, quantize_q8_0, bytes_q8_0, 32);
}

}  // namespace edgellm::kernels::scalar
