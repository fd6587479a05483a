// The compute kernels that the model layer calls: matrix products over GGUF weight formats, norms,
// rotary embeddings, activations, softmax and fused attention. This header is ISA-neutral: each
// function picks the best implementation for this CPU once per call (see dispatch.h), and every
// optimized path has a scalar reference twin that tests compare it against.
//
// Conventions
// - Row-major float activations: x[t * n + i] is element i of token t.
// - A weight matrix is a GGUF 2-D tensor used in place from the mmap: n_rows rows of n_cols
//   elements (ne[0] = n_cols). y = x W^T, i.e. y[t][r] = dot(W row r, x row t).
// - Kernels never allocate: callers pass a Workspace sized with the matching *_workspace_size().
// - Threading: functions taking a ThreadPool split their work across it; all others are
//   single-threaded and reentrant.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/tensor_type.h"

namespace edgellm::kernels {

// A weight matrix in any supported GGUF type. For 3-D tensors (MoE experts), take one 2-D slice:
// data + expert * n_rows * row_bytes.
struct Matrix {
  TensorType type = TensorType::F32;
  const void* data = nullptr;
  int64_t n_cols = 0;     // elements per row (the reduction dimension), ne[0]
  int64_t n_rows = 0;     // number of rows (outputs), ne[1]
  size_t row_bytes = 0;   // bytes between consecutive rows
};

// Caller-owned scratch memory, reserved once at load time and reused for every call.
struct Workspace {
  void* data = nullptr;
  size_t size = 0;
};

// ---- Matrix products ------------------------------------------------------------------------

// True if matmul() supports this weight type: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K..Q6_K, IQ4_NL, IQ4_XS.
bool matmul_supported(TensorType type);

// Checks that w can be used with matmul() (supported type, n_cols a multiple of the block size,
// row stride large enough); the error names `name`. Call once at load time: matmul() itself
// does not return errors (it logs and writes zeros on misuse).
Status validate_matrix(const Matrix& w, const char* name);

// Scratch bytes matmul() needs for n_tokens rows of activations against weights of `type` with
// `n_cols` columns (the activations are converted to the type's dot-product format first: Q8_0,
// Q8_1 or Q8_K for quantized weights, F16 for F16 and BF16 for BF16 weights).
size_t matmul_workspace_size(TensorType type, int64_t n_cols, int64_t n_tokens);

// y[t * ldy + r] = sum_c W[r][c] * x[t * ldx + c], for t < n_tokens, r < w.n_rows.
// ldx >= w.n_cols and ldy >= w.n_rows (pass 0 for the dense defaults). y must not overlap x.
// Numerics as GGUF runtimes: activations are rounded to F16 (F16 weights) or BF16 (BF16 weights),
// or quantized per 32 (Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1) or per 256 (Q8_K for
// the k-quants and IQ4_XS); integer block sums are exact and combined in float. Results are the
// same whatever the pool size.
void matmul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            Workspace ws, int64_t ldx = 0, int64_t ldy = 0);

// Several products with the same activations (a layer's q, k and v; gate and up): one
// conversion of x and one parallel region for all of them when the matrices take the same
// activation format (the same type, in practice), else one matmul() each. y[i] is
// [n_tokens, w[i]->n_rows]; every w[i] has x's n_cols columns. Results are those of matmul().
void matmul_many(const Matrix* const* w, float* const* y, int count, const float* x,
                 int64_t n_tokens, ThreadPool& pool, Workspace ws);

// Copies rows `ids[i]` of w, converted to float, to out[i * w.n_cols ...] (embedding lookup).
// An id outside [0, w.n_rows) yields a row of zeros (callers validate token ids first).
void get_rows(const Matrix& w, const int32_t* ids, int64_t n_ids, float* out);

// True if dequantize_row() and get_rows() handle `type` (every matmul type, plus Q8_1 and Q8_K).
bool dequantize_supported(TensorType type);
// Converts one row of n elements (a multiple of the block size) to float (zeros if unsupported).
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// ---- Elementwise and normalization (per row of n elements, over n_rows rows) ----------------

// y = x / sqrt(mean(x^2) + eps) * w (w may be null: no scale). y may alias x.
void rms_norm(const float* x, const float* w, float eps, int64_t n, int64_t n_rows, float* y);
// y = (x - mean) / sqrt(var + eps) * w + b (w, b may be null). y may alias x.
void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n,
                int64_t n_rows, float* y);

// In place over n values.
void silu_inplace(float* x, int64_t n);
void gelu_inplace(float* x, int64_t n);          // tanh approximation, as GGUF runtimes use
// gate[i] = act(gate[i]) * up[i], the gated feed-forward (SwiGLU with silu, GeGLU with gelu).
void swiglu(float* gate, const float* up, int64_t n);
void geglu(float* gate, const float* up, int64_t n);
// y[i] += x[i]; y[i] *= x[i]; y[i] *= s; y[i] += b[i % n_b] (bias over rows).
void add_inplace(float* y, const float* x, int64_t n);
void mul_inplace(float* y, const float* x, int64_t n);
void scale_inplace(float* y, float s, int64_t n);
void add_bias(float* y, const float* b, int64_t n_b, int64_t n_rows, int64_t ld = 0);
// Softmax in place over n values; returns nothing. Numerically stable (subtracts the max).
void softmax_inplace(float* x, int64_t n);
// x = cap * tanh(x / cap), in place (logit soft-capping).
void softcap_inplace(float* x, float cap, int64_t n);

// ---- Rotary position embedding --------------------------------------------------------------

enum class RopeMode {
  kNormal,  // rotate adjacent pairs (x[2i], x[2i+1]): llama, mistral, gemma
  kNeox,    // rotate halves (x[i], x[i + n_rot/2]): qwen2, phi3, gpt-neox
};

struct RopeParams {
  int n_rot = 0;               // rotated dimensions per head (<= head_dim)
  RopeMode mode = RopeMode::kNormal;
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;     // 1 / linear scaling factor
  const float* freq_factors = nullptr;  // [n_rot / 2] divisors of the frequencies, or null
  // YaRN-style extension (ext_factor 0 disables it), as GGUF runtimes define it.
  float ext_factor = 0.0f;
  float attn_factor = 1.0f;    // multiplies cos and sin
  float beta_fast = 32.0f;
  float beta_slow = 1.0f;
  int n_ctx_orig = 0;
};

// Rotates x: [n_tokens][n_heads][head_dim] in place, token t at position pos[t].
void rope(float* x, int64_t n_tokens, int n_heads, int head_dim, const int32_t* pos,
          const RopeParams& p);

// ---- Attention -------------------------------------------------------------------------------

// One layer's key or value cache: n_kv_heads planes of `capacity` cells of head_dim elements,
// stored in `type` (F16 or Q8_0). Cell c of head h starts at
// data + (h * capacity + c) * row_bytes, with row_bytes = row_size(type, head_dim).
struct KvView {
  TensorType type = TensorType::F16;
  void* data = nullptr;
  int64_t capacity = 0;
  int head_dim = 0;
  size_t row_bytes = 0;
};

// True for the cache types kv_store() and attention() handle: F16, and Q8_0 (head_dim % 32 == 0).
bool kv_type_supported(TensorType type);

// Writes n_tokens rows src[t][n_kv_heads][head_dim] into cells cell[t] of the cache (F16:
// rounded to nearest even; Q8_0: quantized as quantize_row_q8_0). Cells outside the capacity
// are skipped.
void kv_store(const KvView& kv, int n_kv_heads, const float* src, int64_t n_tokens,
              const int32_t* cell);

struct AttentionParams {
  int n_heads = 0;
  int n_kv_heads = 0;          // n_heads % n_kv_heads == 0 (grouped-query attention)
  int head_dim = 0;
  float scale = 1.0f;          // applied to q.k before soft-capping and softmax
  float softcap = 0.0f;        // > 0: scores = softcap * tanh(scores / softcap)
  bool causal = true;          // key position must be <= query position
  int window = 0;              // > 0: key visible only if query_pos - key_pos < window
};

size_t attention_workspace_size(const AttentionParams& p, int64_t n_tokens, int64_t n_cells,
                                int n_threads);

// out[t][h][d] = softmax_j(scale * q[t][h] . k[j][h / group]) . v[j][h / group], over cache cells
// j < n_cells whose position cell_pos[j] is visible from query position q_pos[t] (cell_pos[j] < 0
// marks an empty cell). Streaming softmax: no n_tokens x n_cells buffer. The query is rounded to
// the cache's format (F16, or Q8_0) before the dot products, as GGUF runtimes do; softmax and the
// value sums are in float. A query that sees no cell gets zeros. With softcap > 0 the score is
// softcap * tanh(scale * q.k / softcap). Results do not depend on the pool size.
void attention(const AttentionParams& p, const float* q, int64_t n_tokens, const int32_t* q_pos,
               const KvView& k, const KvView& v, int64_t n_cells, const int32_t* cell_pos,
               float* out, ThreadPool& pool, Workspace ws);

// ---- Activation quantization (exposed for tests and the quantizers) -------------------------

// Quantize one row of n floats to the activation formats used by the integer dot products.
void quantize_row_q8_0(const float* x, void* y, int64_t n);
void quantize_row_q8_1(const float* x, void* y, int64_t n);
void quantize_row_q8_K(const float* x, void* y, int64_t n);

}  // namespace edgellm::kernels
