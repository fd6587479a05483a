// Scalar reference dot products of the 256-element super-block formats (Q2_K..Q6_K, IQ4_XS)
// against Q8_K activations. Each super-block is first unpacked into plain integers (quants, a
// scale per 16 elements, a min per 16 for the formats that have one); the integer sums are exact
// and each super-block adds d * sum - dmin * mins in float, as GGUF runtimes do.
#include <cstring>

#include "base/fp16.h"
#include "kernels/ref_unpack.h"
#include "kernels/scalar.h"
#include "quant/blocks.h"

namespace edgellm::kernels::scalar {
namespace {

using namespace quant;

// One unpacked super-block: x[e] = d * scale[e / 16] * q[e] - dmin * min[e / 16].
struct Unpacked {
  int8_t q[QK_K];
  int scale[16];
  int min[16];
  float d;
  float dmin;
};

void unpack(const block_q2_K& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = fp16_to_fp32(b.dmin);
  for (int g = 0; g < 16; ++g) {
    u.scale[g] = b.scales[g] & 0xF;
    u.min[g] = b.scales[g] >> 4;
  }
  for (int e = 0; e < QK_K; ++e) {
    const int half = e / 128, shift = 2 * ((e % 128) / 32), k = e % 32;
    u.q[e] = static_cast<int8_t>((b.qs[32 * half + k] >> shift) & 3);
  }
}

void unpack(const block_q3_K& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = 0.0f;
  int8_t sc[16];
  ref::q3k_scales(b.scales, sc);
  for (int g = 0; g < 16; ++g) {
    u.scale[g] = sc[g];
    u.min[g] = 0;
  }
  for (int e = 0; e < QK_K; ++e) {
    const int half = e / 128, j = (e % 128) / 32, k = e % 32;
    const int low = (b.qs[32 * half + k] >> (2 * j)) & 3;
    const bool high = (b.hmask[k] >> (4 * half + j)) & 1;
    u.q[e] = static_cast<int8_t>(low - (high ? 0 : 4));
  }
}

void unpack(const block_q4_K& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = fp16_to_fp32(b.dmin);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    ref::scale_min_k4(j, b.scales, &sc, &m);
    u.scale[2 * j] = u.scale[2 * j + 1] = sc;
    u.min[2 * j] = u.min[2 * j + 1] = m;
  }
  for (int e = 0; e < QK_K; ++e) {
    const int chunk = e / 64, k = e % 32;
    const uint8_t byte = b.qs[32 * chunk + k];
    u.q[e] = static_cast<int8_t>((e % 64) < 32 ? (byte & 0xF) : (byte >> 4));
  }
}

void unpack(const block_q5_K& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = fp16_to_fp32(b.dmin);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    ref::scale_min_k4(j, b.scales, &sc, &m);
    u.scale[2 * j] = u.scale[2 * j + 1] = sc;
    u.min[2 * j] = u.min[2 * j + 1] = m;
  }
  for (int e = 0; e < QK_K; ++e) {
    const int sub = e / 32, chunk = e / 64, k = e % 32;
    const uint8_t byte = b.qs[32 * chunk + k];
    const int low = (sub % 2 == 0) ? (byte & 0xF) : (byte >> 4);
    const int high = (b.qh[k] >> sub) & 1;
    u.q[e] = static_cast<int8_t>(low | (high << 4));
  }
}

void unpack(const block_q6_K& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = 0.0f;
  for (int g = 0; g < 16; ++g) {
    u.scale[g] = b.scales[g];
    u.min[g] = 0;
  }
  for (int e = 0; e < QK_K; ++e) {
    // Within a half of 128: quarter j of 32 takes ql[l] or ql[l + 32] (low or high nibble) and
    // bits 2j..2j+1 of qh[l].
    const int half = e / 128, j = (e % 128) / 32, l = e % 32;
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    const uint8_t lbyte = ql[l + 32 * (j & 1)];
    const int low = (j < 2) ? (lbyte & 0xF) : (lbyte >> 4);
    const int high = (qh[l] >> (2 * j)) & 3;
    u.q[e] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
}

void unpack(const block_iq4_xs& b, Unpacked& u) {
  u.d = fp16_to_fp32(b.d);
  u.dmin = 0.0f;
  for (int ib = 0; ib < 8; ++ib) {
    u.scale[2 * ib] = u.scale[2 * ib + 1] = ref::iq4xs_scale(b.scales_h, b.scales_l, ib);
    u.min[2 * ib] = u.min[2 * ib + 1] = 0;
    for (int j = 0; j < 16; ++j) {
      u.q[32 * ib + j] = ref::kIq4nlValues[b.qs[16 * ib + j] & 0xF];
      u.q[32 * ib + 16 + j] = ref::kIq4nlValues[b.qs[16 * ib + j] >> 4];
    }
  }
}

template <class Block>
float dot_k(int64_t n, const void* vw, const void* va) {
  const Block* w = static_cast<const Block*>(vw);
  const block_q8_K* a = static_cast<const block_q8_K*>(va);
  float s = 0.0f;
  Unpacked u;
  for (int64_t b = 0; b < n / QK_K; ++b) {
    unpack(w[b], u);
    int sumi = 0, summ = 0;
    for (int g = 0; g < 16; ++g) {
      int gs = 0;
      for (int l = 0; l < 16; ++l) gs += u.q[16 * g + l] * a[b].qs[16 * g + l];
      sumi += u.scale[g] * gs;
      summ += u.min[g] * a[b].bsums[g];
    }
    s += a[b].d * u.d * static_cast<float>(sumi) - a[b].d * u.dmin * static_cast<float>(summ);
  }
  return s;
}

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

size_t bytes_q8_K(int64_t n) { return n / QK_K * sizeof(block_q8_K); }

}  // namespace

void fill_matmul_kquants(IsaTable& t) {
  auto set = [&t](TensorType type, GemmFn g) {
    t.matmul[static_cast<int>(type)] = MatmulKernel{g, quantize_q8_K, bytes_q8_K, QK_K};
  };
  set(TensorType::Q2_K, gemm<dot_k<block_q2_K>>);
  set(TensorType::Q3_K, gemm<dot_k<block_q3_K>>);
  set(TensorType::Q4_K, gemm<dot_k<block_q4_K>>);
  set(TensorType::Q5_K, gemm<dot_k<block_q5_K>>);
  set(TensorType::Q6_K, gemm<dot_k<block_q6_K>>);
  set(TensorType::IQ4_XS, gemm<dot_k<block_iq4_xs>>);
}

}  // namespace edgellm::kernels::scalar
