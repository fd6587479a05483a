// The table of GGUF tensor types: name, block size and block bytes for each id.
#include "gguf/tensor_type.h"

#include <array>
#include <cassert>
#include <cctype>
#include <string>

namespace edgellm {
namespace {

constexpr uint32_t kMaxTypeId = 40;
constexpr int64_t QK_K = 256;

struct Entry {
  bool known;
  TensorTypeTraits traits;
};

constexpr std::array<Entry, kMaxTypeId> make_table() {
  std::array<Entry, kMaxTypeId> t{};
  auto set = [&t](TensorType id, const char* name, int64_t bs, size_t ts, bool q) {
    t[static_cast<uint32_t>(id)] = Entry{true, TensorTypeTraits{name, bs, ts, q}};
  };
  set(TensorType::F32, "F32", 1, 4, false);
  set(TensorType::F16, "F16", 1, 2, false);
  set(TensorType::Q4_0, "Q4_0", 32, 2 + 16, true);
  set(TensorType::Q4_1, "Q4_1", 32, 4 + 16, true);
  set(TensorType::Q5_0, "Q5_0", 32, 2 + 4 + 16, true);
  set(TensorType::Q5_1, "Q5_1", 32, 4 + 4 + 16, true);
  set(TensorType::Q8_0, "Q8_0", 32, 2 + 32, true);
  set(TensorType::Q8_1, "Q8_1", 32, 4 + 32, true);
  set(TensorType::Q2_K, "Q2_K", QK_K, 16 + 64 + 4, true);
  set(TensorType::Q3_K, "Q3_K", QK_K, 32 + 64 + 12 + 2, true);
  set(TensorType::Q4_K, "Q4_K", QK_K, 4 + 12 + 128, true);
  set(TensorType::Q5_K, "Q5_K", QK_K, 4 + 12 + 32 + 128, true);
  set(TensorType::Q6_K, "Q6_K", QK_K, 128 + 64 + 16 + 2, true);
  set(TensorType::Q8_K, "Q8_K", QK_K, 4 + 256 + 32, true);
  set(TensorType::IQ2_XXS, "IQ2_XXS", QK_K, 2 + 64, true);
  set(TensorType::IQ2_XS, "IQ2_XS", QK_K, 2 + 64 + 8, true);
  set(TensorType::IQ3_XXS, "IQ3_XXS", QK_K, 2 + 96, true);
  set(TensorType::IQ1_S, "IQ1_S", QK_K, 2 + 32 + 16, true);
  set(TensorType::IQ4_NL, "IQ4_NL", 32, 2 + 16, true);
  set(TensorType::IQ3_S, "IQ3_S", QK_K, 2 + 64 + 8 + 32 + 4, true);
  set(TensorType::IQ2_S, "IQ2_S", QK_K, 2 + 64 + 8 + 8, true);
  set(TensorType::IQ4_XS, "IQ4_XS", QK_K, 2 + 2 + 4 + 128, true);
  set(TensorType::I8, "I8", 1, 1, false);
  set(TensorType::I16, "I16", 1, 2, false);
  set(TensorType::I32, "I32", 1, 4, false);
  set(TensorType::I64, "I64", 1, 8, false);
  set(TensorType::F64, "F64", 1, 8, false);
  set(TensorType::IQ1_M, "IQ1_M", QK_K, 32 + 16 + 8, true);
  set(TensorType::BF16, "BF16", 1, 2, false);
  set(TensorType::TQ1_0, "TQ1_0", QK_K, 2 + 4 * 13, true);
  set(TensorType::TQ2_0, "TQ2_0", QK_K, 2 + 64, true);
  set(TensorType::MXFP4, "MXFP4", 32, 1 + 16, true);
  return t;
}

constexpr std::array<Entry, kMaxTypeId> kTable = make_table();

}  // namespace

std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id) {
  if (id >= kMaxTypeId || !kTable[id].known) return std::nullopt;
  return kTable[id].traits;
}

const TensorTypeTraits& traits(TensorType type) {
  // An id cast from an unchecked integer gets a zero-size entry rather than a read past the
  // table: callers are expected to have validated it (the reader and writer do).
  static constexpr TensorTypeTraits kUnknown{"unknown", 1, 0, false};
  const uint32_t id = static_cast<uint32_t>(type);
  assert(id < kMaxTypeId && kTable[id].known);
  return id < kMaxTypeId && kTable[id].known ? kTable[id].traits : kUnknown;
}

const char* tensor_type_name(TensorType type) {
  const uint32_t id = static_cast<uint32_t>(type);
  if (id >= kMaxTypeId || !kTable[id].known) return "unknown";
  return kTable[id].traits.name;
}

std::optional<TensorType> tensor_type_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (uint32_t id = 0; id < kMaxTypeId; ++id) {
    if (kTable[id].known && upper == kTable[id].traits.name) return static_cast<TensorType>(id);
  }
  return std::nullopt;
}

}  // namespace edgellm
