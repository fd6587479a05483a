// Reference (scalar, portable) conversion between float and every GGUF tensor type: the
// definition of each format's numerics. SIMD kernels in src/kernels are tested against these.
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"

namespace edgellm::quant {

// True if dequantize_row() handles `type`.
bool can_dequantize(TensorType type);
// True if quantize_row() handles `type`.
bool can_quantize(TensorType type);

// Converts n elements (a multiple of the type's block size) to float.
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// Quantizes n floats (a multiple of the block size) into `dst`, which holds row_size(type, n)
// bytes. `importance` (n weights, or null) weights each element's rounding error, as an
// importance matrix does; formats that cannot use it ignore it.
void quantize_row(TensorType type, const float* src, void* dst, int64_t n,
                  const float* importance = nullptr);

}  // namespace edgellm::quant
