// Per-format reference functions behind quant.h, shared by the files of this module only. Each
// dequantize_* converts n elements (a multiple of the block size) to float; each quantize_* does
// the reverse for one row, optionally weighting the rounding error by `imp` (n values).
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"

namespace edgellm::quant::detail {

// The 16 levels of IQ4_NL and IQ4_XS (a non-uniform grid fitted to weight distributions).
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

void dequantize_f32(const void* src, float* y, int64_t n);
void dequantize_f16(const void* src, float* y, int64_t n);
void dequantize_bf16(const void* src, float* y, int64_t n);
void dequantize_q4_0(const void* src, float* y, int64_t n);
void dequantize_q4_1(const void* src, float* y, int64_t n);
void dequantize_q5_0(const void* src, float* y, int64_t n);
void dequantize_q5_1(const void* src, float* y, int64_t n);
void dequantize_q8_0(const void* src, float* y, int64_t n);
void dequantize_q8_1(const void* src, float* y, int64_t n);
void dequantize_q2_K(const void* src, float* y, int64_t n);
void dequantize_q3_K(const void* src, float* y, int64_t n);
void dequantize_q4_K(const void* src, float* y, int64_t n);
void dequantize_q5_K(const void* src, float* y, int64_t n);
void dequantize_q6_K(const void* src, float* y, int64_t n);
void dequantize_q8_K(const void* src, float* y, int64_t n);
void dequantize_iq4_nl(const void* src, float* y, int64_t n);
void dequantize_iq4_xs(const void* src, float* y, int64_t n);

// Scale/min packing shared by dequantization and quantization.
void unpack_q3_K_scales(const uint8_t packed[12], int8_t out[16]);
void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m);

void quantize_f32(const float* x, void* dst, int64_t n, const float* imp);
void quantize_f16(const float* x, void* dst, int64_t n, const float* imp);
void quantize_bf16(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q4_0(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q4_1(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q5_0(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q5_1(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q8_0(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q8_1(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q2_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q3_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q4_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q5_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q6_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_q8_K(const float* x, void* dst, int64_t n, const float* imp);
void quantize_iq4_nl(const float* x, void* dst, int64_t n, const float* imp);
void quantize_iq4_xs(const float* x, void* dst, int64_t n, const float* imp);

// The optimized weighted quantizer of any type with has_block_fit() (block_fit.cc); imp may be
// null.
void quantize_optimized(TensorType type, const float* x, void* dst, int64_t n, const float* imp);

}  // namespace edgellm::quant::detail
