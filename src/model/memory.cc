// Buffer sizing for a Context (see memory.h).
#include "model/memory.h"

#include <algorithm>

#include "base/sysinfo.h"
#include "kernels/kernels.h"

namespace edgellm::model {
namespace {

constexpr size_t kAlign = 64;

class Arena {
 public:
  size_t add(size_t bytes) {
    const size_t off = size_;
    size_ += (bytes + kAlign - 1) / kAlign * kAlign;
    return off;
  }
  size_t floats(int64_t n) { return add(static_cast<size_t>(std::max<int64_t>(n, 0)) * 4); }
  size_t size() const { return size_; }

 private:
  size_t size_ = 0;
};

}  // namespace

Result<ContextParams> resolve_params(const HParams& hp, ContextParams p) {
  if (p.n_ctx < 0 || p.n_ctx > (int64_t{1} << 24)) {
    return make_error(ErrorCode::kInvalidArgument, "context size %lld is out of range",
                      static_cast<long long>(p.n_ctx));
  }
  if (p.n_ctx == 0) {
    p.n_ctx = std::min<int64_t>(hp.n_ctx_train, hp.is_decoder() ? 4096 : hp.n_ctx_train);
  }
  if (!hp.is_decoder() && p.n_ctx > hp.n_ctx_train) {
    return make_error(ErrorCode::kInvalidArgument,
                      "context size %lld exceeds the %lld positions this encoder was trained with",
                      static_cast<long long>(p.n_ctx), static_cast<long long>(hp.n_ctx_train));
  }
  if (p.n_batch <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "batch size must be positive");
  }
  // An encoder sees its whole input at once.
  p.n_batch = hp.is_decoder() ? std::min(p.n_batch, p.n_ctx) : p.n_ctx;
  p.n_outputs = std::clamp<int64_t>(p.n_outputs, 1, p.n_batch);
  if (!kernels::kv_type_supported(p.kv_type)) {
    return make_error(ErrorCode::kInvalidArgument, "KV cache type %s is not supported (f16, q8_0)",
                      tensor_type_name(p.kv_type));
  }
  const int64_t bs = traits(p.kv_type).block_size;
  if (hp.head_dim_k % bs != 0 || hp.head_dim_v % bs != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "KV cache type %s needs a head size that is a multiple of %lld (this model: %lld)",
                      tensor_type_name(p.kv_type), static_cast<long long>(bs),
                      static_cast<long long>(hp.head_dim_k));
  }
  if (p.n_threads <= 0) p.n_threads = std::max(1, physical_core_count());
  return p;
}

int64_t kv_cells_for_layer(const HParams& hp, const ContextParams& p, int64_t il) {
  if (hp.sliding_window > 0 && hp.is_swa[static_cast<size_t>(il)]) {
    return std::min<int64_t>(p.n_ctx, hp.sliding_window + p.n_batch);
  }
  return p.n_ctx;
}

MemoryPlan plan_memory(const HParams& hp, const ContextParams& p,
                       const std::vector<WeightShape>& matrices) {
  MemoryPlan plan;
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    const int64_t cells = kv_cells_for_layer(hp, p, il);
    plan.kv_cells.push_back(cells);
    plan.kv_bytes += static_cast<uint64_t>(hp.n_head_kv) * cells *
                     (row_size(p.kv_type, hp.head_dim_k) + row_size(p.kv_type, hp.head_dim_v));
  }

  const int64_t B = p.n_batch;
  Arena a;
  ScratchLayout& s = plan.scratch;
  s.x = a.floats(B * hp.n_embd);
  s.xn = a.floats(B * hp.n_embd);
  s.q = a.floats(B * hp.n_embd_q());
  s.k = a.floats(B * hp.n_embd_k());
  s.v = a.floats(B * hp.n_embd_v());
  // Only phi3 stores q, k and v as one fused matrix.
  s.qkv = a.floats(hp.arch == Arch::kPhi3 ? B * (hp.n_embd_q() + hp.n_embd_k() + hp.n_embd_v())
                                          : 0);
  s.attn = a.floats(B * hp.n_head * hp.head_dim_v);
  s.tmp = a.floats(B * hp.n_embd);
  // The feed-forward input is n_ff wide (2 n_ff for a fused gate/up projection).
  s.ffn_a = a.floats(B * 2 * hp.n_ff);
  s.ffn_b = a.floats(hp.is_decoder() ? B * hp.n_ff : 0);
  if (hp.n_expert > 0) {
    s.moe_router = a.floats(B * hp.n_expert);
    s.moe_x = a.floats(B * hp.n_embd);
    s.moe_out = a.floats(B * hp.n_embd);
  }
  s.logits = a.floats(hp.is_decoder() ? p.n_outputs * hp.n_vocab : hp.n_embd);
  s.pos = a.add(static_cast<size_t>(B) * sizeof(int32_t));
  s.cells = a.add(static_cast<size_t>(B) * sizeof(int32_t));

  size_t mm = 0;
  for (const WeightShape& w : matrices) {
    mm = std::max(mm, kernels::matmul_workspace_size(w.type, w.n_cols, B));
  }
  s.matmul_ws_bytes = mm;
  s.matmul_ws = a.add(mm);

  kernels::AttentionParams ap;
  ap.n_heads = static_cast<int>(hp.n_head);
  ap.n_kv_heads = static_cast<int>(hp.n_head_kv);
  ap.head_dim = static_cast<int>(std::max(hp.head_dim_k, hp.head_dim_v));
  size_t aw = 0;
  // The split of long caches over threads depends on the token count; take the largest need.
  const int64_t max_cells = *std::max_element(plan.kv_cells.begin(), plan.kv_cells.end());
  for (int64_t t = 1; t <= std::min<int64_t>(B, 32); ++t) {
    aw = std::max(aw, kernels::attention_workspace_size(ap, t, max_cells, p.n_threads));
  }
  aw = std::max(aw, kernels::attention_workspace_size(ap, B, max_cells, p.n_threads));
  s.attn_ws_bytes = aw;
  s.attn_ws = a.add(aw);
  s.total = a.size();
  return plan;
}

}  // namespace edgellm::model
