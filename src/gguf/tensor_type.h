// The tensor element types a GGUF file can hold, with the numeric ids the format assigns, and the
// size of one block of each. The block layouts themselves live in quant/blocks.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace edgellm {

// Ids are fixed by the GGUF format (ggml_type); gaps are ids that were retired.
enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct TensorTypeTraits {
  const char* name;    // "Q4_K", as GGUF tools print it
  int64_t block_size;  // elements per block (1 for plain types)
  size_t type_size;    // bytes per block
  bool quantized;
};

// Traits of a type id read from a file; nullopt for ids this build does not know.
std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id);
// Traits of a known type. An unknown id (a cast the caller did not check) asserts in debug builds
// and gets an "unknown" entry of size 0 in release builds.
const TensorTypeTraits& traits(TensorType type);
const char* tensor_type_name(TensorType type);
// Parses "q4_k" / "Q4_K" / "f16"; nullopt if unknown.
std::optional<TensorType> tensor_type_from_name(std::string_view name);

// Bytes of one row of n elements (n must be a multiple of the block size).
inline size_t row_size(TensorType type, int64_t n) {
  const TensorTypeTraits& t = traits(type);
  return static_cast<size_t>(n / t.block_size) * t.type_size;
}

}  // namespace edgellm
