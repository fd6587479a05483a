// Fused attention over a KV cache with a streaming (online) softmax: cells are visited in chunks
// of kChunk; each chunk's scores are computed, the running max and normalizer are updated, and the
// value accumulator is rescaled, so no n_tokens x n_cells score matrix ever exists. Work is split
// over (token, KV head) pairs; the query heads of one GQA group share each K/V chunk while it is
// in cache. When there are too few pairs to keep every thread busy (decode), the cells are also
// split into ranges whose partial results are merged at the end. The split depends only on the
// shapes, never on the thread count, so results are identical for any number of threads.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/isa_table.h"
#include "quant/blocks.h"

namespace edgellm::kernels {
namespace {

constexpr int64_t kChunk = 64;      // cells per softmax update
constexpr int64_t kMinTasks = 16;   // split cells until at least this many tasks (if long enough)
constexpr int64_t kMinSplitCells = 256;
constexpr size_t kAlign = 64;
constexpr int64_t kTokenBlock = 4;  // prefill tokens per task with the group kernels
constexpr int kMaxQueries = 256;    // query rows (tokens x heads) the group kernels take at once

size_t align_up(size_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

struct Plan {
  int group;
  size_t q_bytes;       // one converted query head
  int64_t n_split;      // cell ranges per (token, KV head)
  int64_t split_len;    // cells per range (a multiple of kChunk)
  int64_t qb;           // tokens per task with the group kernels (unsplit case), else 1
  size_t scores_bytes;  // per-thread chunk scores
  size_t per_thread;    // scratch bytes per thread
  size_t partial_floats;  // per (token, head, split): m, l, acc[head_dim]
};

Plan make_plan(const AttentionParams& p, int64_t n_tokens, int64_t n_cells) {
  Plan plan{};
  plan.group = p.n_kv_heads > 0 ? std::max(1, p.n_heads / p.n_kv_heads) : 1;
  // A converted query head: F16, Q8_0, or (group kernels) floats holding F16-rounded values.
  plan.q_bytes = align_up(std::max<size_t>(static_cast<size_t>(p.head_dim) * 4,
                                           static_cast<size_t>(p.head_dim / 32) *
                                               sizeof(quant::block_q8_0)));
  const int64_t base_tasks = std::max<int64_t>(1, n_tokens * p.n_kv_heads);
  int64_t n_split = 1;
  if (base_tasks < kMinTasks && n_cells >= 2 * kMinSplitCells) {
    n_split = std::min((kMinTasks + base_tasks - 1) / base_tasks, n_cells / kMinSplitCells);
  }
  int64_t len = (n_cells + n_split - 1) / n_split;
  len = std::max<int64_t>(kChunk, (len + kChunk - 1) / kChunk * kChunk);
  plan.split_len = len;
  plan.n_split = std::max<int64_t>(1, (n_cells + len - 1) / len);
  plan.partial_floats = 2 + static_cast<size_t>(p.head_dim);
  // Prefill: a block of consecutive tokens shares each cache row (the group kernels take all
  // their query heads at once).
  plan.qb = plan.n_split == 1 ? std::min<int64_t>(kTokenBlock, n_tokens) : 1;
  const size_t nq = static_cast<size_t>(plan.group * plan.qb);
  // Converted queries, chunk scores, and (unsplit case) m, l and accumulators of the queries.
  // The scores buffer also stages one query head in F16 before the first chunk.
  plan.scores_bytes = align_up(std::max<size_t>(nq * kChunk * sizeof(float),
                                                static_cast<size_t>(p.head_dim) * 2));
  plan.per_thread = nq * plan.q_bytes + plan.scores_bytes +
                    align_up(nq * plan.partial_floats * sizeof(float)) +
                    align_up(static_cast<size_t>(plan.qb) * kChunk * sizeof(float));
  return plan;
}

bool valid_kv(const KvView& kv, int head_dim) {
  if (kv.data == nullptr || kv.head_dim != head_dim) return false;
  if (kv.type == TensorType::F16) return kv.row_bytes >= static_cast<size_t>(head_dim) * 2;
  if (kv.type == TensorType::Q8_0) {
    return head_dim % 32 == 0 &&
           kv.row_bytes >= static_cast<size_t>(head_dim / 32) * sizeof(quant::block_q8_0);
  }
  return false;
}

}  // namespace

bool kv_type_supported(TensorType type) {
  return type == TensorType::F16 || type == TensorType::Q8_0;
}

void kv_store(const KvView& kv, int n_kv_heads, const float* src, int64_t n_tokens,
              const int32_t* cell) {
  if (!valid_kv(kv, kv.head_dim)) return;
  const detail::IsaTable& tab = detail::active_table();
  const detail::ConvertRowFn convert =
      kv.type == TensorType::F16 ? tab.to_f16 : tab.quantize_q8_0;
  for (int64_t t = 0; t < n_tokens; ++t) {
    if (cell[t] < 0 || cell[t] >= kv.capacity) continue;  // never write outside the cache
    for (int h = 0; h < n_kv_heads; ++h) {
      uint8_t* dst = static_cast<uint8_t*>(kv.data) +
                     (static_cast<size_t>(h) * kv.capacity + cell[t]) * kv.row_bytes;
      convert(src + (t * n_kv_heads + h) * static_cast<int64_t>(kv.head_dim), dst, kv.head_dim);
    }
  }
}

size_t attention_workspace_size(const AttentionParams& p, int64_t n_tokens, int64_t n_cells,
                                int n_threads) {
  const Plan plan = make_plan(p, n_tokens, n_cells);
  size_t bytes = kAlign + static_cast<size_t>(std::max(1, n_threads)) * plan.per_thread;
  if (plan.n_split > 1) {
    bytes += align_up(static_cast<size_t>(n_tokens) * p.n_heads * plan.n_split *
                      plan.partial_floats * sizeof(float));
  }
  return bytes;
}

void attention(const AttentionParams& p, const float* q, int64_t n_tokens, const int32_t* q_pos,
               const KvView& k, const KvView& v, int64_t n_cells, const int32_t* cell_pos,
               float* out, ThreadPool& pool, Workspace ws) {
  const int hd = p.head_dim;
  if (n_tokens <= 0) return;
  if (p.n_heads <= 0 || p.n_kv_heads <= 0 || p.n_heads % p.n_kv_heads != 0 || hd <= 0 ||
      !valid_kv(k, hd) || !valid_kv(v, hd) || n_cells > k.capacity || n_cells > v.capacity) {
    std::memset(out, 0, sizeof(float) * n_tokens * p.n_heads * hd);
    return;
  }
  const Plan plan = make_plan(p, n_tokens, n_cells);
  const detail::IsaTable& tab = detail::active_table();
  const bool k_f16 = k.type == TensorType::F16;
  const bool v_f16 = v.type == TensorType::F16;
  const detail::ConvertRowFn q_convert = k_f16 ? tab.to_f16 : tab.quantize_q8_0;
  const auto kq = k_f16 ? tab.kq_f16 : tab.kq_q8_0;
  const auto pv = v_f16 ? tab.pv_f16 : tab.pv_q8_0;
  const auto exp_sum = tab.exp_sum;
  // All query heads of a GQA group in one call per chunk (each cache row converted once).
  const bool grouped = k_f16 && v_f16 && tab.kq_f16_group != nullptr &&
                       tab.pv_f16_group != nullptr && plan.group * plan.qb <= kMaxQueries;

  // Carve the workspace: per-thread scratch, then the partial results of split ranges.
  uint8_t* base = reinterpret_cast<uint8_t*>(
      (reinterpret_cast<uintptr_t>(ws.data) + kAlign - 1) / kAlign * kAlign);
  const size_t partial_bytes =
      plan.n_split > 1 ? align_up(static_cast<size_t>(n_tokens) * p.n_heads * plan.n_split *
                                  plan.partial_floats * sizeof(float))
                       : 0;
  const size_t usable = ws.size > kAlign + partial_bytes ? ws.size - kAlign - partial_bytes : 0;
  const int n_workers =
      static_cast<int>(std::min<size_t>(pool.size(), usable / std::max<size_t>(1, plan.per_thread)));
  if (ws.data == nullptr || n_workers < 1) {
    std::memset(out, 0, sizeof(float) * n_tokens * p.n_heads * hd);
    return;
  }
  float* partials = reinterpret_cast<float*>(base + n_workers * plan.per_thread);
  // Cache planes: KV head h starts at data + h * capacity * row_bytes.
  const float kq_scale = p.softcap > 0.0f ? p.scale / p.softcap : p.scale;
  const int64_t n_tasks = n_tokens * p.n_kv_heads * plan.n_split;

  std::atomic<int64_t> next{0};
  // Group kernels: a task is (block of qb tokens, KV head, cell range); its queries are the
  // block's tokens times the group's heads, row i = (token - t0) * group + g.
  const int64_t qb = grouped ? plan.qb : 1;
  const int64_t n_blocks = (n_tokens + qb - 1) / qb;
  const int64_t n_group_tasks = n_blocks * p.n_kv_heads * plan.n_split;
  auto run_grouped = [&](uint8_t* qconv, float* scores, float* state, float* masks) {
    const int64_t q_stride = static_cast<int64_t>(plan.q_bytes / sizeof(float));
    for (;;) {
      const int64_t task = next.fetch_add(1, std::memory_order_relaxed);
      if (task >= n_group_tasks) break;
      const int64_t split = task % plan.n_split;
      const int64_t pair = task / plan.n_split;
      const int64_t t0 = (pair / p.n_kv_heads) * qb;
      const int64_t t1 = std::min(n_tokens, t0 + qb);
      const int kh = static_cast<int>(pair % p.n_kv_heads);
      const int nq = static_cast<int>((t1 - t0) * plan.group);
      const int64_t c_begin = split * plan.split_len;
      const int64_t c_end = std::min(n_cells, c_begin + plan.split_len);
      // State of query row i: m, l, acc[hd]; rows ld_state floats apart.
      float* st0 = plan.n_split == 1
                       ? state
                       : partials + ((t0 * p.n_heads + static_cast<int64_t>(kh) * plan.group) *
                                         plan.n_split + split) * plan.partial_floats;
      const int64_t ld_state = plan.n_split == 1
                                   ? static_cast<int64_t>(plan.partial_floats)
                                   : plan.n_split * static_cast<int64_t>(plan.partial_floats);
      for (int i = 0; i < nq; ++i) {
        const int64_t t = t0 + i / plan.group;
        const int h = kh * plan.group + i % plan.group;
        // Rounded to F16 (staged in the scores buffer, free until the first chunk), then
        // widened back to floats.
        uint16_t* h16 = reinterpret_cast<uint16_t*>(scores);
        tab.to_f16(q + (t * p.n_heads + h) * static_cast<int64_t>(hd), h16, hd);
        tab.to_float[static_cast<int>(TensorType::F16)](h16, reinterpret_cast<float*>(qconv + i * plan.q_bytes), hd);
        float* s = st0 + i * ld_state;
        s[0] = -INFINITY;
        s[1] = 0.0f;
        std::memset(s + 2, 0, sizeof(float) * hd);
      }
      const uint8_t* k_plane =
          static_cast<const uint8_t*>(k.data) + static_cast<size_t>(kh) * k.capacity * k.row_bytes;
      const uint8_t* v_plane =
          static_cast<const uint8_t*>(v.data) + static_cast<size_t>(kh) * v.capacity * v.row_bytes;
      float factors[kMaxQueries];
      for (int64_t j0 = c_begin; j0 < c_end; j0 += kChunk) {
        const int64_t cn = std::min(kChunk, c_end - j0);
        // Additive masks (0 or -inf), once per token for all of the group's heads; a chunk that
        // no token of the block sees is skipped (causal prefill skips about half).
        bool any = false;
        for (int64_t t = t0; t < t1; ++t) {
          float* mk = masks + (t - t0) * kChunk;
          const int32_t qp = q_pos[t];
          const int32_t* cp = cell_pos + j0;
          // Branch-free, so that it vectorizes.
          for (int64_t j = 0; j < cn; ++j) {
            const bool vis = (cp[j] >= 0) & (!p.causal | (cp[j] <= qp)) &
                             ((p.window <= 0) | (qp - cp[j] < p.window));
            mk[j] = vis ? 0.0f : -INFINITY;
            any |= vis;
          }
        }
        if (!any) continue;
        tab.kq_f16_group(reinterpret_cast<const float*>(qconv), nq, q_stride,
                         k_plane + j0 * k.row_bytes, k.row_bytes, cn, hd, scores, kChunk);
        for (int i = 0; i < nq; ++i) {
          const float* mk = masks + (i / plan.group) * kChunk;
          float* sg = scores + i * kChunk;
          float cmax = -INFINITY;
          if (p.softcap <= 0.0f && tab.scale_mask_max != nullptr) {
            cmax = tab.scale_mask_max(sg, kq_scale, mk, cn);
          } else {
            for (int64_t j = 0; j < cn; ++j) {
              float sc = sg[j] * kq_scale;
              if (p.softcap > 0.0f) sc = p.softcap * std::tanh(sc);
              sg[j] = sc + mk[j];
              cmax = std::max(cmax, sg[j]);
            }
          }
          float* s = st0 + i * ld_state;
          const float m_new = std::max(s[0], cmax);
          if (m_new == -INFINITY) {  // nothing visible yet for this query: keep the state
            factors[i] = 1.0f;
            std::memset(sg, 0, sizeof(float) * cn);
            continue;
          }
          factors[i] = s[0] == -INFINITY ? 0.0f : std::exp(s[0] - m_new);
          const float sum = exp_sum(sg, cn, m_new);
          s[0] = m_new;
          s[1] = s[1] * factors[i] + sum;
        }
        tab.pv_f16_group(scores, kChunk, nq, v_plane + j0 * v.row_bytes, v.row_bytes, cn, hd,
                         factors, st0 + 2, ld_state);
      }
      if (plan.n_split == 1) {
        for (int i = 0; i < nq; ++i) {
          const float* s = st0 + i * ld_state;
          const int64_t t = t0 + i / plan.group;
          const int h = kh * plan.group + i % plan.group;
          float* o = out + (t * p.n_heads + h) * static_cast<int64_t>(hd);
          const float inv = s[1] > 0.0f ? 1.0f / s[1] : 0.0f;
          for (int d = 0; d < hd; ++d) o[d] = s[2 + d] * inv;
        }
      }
    }
  };
  pool.run([&](int ith, int) {
    if (ith >= n_workers) return;
    uint8_t* scratch = base + ith * plan.per_thread;
    uint8_t* qconv = scratch;
    const size_t nq_max = static_cast<size_t>(plan.group * plan.qb);
    float* scores = reinterpret_cast<float*>(scratch + nq_max * plan.q_bytes);
    float* state = scores + plan.scores_bytes / sizeof(float);
    if (grouped) {
      run_grouped(scratch, scores, state,
                  state + align_up(nq_max * plan.partial_floats * sizeof(float)) / sizeof(float));
      return;
    }
    for (;;) {
      const int64_t task = next.fetch_add(1, std::memory_order_relaxed);
      if (task >= n_tasks) break;
      const int64_t split = task % plan.n_split;
      const int64_t pair = task / plan.n_split;
      const int64_t t = pair / p.n_kv_heads;
      const int kh = static_cast<int>(pair % p.n_kv_heads);
      const int32_t qp = q_pos[t];
      const int64_t c_begin = split * plan.split_len;
      const int64_t c_end = std::min(n_cells, c_begin + plan.split_len);

      // State per group head g: m, l, acc[hd]; in the per-thread scratch or the partials.
      auto st = [&](int g) -> float* {
        if (plan.n_split == 1) return state + g * plan.partial_floats;
        const int64_t h = static_cast<int64_t>(kh) * plan.group + g;
        return partials + ((t * p.n_heads + h) * plan.n_split + split) * plan.partial_floats;
      };
      for (int g = 0; g < plan.group; ++g) {
        const int h = kh * plan.group + g;
        q_convert(q + (t * p.n_heads + h) * static_cast<int64_t>(hd), qconv + g * plan.q_bytes,
                  hd);
        float* s = st(g);
        s[0] = -INFINITY;
        s[1] = 0.0f;
        std::memset(s + 2, 0, sizeof(float) * hd);
      }
      const uint8_t* k_plane =
          static_cast<const uint8_t*>(k.data) + static_cast<size_t>(kh) * k.capacity * k.row_bytes;
      const uint8_t* v_plane =
          static_cast<const uint8_t*>(v.data) + static_cast<size_t>(kh) * v.capacity * v.row_bytes;

      for (int64_t j0 = c_begin; j0 < c_end; j0 += kChunk) {
        const int64_t cn = std::min(kChunk, c_end - j0);
        // Visible cells of this chunk; skip the chunk if none (causal prefill skips half).
        bool any = false;
        for (int64_t j = 0; j < cn; ++j) {
          const int32_t cp = cell_pos[j0 + j];
          const bool vis = cp >= 0 && (!p.causal || cp <= qp) && (p.window <= 0 || qp - cp < p.window);
          any |= vis;
        }
        if (!any) continue;
        for (int g = 0; g < plan.group; ++g) {
          kq(qconv + g * plan.q_bytes, k_plane + j0 * k.row_bytes, k.row_bytes, cn, hd, scores);
          float cmax = -INFINITY;
          for (int64_t j = 0; j < cn; ++j) {
            const int32_t cp = cell_pos[j0 + j];
            const bool vis =
                cp >= 0 && (!p.causal || cp <= qp) && (p.window <= 0 || qp - cp < p.window);
            float sc = scores[j] * kq_scale;
            if (p.softcap > 0.0f) sc = p.softcap * std::tanh(sc);
            scores[j] = vis ? sc : -INFINITY;
            cmax = std::max(cmax, scores[j]);
          }
          float* s = st(g);
          const float m_new = std::max(s[0], cmax);
          const float factor = s[0] == -INFINITY ? 0.0f : std::exp(s[0] - m_new);
          const float sum = exp_sum(scores, cn, m_new);
          s[0] = m_new;
          s[1] = s[1] * factor + sum;
          pv(scores, v_plane + j0 * v.row_bytes, v.row_bytes, cn, hd, factor, s + 2);
        }
      }
      if (plan.n_split == 1) {
        for (int g = 0; g < plan.group; ++g) {
          const float* s = st(g);
          const int h = kh * plan.group + g;
          float* o = out + (t * p.n_heads + h) * static_cast<int64_t>(hd);
          const float inv = s[1] > 0.0f ? 1.0f / s[1] : 0.0f;
          for (int d = 0; d < hd; ++d) o[d] = s[2 + d] * inv;
        }
      }
    }
  });

  if (plan.n_split > 1) {
    // Merge the ranges of each (token, head): rescale every partial to the global max.
    for (int64_t t = 0; t < n_tokens; ++t) {
      for (int h = 0; h < p.n_heads; ++h) {
        const float* part = partials + (t * p.n_heads + h) * plan.n_split * plan.partial_floats;
        float m = -INFINITY;
        for (int64_t s = 0; s < plan.n_split; ++s) m = std::max(m, part[s * plan.partial_floats]);
        float* o = out + (t * p.n_heads + h) * static_cast<int64_t>(hd);
        std::memset(o, 0, sizeof(float) * hd);
        float l = 0.0f;
        if (m != -INFINITY) {
          for (int64_t s = 0; s < plan.n_split; ++s) {
            const float* ps = part + s * plan.partial_floats;
            if (ps[0] == -INFINITY) continue;
            const float f = std::exp(ps[0] - m);
            l += ps[1] * f;
            for (int d = 0; d < hd; ++d) o[d] += ps[2 + d] * f;
          }
        }
        const float inv = l > 0.0f ? 1.0f / l : 0.0f;
        for (int d = 0; d < hd; ++d) o[d] *= inv;
      }
    }
  }
}

}  // namespace edgellm::kernels
