// The per-type table behind quant.h, and the checked whole-buffer forms of its conversions.
#include "quant/quant.h"

#include <cinttypes>

#include "quant/internal.h"

namespace edgellm::quant {
namespace {

using DequantizeFn = void (*)(const void*, float*, int64_t);
using QuantizeFn = void (*)(const float*, void*, int64_t, const float*);

struct Funcs {
  DequantizeFn dequantize = nullptr;
  QuantizeFn quantize = nullptr;   // reference
  bool optimized = false;  // has a weighted search; else the reference is already optimal
};

Funcs funcs_for(TensorType type) {
  using namespace detail;
  switch (type) {
    case TensorType::F32: return {dequantize_f32, quantize_f32};
    case TensorType::F16: return {dequantize_f16, quantize_f16};
    case TensorType::BF16: return {dequantize_bf16, quantize_bf16};
    case TensorType::Q4_0: return {dequantize_q4_0, quantize_q4_0, true};
    case TensorType::Q4_1: return {dequantize_q4_1, quantize_q4_1, true};
    case TensorType::Q5_0: return {dequantize_q5_0, quantize_q5_0, true};
    case TensorType::Q5_1: return {dequantize_q5_1, quantize_q5_1, true};
    case TensorType::Q8_0: return {dequantize_q8_0, quantize_q8_0, true};
    case TensorType::Q8_1: return {dequantize_q8_1, quantize_q8_1};
    case TensorType::Q2_K: return {dequantize_q2_K, quantize_q2_K, true};
    case TensorType::Q3_K: return {dequantize_q3_K, quantize_q3_K, true};
    case TensorType::Q4_K: return {dequantize_q4_K, quantize_q4_K, true};
    case TensorType::Q5_K: return {dequantize_q5_K, quantize_q5_K, true};
    case TensorType::Q6_K: return {dequantize_q6_K, quantize_q6_K, true};
    case TensorType::Q8_K: return {dequantize_q8_K, quantize_q8_K};
    case TensorType::IQ4_NL: return {dequantize_iq4_nl, quantize_iq4_nl, true};
    case TensorType::IQ4_XS: return {dequantize_iq4_xs, quantize_iq4_xs, true};
    default: return {};
  }
}

}  // namespace

bool can_dequantize(TensorType type) { return funcs_for(type).dequantize != nullptr; }
bool can_quantize(TensorType type) { return funcs_for(type).quantize != nullptr; }

void dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
  funcs_for(type).dequantize(src, dst, n);
}

void quantize_row(TensorType type, const float* src, void* dst, int64_t n,
                  const float* importance) {
  const Funcs f = funcs_for(type);
  if (importance != nullptr && f.optimized) {
    detail::quantize_optimized(type, src, dst, n, importance);
  } else {
    f.quantize(src, dst, n, importance);
  }
}

void quantize_row_optimized(TensorType type, const float* src, void* dst, int64_t n,
                            const float* importance) {
  const Funcs f = funcs_for(type);
  if (f.optimized) {
    detail::quantize_optimized(type, src, dst, n, importance);
  } else {
    f.quantize(src, dst, n, importance);
  }
}

Status dequantize(TensorType type, const void* src, size_t src_bytes, float* dst, int64_t n) {
  const Funcs f = funcs_for(type);
  if (!f.dequantize) {
    return make_error(ErrorCode::kUnsupported, "cannot dequantize tensor type %s",
                      tensor_type_name(type));
  }
  const int64_t bs = traits(type).block_size;
  if (n < 0 || n % bs != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: %" PRId64 " elements is not a multiple of the block size %" PRId64,
                      tensor_type_name(type), n, bs);
  }
  if (src_bytes != row_size(type, n)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: %" PRId64 " elements take %zu bytes, got %zu", tensor_type_name(type),
                      n, row_size(type, n), src_bytes);
  }
  if (n > 0) f.dequantize(src, dst, n);
  return Status::Ok();
}

Status quantize(TensorType type, const float* src, int64_t n_rows, int64_t n_per_row, void* dst,
                size_t dst_bytes, const float* importance, bool optimized) {
  const Funcs f = funcs_for(type);
  if (!f.quantize) {
    return make_error(ErrorCode::kUnsupported, "cannot quantize to tensor type %s",
                      tensor_type_name(type));
  }
  const int64_t bs = traits(type).block_size;
  if (n_rows < 0 || n_per_row < 0 || n_per_row % bs != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: rows of %" PRId64 " elements do not fit blocks of %" PRId64,
                      tensor_type_name(type), n_per_row, bs);
  }
  const size_t rs = row_size(type, n_per_row);
  if (dst_bytes != rs * static_cast<size_t>(n_rows)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "%s: %" PRId64 " rows of %" PRId64 " elements take %zu bytes, got %zu",
                      tensor_type_name(type), n_rows, n_per_row, rs * static_cast<size_t>(n_rows),
                      dst_bytes);
  }
  uint8_t* out = static_cast<uint8_t*>(dst);
  for (int64_t r = 0; r < n_rows; ++r) {
    void* row = out + static_cast<size_t>(r) * rs;
    if (optimized) {
      quantize_row_optimized(type, src + r * n_per_row, row, n_per_row, importance);
    } else {
      quantize_row(type, src + r * n_per_row, row, n_per_row, importance);
    }
  }
  return Status::Ok();
}

Result<std::vector<float>> dequantize_tensor(const gguf::TensorInfo& tensor) {
  const int64_t n = tensor.n_elements();
  std::vector<float> out(static_cast<size_t>(n));
  Status st = dequantize(tensor.type, tensor.data, tensor.n_bytes, out.data(), n);
  if (!st.ok()) return st.with_context("tensor " + tensor.name);
  return out;
}

double bits_per_weight(TensorType type) {
  const TensorTypeTraits& t = traits(type);
  return static_cast<double>(t.type_size) * 8.0 / static_cast<double>(t.block_size);
}

}  // namespace edgellm::quant
