// Internal: the table of function pointers that one ISA provides, and how a kernel finds the table
// of the active ISA. Every ISA starts from a copy of the scalar table and replaces the entries it
// implements, so an operation without a SIMD version simply runs its scalar twin.
//
// ODR hygiene: per-ISA translation units are compiled with their own -m flags, so they must not
// emit out-of-line copies of inline functions or templates that other code could link against
// (the linker may pick the AVX-512 copy for a scalar caller). Hence this header holds only plain
// aggregates and declarations, and per-ISA files keep all their code in anonymous namespaces.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dispatch.h"

namespace edgellm::kernels::detail {

// Converts one row of n floats to an activation (or cache) format.
using ConvertRowFn = void (*)(const float* x, void* y, int64_t n);
// Converts one row of n elements of some format to floats.
using ToFloatRowFn = void (*)(const void* x, float* y, int64_t n);

// Dot products of nr weight rows with nt converted activation rows, over n elements:
// y[t * ldy + r] = dot(w + r * w_stride, a + t * a_stride) for r < nr, t < nt.
using GemmFn = void (*)(int64_t n, const void* w, size_t w_stride, int64_t nr, const void* a,
                        size_t a_stride, int64_t nt, float* y, int64_t ldy);

// How one ISA multiplies one weight type. Each ISA may choose its own activation layout: the
// scalar kernels use the GGUF formats (Q8_0, Q8_1, Q8_K, F16, BF16, F32).
struct MatmulKernel {
  GemmFn gemm;                         // null: this weight type is not supported
  ConvertRowFn convert;                // float row -> activation row; null: use floats as is
  size_t (*act_row_bytes)(int64_t n);  // bytes of one converted row of n elements
  int64_t block;                       // n_cols must be a multiple of this
};

constexpr int kMaxTypeId = 40;

// Plain aggregate on purpose (see the note at the top): no default member initializers.
struct IsaTable {
  Isa isa;
  MatmulKernel matmul[kMaxTypeId];
  ToFloatRowFn to_float[kMaxTypeId];  // dequantization; null: unsupported

  ConvertRowFn quantize_q8_0;
  ConvertRowFn quantize_q8_1;
  ConvertRowFn quantize_q8_K;
  ConvertRowFn to_f16;

  // One row of n elements each.
  void (*rms_norm)(const float* x, const float* w, float eps, int64_t n, float* y);
  void (*layer_norm)(const float* x, const float* w, const float* b, float eps, int64_t n,
                     float* y);
  void (*silu)(float* x, int64_t n);
  void (*gelu)(float* x, int64_t n);
  void (*swiglu)(float* gate, const float* up, int64_t n);
  void (*geglu)(float* gate, const float* up, int64_t n);
  void (*add)(float* y, const float* x, int64_t n);
  void (*mul)(float* y, const float* x, int64_t n);
  void (*scale)(float* y, float s, int64_t n);
  void (*softmax)(float* x, int64_t n);
  void (*softcap)(float* x, float cap, int64_t n);

  // Attention inner loops over one query head. q is already converted to the cache's dot format
  // (F16 or Q8_0). scores[j] = dot(q, k row j) for j < n, rows `k_stride` bytes apart.
  void (*kq_f16)(const void* q, const void* k, size_t k_stride, int64_t n, int head_dim,
                 float* scores);
  void (*kq_q8_0)(const void* q, const void* k, size_t k_stride, int64_t n, int head_dim,
                  float* scores);
  // acc[d] = acc[d] * s + sum_j p[j] * v_j[d], v rows `v_stride` bytes apart, in F16 or Q8_0.
  void (*pv_f16)(const float* p, const void* v, size_t v_stride, int64_t n, int head_dim,
                 float s, float* acc);
  void (*pv_q8_0)(const float* p, const void* v, size_t v_stride, int64_t n, int head_dim,
                  float s, float* acc);
  // The same for the nq query heads of one GQA group at once (F16 cache), so that each cache row
  // is converted once for all of them; null where an ISA has no such kernel (the attention then
  // calls the one-head kernels per head). Queries are floats holding F16-rounded values, head i
  // at q + i * q_stride; scores of head i at scores + i * ld_scores.
  void (*kq_f16_group)(const float* q, int nq, int64_t q_stride, const void* k, size_t k_stride,
                       int64_t n, int head_dim, float* scores, int64_t ld_scores);
  // acc_i[d] = acc_i[d] * s[i] + sum_j p_i[j] * v_j[d] for the nq heads; p_i = p + i * ld_p,
  // acc_i = acc + i * ld_acc.
  void (*pv_f16_group)(const float* p, int64_t ld_p, int nq, const void* v, size_t v_stride,
                       int64_t n, int head_dim, const float* s, float* acc, int64_t ld_acc);
  // x[j] = x[j] * scale + mask[j] (mask entries 0 or -inf) for j < n; returns the max of the
  // new x (-inf when all are masked). Null: the attention uses a plain loop.
  float (*scale_mask_max)(float* x, float scale, const float* mask, int64_t n);
  // x[j] = exp(x[j] - m) for j < n (0 where x[j] is -inf); returns the sum of the new x[j]. The
  // streaming softmax's exponentials.
  float (*exp_sum)(float* x, int64_t n, float m);
};

// The scalar reference table (always available).
const IsaTable& scalar_table();
// Tables of the SIMD ISAs; each returns null when this build does not contain that ISA. Only
// call one after isa_supported() said yes: building it may execute that ISA's instructions.
const IsaTable* avx2_table();
const IsaTable* avx512_table();
const IsaTable* neon_table();
const IsaTable* neon_dotprod_table();

// The table for `isa` (which must be supported).
const IsaTable& isa_table(Isa isa);
// The table of active_isa(): read once per kernel call.
const IsaTable& active_table();

}  // namespace edgellm::kernels::detail
