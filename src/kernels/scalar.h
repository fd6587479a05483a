// Internal: the scalar reference kernels, which define the numerics every SIMD path must
// reproduce. scalar_table.cc collects them into the scalar IsaTable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gguf/tensor_type.h"
#include "kernels/isa_table.h"

namespace edgellm::kernels::scalar {

using detail::ConvertRowFn;
using detail::GemmFn;
using detail::IsaTable;
using detail::MatmulKernel;
using detail::ToFloatRowFn;

// Activation quantization (act_quant.cc). Numerics follow what GGUF runtimes do on x86 (AVX2):
// the scale is amax / 127, the inverse is 127 / amax and rounding is to nearest even; Q8_K keeps
// the sign of the largest element, as the k-quant dot products expect.
void quantize_q8_0(const float* x, void* y, int64_t n);
void quantize_q8_1(const float* x, void* y, int64_t n);
void quantize_q8_K(const float* x, void* y, int64_t n);
void to_f16(const float* x, void* y, int64_t n);
void to_bf16(const float* x, void* y, int64_t n);

// Dequantization of every supported type (dequant.cc).
void fill_to_float(IsaTable& t);

// Matrix products: one MatmulKernel per weight type (dot_scalar.cc, dot_kquants.cc).
void fill_matmul(IsaTable& t);
void fill_matmul_kquants(IsaTable& t);

// Elementwise, norms and softmax (elementwise.cc).
void fill_elementwise(IsaTable& t);

// Attention inner loops (attention_scalar.cc).
void fill_attention(IsaTable& t);

}  // namespace edgellm::kernels::scalar
