// Scalar dequantization of every weight type the kernels read, and the public dequantize_row and
// get_rows. The formats are the GGUF block layouts of quant/blocks.h.
#include <cstring>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/ref_unpack.h"
#include "kernels/scalar.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace scalar {
namespace {

using namespace quant;  // block structs and block sizes

void f32_to_float(const void* x, float* y, int64_t n) { std::memcpy(y, x, n * sizeof(float)); }

void f16_to_float(const void* vx, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(vx);
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

void bf16_to_float(const void* vx, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(vx);
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}

void q4_0_to_float(const void* vx, float* y, int64_t n) {
  const block_q4_0* x = static_cast<const block_q4_0*>(vx);
  for (int64_t i = 0; i < n / QK4_0; ++i, y += QK4_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * ((x[i].qs[j] & 0xF) - 8);
      y[j + 16] = d * ((x[i].qs[j] >> 4) - 8);
    }
  }
}

void q4_1_to_float(const void* vx, float* y, int64_t n) {
  const block_q4_1* x = static_cast<const block_q4_1*>(vx);
  for (int64_t i = 0; i < n / QK4_1; ++i, y += QK4_1) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * (x[i].qs[j] & 0xF) + m;
      y[j + 16] = d * (x[i].qs[j] >> 4) + m;
    }
  }
}

inline uint32_t load_qh(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);
  return v;
}

void q5_0_to_float(const void* vx, float* y, int64_t n) {
  const block_q5_0* x = static_cast<const block_q5_0*>(vx);
  for (int64_t i = 0; i < n / QK5_0; ++i, y += QK5_0) {
    const float d = fp16_to_fp32(x[i].d);
    const uint32_t qh = load_qh(x[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int q0 = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int q1 = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = d * (q0 - 16);
      y[j + 16] = d * (q1 - 16);
    }
  }
}

void q5_1_to_float(const void* vx, float* y, int64_t n) {
  const block_q5_1* x = static_cast<const block_q5_1*>(vx);
  for (int64_t i = 0; i < n / QK5_1; ++i, y += QK5_1) {
    const float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
    const uint32_t qh = load_qh(x[i].qh);
    for (int j = 0; j < 16; ++j) {
      const int q0 = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
      const int q1 = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = d * q0 + m;
      y[j + 16] = d * q1 + m;
    }
  }
}

void q8_0_to_float(const void* vx, float* y, int64_t n) {
  const block_q8_0* x = static_cast<const block_q8_0*>(vx);
  for (int64_t i = 0; i < n / QK8_0; ++i, y += QK8_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 32; ++j) y[j] = d * x[i].qs[j];
  }
}

void q8_1_to_float(const void* vx, float* y, int64_t n) {
  const block_q8_1* x = static_cast<const block_q8_1*>(vx);
  for (int64_t i = 0; i < n / QK8_1; ++i, y += QK8_1) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 32; ++j) y[j] = d * x[i].qs[j];
  }
}

void q8_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q8_K* x = static_cast<const block_q8_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
    for (int j = 0; j < QK_K; ++j) y[j] = x[i].d * x[i].qs[j];
  }
}

void q2_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q2_K* x = static_cast<const block_q2_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    int is = 0;
    // Two halves of 128; in each, 4 shifts x 2 groups of 16 bytes.
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int g = 0; g < 2; ++g) {
          const uint8_t sc = x[i].scales[is++];
          const float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * ((q[g * 16 + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void q3_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q3_K* x = static_cast<const block_q3_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    int8_t scales[16];
    ref::q3k_scales(x[i].scales, scales);
    const uint8_t* q = x[i].qs;
    uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
        for (int g = 0; g < 2; ++g) {
          const float dl = d * scales[is++];
          for (int l = 0; l < 16; ++l) {
            const int k = g * 16 + l;
            const int v = ((q[k] >> shift) & 3) - ((x[i].hmask[k] & m) ? 0 : 4);
            *y++ = dl * v;
          }
        }
      }
    }
  }
}

void q4_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q4_K* x = static_cast<const block_q4_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    for (int j = 0; j < 4; ++j, q += 32) {
      uint8_t sc, m;
      ref::scale_min_k4(2 * j, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      ref::scale_min_k4(2 * j + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void q5_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q5_K* x = static_cast<const block_q5_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    for (int j = 0; j < 4; ++j, ql += 32) {
      uint8_t sc, m;
      ref::scale_min_k4(2 * j, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      ref::scale_min_k4(2 * j + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      const uint8_t u1 = static_cast<uint8_t>(1u << (2 * j)), u2 = static_cast<uint8_t>(2u << (2 * j));
      for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
  }
}

void q6_K_to_float(const void* vx, float* y, int64_t n) {
  const block_q6_K* x = static_cast<const block_q6_K*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

void iq4_nl_to_float(const void* vx, float* y, int64_t n) {
  const block_iq4_nl* x = static_cast<const block_iq4_nl*>(vx);
  for (int64_t i = 0; i < n / QK4_NL; ++i, y += QK4_NL) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < 16; ++j) {
      y[j] = d * ref::kIq4nlValues[x[i].qs[j] & 0xF];
      y[j + 16] = d * ref::kIq4nlValues[x[i].qs[j] >> 4];
    }
  }
}

void iq4_xs_to_float(const void* vx, float* y, int64_t n) {
  const block_iq4_xs* x = static_cast<const block_iq4_xs*>(vx);
  for (int64_t i = 0; i < n / QK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const uint8_t* qs = x[i].qs;
    for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
      const float dl = d * ref::iq4xs_scale(x[i].scales_h, x[i].scales_l, ib);
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * ref::kIq4nlValues[qs[j] & 0xF];
        y[j + 16] = dl * ref::kIq4nlValues[qs[j] >> 4];
      }
    }
  }
}

}  // namespace

void fill_to_float(IsaTable& t) {
  auto set = [&t](TensorType type, ToFloatRowFn fn) { t.to_float[static_cast<int>(type)] = fn; };
  set(TensorType::F32, f32_to_float);
  set(TensorType::F16, f16_to_float);
  set(TensorType::BF16, bf16_to_float);
  set(TensorType::Q4_0, q4_0_to_float);
  set(TensorType::Q4_1, q4_1_to_float);
  set(TensorType::Q5_0, q5_0_to_float);
  set(TensorType::Q5_1, q5_1_to_float);
  set(TensorType::Q8_0, q8_0_to_float);
  set(TensorType::Q8_1, q8_1_to_float);
  set(TensorType::Q2_K, q2_K_to_float);
  set(TensorType::Q3_K, q3_K_to_float);
  set(TensorType::Q4_K, q4_K_to_float);
  set(TensorType::Q5_K, q5_K_to_float);
  set(TensorType::Q6_K, q6_K_to_float);
  set(TensorType::Q8_K, q8_K_to_float);
  set(TensorType::IQ4_NL, iq4_nl_to_float);
  set(TensorType::IQ4_XS, iq4_xs_to_float);
}

}  // namespace scalar

bool dequantize_supported(TensorType type) {
  const int id = static_cast<int>(type);
  return id >= 0 && id < detail::kMaxTypeId && detail::scalar_table().to_float[id] != nullptr;
}

void dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
  const int id = static_cast<int>(type);
  if (!dequantize_supported(type)) {
    std::memset(dst, 0, n * sizeof(float));
    return;
  }
  detail::active_table().to_float[id](src, dst, n);
}

void get_rows(const Matrix& w, const int32_t* ids, int64_t n_ids, float* out) {
  const detail::ToFloatRowFn fn =
      dequantize_supported(w.type) ? detail::active_table().to_float[static_cast<int>(w.type)]
                                   : nullptr;
  for (int64_t i = 0; i < n_ids; ++i) {
    float* dst = out + i * w.n_cols;
    if (fn == nullptr || ids[i] < 0 || ids[i] >= w.n_rows) {
      std::memset(dst, 0, w.n_cols * sizeof(float));  // never read outside the matrix
      continue;
    }
    fn(static_cast<const uint8_t*>(w.data) + static_cast<size_t>(ids[i]) * w.row_bytes, dst,
       w.n_cols);
  }
}

}  // namespace edgellm::kernels
