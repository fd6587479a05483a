// One block of a quantized format described by its effective parameters: element j of the block
// dequantizes to scale[s] * levels[k] + offset[s], where s = j / sub_len is its sub-block and k
// its level index. Fitting (choosing the parameters for given values and weights), rounding one
// element under fixed parameters, and packing the result are separate steps, so that GPTQ can fix
// a block's scales and then round its columns one at a time as the error feedback updates them.
#pragma once

#include <cstdint>

#include "gguf/tensor_type.h"

namespace edgellm::quant::detail {

struct BlockFit {
  TensorType type = TensorType::Q4_0;
  int block_len = 32;            // elements of one block (32, or 256 for the k-quants)
  int sub_len = 32;              // elements sharing one scale
  const float* levels = nullptr; // ascending level table
  int nl = 0;
  uint16_t d16 = 0, dmin16 = 0;  // stored super-scales (dmin16: Q4_1/Q5_1 offset, k-quant mins)
  int codes[16] = {};            // stored sub-block scale codes (signed for symmetric formats)
  int min_codes[16] = {};        // stored sub-block min codes (Q2_K, Q4_K, Q5_K)
  float scale[16] = {};          // effective per sub-block
  float offset[16] = {};

  int nearest(int j, float x) const;     // level index of the value nearest to x for element j
  float value(int j, int k) const { return scale[j / sub_len] * levels[k] + offset[j / sub_len]; }
};

// True for the formats fit_block() supports (all block formats with a quantize_opt_* function).
bool has_block_fit(TensorType type);
// Elements per block of `type` and per sub-block (the finest granularity of a scale).
int block_len(TensorType type);
int sub_block_len(TensorType type);

// Chooses the parameters for block_len values x with error weights w (see quantize_opt.cc for
// the search) and writes the level indices of the nearest values to L.
void fit_block(TensorType type, const float* x, const float* w, BlockFit* fit, uint8_t* L);
// For the k-quants: re-chooses the codes of sub-blocks [first, first + count) for new values of
// the block (x, w: the whole block), keeping the super-scales fixed. No-op for other formats.
void refit_sub_blocks(const float* x, const float* w, int first, int count, BlockFit* fit);
// Encodes parameters and level indices as one block of the GGUF layout.
void pack_block(const BlockFit& fit, const uint8_t* L, void* dst);

// Element weights for a region of n values: magnitude-relative sqrt(2 mean(x^2) + x^2), times
// the importance when given.
void element_weights(const float* x, int n, const float* imp, float* w);

}  // namespace edgellm::quant::detail
