// The matrix-product driver: converts the activations once into the weight type's dot-product
// format (in the caller's workspace), then splits the output rows into fixed-size blocks that the
// pool's threads take one at a time, so both cores finish together. Each block runs the active
// ISA's gemm over all tokens; block sizes depend only on the shapes, so results do not depend on
// the thread count.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/log.h"
#include "kernels/isa_table.h"
#include "kernels/kernels.h"

namespace edgellm::kernels {
namespace {

constexpr size_t kAlign = 64;

size_t align_up(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

bool valid_type_id(TensorType type) {
  const int id = static_cast<int>(type);
  return id >= 0 && id < detail::kMaxTypeId;
}

// Rows per task: at least 16 (a multiple of every micro-kernel's row tile), more for very tall
// matrices so that the task counter is not touched too often.
int64_t rows_per_task(int64_t n_rows, int64_t n_tokens) {
  int64_t rb = n_tokens > 1 ? 16 : n_rows / 64;
  rb = std::clamp<int64_t>(rb, 16, 256);
  return (rb + 15) / 16 * 16;
}

void zero_output(float* y, int64_t n_tokens, int64_t n_rows, int64_t ldy) {
  for (int64_t t = 0; t < n_tokens; ++t) std::memset(y + t * ldy, 0, n_rows * sizeof(float));
}

// Splits [0, n_tasks) so that each thread walks its own contiguous share in order (weights are
// then read as one sequential stream per thread, which the hardware prefetchers follow; tasks
// handed out round-robin interleave the two streams and halve decode bandwidth), and a thread
// that finishes early takes the remaining tasks of the others, so both still finish together.
// One thread (or one task): in order, on the caller.
template <class F>
void run_split(ThreadPool& pool, int64_t n_tasks, const F& run_task) {
  if (pool.size() == 1 || n_tasks <= 1) {
    for (int64_t task = 0; task < n_tasks; ++task) run_task(task);
    return;
  }
  struct alignas(64) Share {
    std::atomic<int64_t> next;
    int64_t end;
  };
  constexpr int kMaxShares = 64;
  const int nth = std::min(pool.size(), kMaxShares);
  Share shares[kMaxShares];
  for (int i = 0; i < nth; ++i) {
    shares[i].next.store(n_tasks * i / nth, std::memory_order_relaxed);
    shares[i].end = n_tasks * (i + 1) / nth;
  }
  pool.run([&](int ith, int) {
    const int first = ith % nth;
    for (int k = 0; k < nth; ++k) {
      Share& sh = shares[(first + k) % nth];
      for (int64_t task; (task = sh.next.fetch_add(1, std::memory_order_relaxed)) < sh.end;) {
        run_task(task);
      }
    }
  });
}

}  // namespace

bool matmul_supported(TensorType type) {
  return valid_type_id(type) &&
         detail::scalar_table().matmul[static_cast<int>(type)].gemm != nullptr;
}

Status validate_matrix(const Matrix& w, const char* name) {
  if (!matmul_supported(w.type)) {
    return make_error(ErrorCode::kUnsupported, "tensor '%s': type %s has no matrix product", name,
                      tensor_type_name(w.type));
  }
  const int64_t block = detail::scalar_table().matmul[static_cast<int>(w.type)].block;
  if (w.n_cols <= 0 || w.n_rows <= 0 || w.n_cols % block != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor '%s': %lld x %lld %s matrix (columns must be a positive multiple "
                      "of %lld)",
                      name, static_cast<long long>(w.n_rows), static_cast<long long>(w.n_cols),
                      tensor_type_name(w.type), static_cast<long long>(block));
  }
  if (w.data == nullptr || w.row_bytes < row_size(w.type, w.n_cols)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tensor '%s': row stride %zu is smaller than a row of %lld %s elements",
                      name, w.row_bytes, static_cast<long long>(w.n_cols),
                      tensor_type_name(w.type));
  }
  return Status::Ok();
}

size_t matmul_workspace_size(TensorType type, int64_t n_cols, int64_t n_tokens) {
  if (!matmul_supported(type) || n_cols <= 0 || n_tokens <= 0) return 0;
  // Any supported ISA may run the product (EDGELLM_ISA, ScopedIsa): size for the largest.
  size_t row = 0;
  for (Isa isa : supported_isas()) {
    const detail::MatmulKernel& mk = detail::isa_table(isa).matmul[static_cast<int>(type)];
    if (mk.convert != nullptr) row = std::max(row, align_up(mk.act_row_bytes(n_cols)));
  }
  return row == 0 ? 0 : kAlign + row * static_cast<size_t>(n_tokens);
}

namespace {

// The active ISA's kernel for w, or null (after logging once) if w cannot be multiplied.
const detail::MatmulKernel* kernel_for(const Matrix& w) {
  if (!valid_type_id(w.type)) return nullptr;
  const detail::MatmulKernel& mk = detail::active_table().matmul[static_cast<int>(w.type)];
  if (mk.gemm == nullptr || w.n_cols % mk.block != 0) {
    static std::atomic<bool> logged{false};  // a misuse repeats every token: say it once
    if (!logged.exchange(true)) {
      EDGELLM_LOG_ERROR("matmul: unsupported %s matrix with %lld columns (see validate_matrix)",
                        tensor_type_name(w.type), static_cast<long long>(w.n_cols));
    }
    return nullptr;
  }
  return &mk;
}

// Converts the n_tokens activation rows into mk's dot-product format in the workspace (or uses
// the floats as they are). False if the workspace is too small.
bool prepare_activations(const detail::MatmulKernel& mk, const float* x, int64_t ldx,
                         int64_t n_cols, int64_t n_tokens, ThreadPool& pool, Workspace ws,
                         const void** act, size_t* act_stride) {
  *act = x;
  *act_stride = static_cast<size_t>(ldx) * sizeof(float);
  if (mk.convert == nullptr) return true;
  *act_stride = align_up(mk.act_row_bytes(n_cols));
  const size_t stride = *act_stride;
  uint8_t* base = reinterpret_cast<uint8_t*>(
      (reinterpret_cast<uintptr_t>(ws.data) + kAlign - 1) / kAlign * kAlign);
  if (ws.data == nullptr || ws.size < kAlign + stride * n_tokens) {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) {
      EDGELLM_LOG_ERROR("matmul: workspace of %zu bytes is too small (need %zu)", ws.size,
                        kAlign + stride * n_tokens);
    }
    return false;
  }
  const detail::ConvertRowFn convert = mk.convert;
  auto convert_rows = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) convert(x + t * ldx, base + t * stride, n_cols);
  };
  if (n_tokens >= 8) {
    pool.parallel_for(n_tokens, 4, convert_rows);
  } else {
    convert_rows(0, n_tokens);
  }
  *act = base;
  return true;
}

}  // namespace

void matmul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            Workspace ws, int64_t ldx, int64_t ldy) {
  if (n_tokens <= 0 || w.n_rows <= 0) return;
  if (ldx == 0) ldx = w.n_cols;
  if (ldy == 0) ldy = w.n_rows;
  const detail::MatmulKernel* mk = kernel_for(w);
  const void* act = nullptr;
  size_t act_stride = 0;
  if (mk == nullptr ||
      !prepare_activations(*mk, x, ldx, w.n_cols, n_tokens, pool, ws, &act, &act_stride)) {
    zero_output(y, n_tokens, w.n_rows, ldy);
    return;
  }
  const int64_t rb = rows_per_task(w.n_rows, n_tokens);
  const int64_t n_tasks = (w.n_rows + rb - 1) / rb;
  const uint8_t* wdata = static_cast<const uint8_t*>(w.data);
  const detail::GemmFn gemm = mk->gemm;
  auto run_task = [&](int64_t task) {
    const int64_t r0 = task * rb;
    const int64_t nr = std::min(rb, w.n_rows - r0);
    gemm(w.n_cols, wdata + r0 * w.row_bytes, w.row_bytes, nr, act, act_stride, n_tokens, y + r0,
         ldy);
  };
  run_split(pool, n_tasks, run_task);
}

void matmul_many(const Matrix* const* w, float* const* y, int count, const float* x,
                 int64_t n_tokens, ThreadPool& pool, Workspace ws) {
  if (count <= 0 || n_tokens <= 0) return;
  constexpr int kMaxMany = 8;
  // One conversion serves all only if every matrix takes the same activation format.
  const detail::MatmulKernel* mk[kMaxMany];
  bool shared = count <= kMaxMany;
  for (int i = 0; shared && i < count; ++i) {
    mk[i] = kernel_for(*w[i]);
    shared = mk[i] != nullptr && w[i]->n_cols == w[0]->n_cols && w[i]->n_rows > 0 &&
             mk[i]->convert == mk[0]->convert && mk[i]->act_row_bytes == mk[0]->act_row_bytes;
  }
  if (!shared) {
    for (int i = 0; i < count; ++i) matmul(*w[i], x, n_tokens, y[i], pool, ws);
    return;
  }
  const int64_t n_cols = w[0]->n_cols;
  const void* act = nullptr;
  size_t act_stride = 0;
  if (!prepare_activations(*mk[0], x, n_cols, n_cols, n_tokens, pool, ws, &act, &act_stride)) {
    for (int i = 0; i < count; ++i) zero_output(y[i], n_tokens, w[i]->n_rows, w[i]->n_rows);
    return;
  }
  // The tasks of every matrix in one list: matrix i owns tasks [first[i], first[i + 1]).
  int64_t rb[kMaxMany], first[kMaxMany + 1];
  first[0] = 0;
  for (int i = 0; i < count; ++i) {
    rb[i] = rows_per_task(w[i]->n_rows, n_tokens);
    first[i + 1] = first[i] + (w[i]->n_rows + rb[i] - 1) / rb[i];
  }
  auto run_task = [&](int64_t task) {
    int i = 0;
    while (task >= first[i + 1]) ++i;
    const Matrix& m = *w[i];
    const int64_t r0 = (task - first[i]) * rb[i];
    const int64_t nr = std::min(rb[i], m.n_rows - r0);
    mk[i]->gemm(n_cols, static_cast<const uint8_t*>(m.data) + r0 * m.row_bytes, m.row_bytes, nr,
                act, act_stride, n_tokens, y[i] + r0, m.n_rows);
  };
  run_split(pool, first[count], run_task);
}

}  // namespace edgellm::kernels
