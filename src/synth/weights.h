// Random tensor data of a given type, generated directly in its storage format: plain floats for
// F32/F16/BF16, and for the block formats random quants with scales chosen so that the
// dequantized values have mean about 0 and a chosen standard deviation. No float tensor is ever
// built and no quantizer runs, which is what makes writing a billion-weight model take seconds.
//
// The bytes of a row depend only on (seed, row index), so a tensor can be produced in any
// chunking, in any order, and gives identical bytes every time. Pure functions: thread-safe.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"

namespace edgellm::synth {

// True for the types random_rows() can generate: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS (every type a quantization recipe produces).
bool can_generate(TensorType type);

// Writes rows [first_row, first_row + n_rows) of a tensor of `type` with rows of n_per_row
// elements (a multiple of the block size) to `dst` (n_rows * row_size(type, n_per_row) bytes).
// Values are about N(0, sigma^2): for the float types, draws from a table of 65536 normal values
// made from the seed; for the block formats, uniform levels times random sub-block scales.
// Precondition: can_generate(type).
void random_rows(TensorType type, uint64_t seed, float sigma, int64_t first_row, int64_t n_rows,
                 int64_t n_per_row, uint8_t* dst);

// A 64-bit hash of a string, for deriving per-tensor seeds from tensor names.
uint64_t hash_name(const char* name);
// Mixes a seed with another value (splitmix64 finalizer): distinct inputs give unrelated outputs.
uint64_t mix_seed(uint64_t seed, uint64_t value);

}  // namespace edgellm::synth
