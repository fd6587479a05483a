// Reference (scalar, portable) conversion between float and every GGUF tensor type we support:
// F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL
// and IQ4_XS. These functions are the definition of each format's numerics: SIMD kernels in
// src/kernels are tested against them.
//
// Without an importance vector, quantize_row() follows the published reference algorithm of each
// format (the round-to-nearest quantizers with the per-type scale searches), so the bytes it
// writes equal those of the GGUF ecosystem's reference quantizer for the same float input.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/tensor_type.h"

namespace edgellm::quant {

// True if dequantize_row() handles `type`.
bool can_dequantize(TensorType type);
// True if quantize_row() handles `type`.
bool can_quantize(TensorType type);

// Converts n elements (a multiple of the type's block size) to float. The caller guarantees
// that `src` holds row_size(type, n) bytes and that can_dequantize(type); use dequantize() for
// data that has not been checked.
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// Quantizes n floats (a multiple of the block size) into `dst`, which holds row_size(type, n)
// bytes. Without `importance`: the reference algorithm, byte for byte. With `importance` (n
// weights, as one row of an importance matrix gives): quantize_row_optimized(). Preconditions as
// for dequantize_row(); quantize() is the checked form.
void quantize_row(TensorType type, const float* src, void* dst, int64_t n,
                  const float* importance = nullptr);

// Quantizes with our search, which minimizes the weighted squared error of the dequantized row:
// an exact sweep over each block's scale, and for k-quants a re-choice of each stored sub-block
// scale by its true error. Weights: the element's magnitude relative to its block's RMS, times
// `importance` when given. Types whose reference rounding is already optimal for their layout
// (F16, BF16, Q8_1, Q8_K) use the reference.
void quantize_row_optimized(TensorType type, const float* src, void* dst, int64_t n,
                            const float* importance = nullptr);

// Checked conversion of n elements stored in `src_bytes` bytes: an error (naming the type and
// the sizes) if the type is not supported, n is not a multiple of its block size, or the byte
// count does not match.
Status dequantize(TensorType type, const void* src, size_t src_bytes, float* dst, int64_t n);

// Checked quantization of n_rows rows of n_per_row floats into dst (dst_bytes bytes, which must
// equal n_rows * row_size(type, n_per_row)). `importance`: n_per_row weights shared by all rows
// (one importance-matrix column vector), or null. `optimized` selects quantize_row_optimized().
Status quantize(TensorType type, const float* src, int64_t n_rows, int64_t n_per_row, void* dst,
                size_t dst_bytes, const float* importance = nullptr, bool optimized = false);

// A whole tensor of a GGUF file converted to float (n_elements values, row-major as stored).
Result<std::vector<float>> dequantize_tensor(const gguf::TensorInfo& tensor);

// The nominal storage cost of a type in bits per weight (block bytes * 8 / block size).
double bits_per_weight(TensorType type);

}  // namespace edgellm::quant
