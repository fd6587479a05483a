// The forward pass of decoder models (llama, qwen2, phi3, gemma, gemma2, Mixtral-style MoE) and
// of bert encoders, over the kernels of kernels/kernels.h. Numerics follow the reference GGUF
// runtime: an F16 (or Q8_0) KV cache, activations rounded or quantized to the weight's
// dot-product format inside each matmul, F32 everywhere else.
#include "model/context.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>

namespace edgellm::model {
namespace {

constexpr size_t kArenaAlign = 64;

uint8_t* alloc_zeroed(size_t bytes) {
  const size_t n = std::max<size_t>(kArenaAlign, (bytes + kArenaAlign - 1) / kArenaAlign * kArenaAlign);
  void* p = std::aligned_alloc(kArenaAlign, n);
  // Touch every page now, so that resident memory is what the plan says from the start.
  if (p != nullptr) std::memset(p, 0, n);
  return static_cast<uint8_t*>(p);
}

}  // namespace

Result<std::unique_ptr<Context>> Context::create(std::shared_ptr<const Model> model,
                                                 ContextParams params) {
  if (!model) return make_error(ErrorCode::kInvalidArgument, "no model");
  const HParams& hp = model->hparams();
  EDGELLM_ASSIGN_OR_RETURN(ContextParams p, resolve_params(hp, params));
  if (hp.head_dim_k != hp.head_dim_v) {
    return make_error(ErrorCode::kUnsupported,
                      "key head size %lld differs from value head size %lld",
                      static_cast<long long>(hp.head_dim_k), static_cast<long long>(hp.head_dim_v));
  }
  std::unique_ptr<Context> c(new Context());
  c->model_ = std::move(model);
  c->params_ = p;
  std::vector<WeightShape> shapes;
  for (const kernels::Matrix* m : c->model_->weights().all_matrices()) {
    shapes.push_back({m->type, m->n_cols});
  }
  c->plan_ = plan_memory(hp, p, shapes);
  c->arena_ = alloc_zeroed(c->plan_.scratch.total);
  c->kv_arena_ = alloc_zeroed(c->plan_.kv_bytes);
  if (c->arena_ == nullptr || c->kv_arena_ == nullptr) {
    return make_error(ErrorCode::kOutOfMemory, "cannot allocate %llu bytes of context buffers",
                      static_cast<unsigned long long>(c->plan_.scratch.total + c->plan_.kv_bytes));
  }
  c->pool_ = std::make_unique<ThreadPool>(p.n_threads);

  size_t off = 0;
  int64_t swa_cells = 0;
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    const int64_t cells = c->plan_.kv_cells[il];
    if (hp.sliding_window > 0 && hp.is_swa[il]) swa_cells = cells;
    for (auto* cache : {&c->k_cache_, &c->v_cache_}) {
      kernels::KvView kv;
      kv.type = p.kv_type;
      kv.head_dim = static_cast<int>(hp.head_dim_k);
      kv.row_bytes = row_size(p.kv_type, hp.head_dim_k);
      kv.capacity = cells;
      kv.data = c->kv_arena_ + off;
      off += static_cast<size_t>(hp.n_head_kv) * cells * kv.row_bytes;
      cache->push_back(kv);
    }
  }
  c->cell_pos_full_.assign(static_cast<size_t>(p.n_ctx), -1);
  c->cell_pos_swa_.assign(static_cast<size_t>(swa_cells), -1);
  c->moe_sel_.assign(static_cast<size_t>(p.n_batch * std::max(1, hp.n_expert_used)), 0);
  c->moe_w_.assign(c->moe_sel_.size(), 0.0f);
  c->moe_rows_.assign(c->moe_sel_.size(), 0);

  kernels::RopeParams& r = c->rope_;
  r.n_rot = hp.n_rot;
  r.mode = hp.rope_mode;
  r.freq_base = hp.rope_freq_base;
  r.freq_scale = hp.rope_freq_scale;
  const Weights& w = c->model_->weights();
  r.freq_factors = w.rope_freqs;
  if (w.rope_long != nullptr && w.rope_short != nullptr) {
    r.freq_factors = p.n_ctx > hp.n_ctx_orig ? w.rope_long : w.rope_short;
  }
  r.ext_factor = hp.rope_scaling == RopeScaling::kYarn ? 1.0f : 0.0f;
  r.attn_factor = hp.rope_attn_factor;
  r.beta_fast = hp.yarn_beta_fast;
  r.beta_slow = hp.yarn_beta_slow;
  r.n_ctx_orig = static_cast<int>(hp.n_ctx_orig);
  return c;
}

Context::~Context() {
  std::free(arena_);
  std::free(kv_arena_);
}

void Context::reset() {
  std::fill(cell_pos_full_.begin(), cell_pos_full_.end(), -1);
  std::fill(cell_pos_swa_.begin(), cell_pos_swa_.end(), -1);
  n_past_ = 0;
  n_logits_ = 0;
}

Status Context::rewind(int64_t n_keep) {
  if (n_keep < 0 || n_keep > n_past_) {
    return make_error(ErrorCode::kInvalidArgument, "cannot rewind to %lld of %lld tokens",
                      static_cast<long long>(n_keep), static_cast<long long>(n_past_));
  }
  if (!cell_pos_swa_.empty() && n_past_ - n_keep > params_.n_batch) {
    return make_error(ErrorCode::kUnsupported,
                      "a sliding-window cache cannot go back %lld tokens (at most %lld)",
                      static_cast<long long>(n_past_ - n_keep),
                      static_cast<long long>(params_.n_batch));
  }
  for (int32_t& p : cell_pos_full_) {
    if (p >= n_keep) p = -1;
  }
  for (int32_t& p : cell_pos_swa_) {
    if (p >= n_keep) p = -1;
  }
  n_past_ = n_keep;
  return Status::Ok();
}

Status Context::check_tokens(std::span<const Token> tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab()) {
      return make_error(ErrorCode::kInvalidArgument, "token %d at index %zu is outside the vocabulary (%lld)",
                        tokens[i], i, static_cast<long long>(n_vocab()));
    }
  }
  return Status::Ok();
}

Status Context::decode(std::span<const Token> tokens, bool all_logits) {
  if (!model_->hparams().is_decoder()) {
    return make_error(ErrorCode::kUnsupported, "%s is an embedding model: use embed()",
                      model_->hparams().arch_name.c_str());
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) return make_error(ErrorCode::kInvalidArgument, "nothing to decode (no tokens)");
  if (n_past_ + n > params_.n_ctx) {
    return make_error(ErrorCode::kOutOfRange,
                      "%lld tokens do not fit in the context: %lld of %lld positions are used "
                      "(raise the context size with -c)",
                      static_cast<long long>(n), static_cast<long long>(n_past_),
                      static_cast<long long>(params_.n_ctx));
  }
  if (all_logits && n > params_.n_outputs) {
    return make_error(ErrorCode::kInvalidArgument,
                      "logits for %lld tokens requested, but the context keeps at most %lld rows",
                      static_cast<long long>(n), static_cast<long long>(params_.n_outputs));
  }
  EDGELLM_RETURN_IF_ERROR(check_tokens(tokens));
  float* logits_out = buf(plan_.scratch.logits);
  for (int64_t start = 0; start < n; start += params_.n_batch) {
    const int64_t len = std::min(params_.n_batch, n - start);
    const bool last = start + len == n;
    const int64_t out_rows = all_logits ? len : (last ? 1 : 0);
    forward_decoder(tokens.data() + start, len, out_rows, logits_out);
    if (all_logits) logits_out += len * n_vocab();
  }
  n_logits_ = all_logits ? n : 1;
  return Status::Ok();
}

const float* Context::logits(int64_t i) const {
  if (i < 0 || i >= n_logits_) return nullptr;
  return buf(plan_.scratch.logits) + i * n_vocab();
}

void Context::mm(const kernels::Matrix& w, const float* x, int64_t n, float* y, int64_t ldx,
                 int64_t ldy) {
  if (observer_) observer_(w, x, n, ldx > 0 ? ldx : w.n_cols);
  kernels::Workspace ws{arena_ + plan_.scratch.matmul_ws, plan_.scratch.matmul_ws_bytes};
  kernels::matmul(w, x, n, y, *pool_, ws, ldx, ldy);
}

void Context::mm_many(std::initializer_list<const kernels::Matrix*> w,
                      std::initializer_list<float*> y, const float* x, int64_t n) {
  if (observer_) {
    for (const kernels::Matrix* m : w) observer_(*m, x, n, m->n_cols);
  }
  kernels::Workspace ws{arena_ + plan_.scratch.matmul_ws, plan_.scratch.matmul_ws_bytes};
  kernels::matmul_many(w.begin(), y.begin(), static_cast<int>(w.size()), x, n, *pool_, ws);
}

void Context::rows(int64_t n, FunctionRef<void(int64_t, int64_t)> fn) {
  constexpr int64_t kMinParallelRows = 32;
  if (n >= kMinParallelRows && pool_->size() > 1) {
    pool_->parallel_for(n, 8, fn);
  } else {
    fn(0, n);
  }
}

void Context::forward_decoder(const Token* tokens, int64_t n, int64_t n_out_rows,
                              float* logits_out) {
  const HParams& hp = model_->hparams();
  const Weights& w = model_->weights();
  const int64_t E = hp.n_embd;
  const ScratchLayout& s = plan_.scratch;
  float* x = buf(s.x);
  int32_t* pos = reinterpret_cast<int32_t*>(arena_ + s.pos);
  int32_t* swa_cells = reinterpret_cast<int32_t*>(arena_ + s.cells);

  for (int64_t t = 0; t < n; ++t) {
    pos[t] = static_cast<int32_t>(n_past_ + t);
    cell_pos_full_[pos[t]] = pos[t];
    if (!cell_pos_swa_.empty()) {
      swa_cells[t] = static_cast<int32_t>(pos[t] % static_cast<int64_t>(cell_pos_swa_.size()));
      cell_pos_swa_[swa_cells[t]] = pos[t];
    }
  }

  kernels::get_rows(w.tok_embd, tokens, n, x);
  if (hp.embed_scale != 1.0f) kernels::scale_inplace(x, hp.embed_scale, n * E);

  for (int64_t il = 0; il < hp.n_layer; ++il) {
    attention_block(il, n);
    ffn_block(il, n);
  }
  n_past_ += n;
  if (n_out_rows == 0) return;

  const float* rows = x + (n - n_out_rows) * E;
  float* xn = buf(s.xn);
  kernels::rms_norm(rows, w.output_norm, hp.norm_eps, E, n_out_rows, xn);
  mm(w.output, xn, n_out_rows, logits_out);
  if (hp.final_softcap > 0) {
    kernels::softcap_inplace(logits_out, hp.final_softcap, n_out_rows * hp.n_vocab);
  }
}

void Context::attention_block(int64_t il, int64_t n) {
  const HParams& hp = model_->hparams();
  const LayerWeights& L = model_->weights().layers[il];
  const ScratchLayout& s = plan_.scratch;
  const int64_t E = hp.n_embd, nq = hp.n_embd_q(), nk = hp.n_embd_k(), nv = hp.n_embd_v();
  float *x = buf(s.x), *xn = buf(s.xn), *q = buf(s.q), *k = buf(s.k), *v = buf(s.v);
  float *attn = buf(s.attn), *tmp = buf(s.tmp);
  const int32_t* pos = reinterpret_cast<const int32_t*>(arena_ + s.pos);

  rows(n, [&](int64_t b, int64_t e) {
    kernels::rms_norm(x + b * E, L.attn_norm, hp.norm_eps, E, e - b, xn + b * E);
  });
  if (L.wqkv.data != nullptr) {
    float* qkv = buf(s.qkv);
    const int64_t nqkv = nq + nk + nv;
    mm(L.wqkv, xn, n, qkv);
    if (L.bqkv) kernels::add_bias(qkv, L.bqkv, nqkv, n);
    for (int64_t t = 0; t < n; ++t) {
      std::memcpy(q + t * nq, qkv + t * nqkv, nq * sizeof(float));
      std::memcpy(k + t * nk, qkv + t * nqkv + nq, nk * sizeof(float));
      std::memcpy(v + t * nv, qkv + t * nqkv + nq + nk, nv * sizeof(float));
    }
  } else {
    mm_many({&L.wq, &L.wk, &L.wv}, {q, k, v}, xn, n);
    if (L.bq) kernels::add_bias(q, L.bq, nq, n);
    if (L.bk) kernels::add_bias(k, L.bk, nk, n);
    if (L.bv) kernels::add_bias(v, L.bv, nv, n);
  }
  const int hd = static_cast<int>(hp.head_dim_k);
  const bool swa = hp.sliding_window > 0 && hp.is_swa[il];
  const int32_t* cells = swa ? reinterpret_cast<const int32_t*>(arena_ + s.cells) : pos;
  const int n_kv = static_cast<int>(hp.n_head_kv);
  rows(n, [&](int64_t b, int64_t e) {
    if (rope_.n_rot > 0) {
      kernels::rope(q + b * nq, e - b, static_cast<int>(hp.n_head), hd, pos + b, rope_);
      kernels::rope(k + b * nk, e - b, static_cast<int>(hp.n_head_kv), hd, pos + b, rope_);
    }
    kernels::kv_store(k_cache_[il], n_kv, k + b * nk, e - b, cells + b);
    kernels::kv_store(v_cache_[il], n_kv, v + b * nv, e - b, cells + b);
  });

  kernels::AttentionParams ap;
  ap.n_heads = static_cast<int>(hp.n_head);
  ap.n_kv_heads = n_kv;
  ap.head_dim = hd;
  ap.scale = hp.attn_scale;
  ap.softcap = hp.attn_softcap;
  ap.causal = hp.causal;
  ap.window = swa ? hp.sliding_window : 0;
  const std::vector<int32_t>& cell_pos = swa ? cell_pos_swa_ : cell_pos_full_;
  const int64_t n_cells = std::min<int64_t>(static_cast<int64_t>(cell_pos.size()), n_past_ + n);
  kernels::Workspace ws{arena_ + s.attn_ws, s.attn_ws_bytes};
  kernels::attention(ap, q, n, pos, k_cache_[il], v_cache_[il], n_cells, cell_pos.data(), attn,
                     *pool_, ws);

  mm(L.wo, attn, n, tmp);
  if (L.bo) kernels::add_bias(tmp, L.bo, E, n);
  rows(n, [&](int64_t b, int64_t e) {
    if (L.post_attn_norm) {
      kernels::rms_norm(tmp + b * E, L.post_attn_norm, hp.norm_eps, E, e - b, tmp + b * E);
    }
    kernels::add_inplace(x + b * E, tmp + b * E, (e - b) * E);
  });
}

void Context::ffn_block(int64_t il, int64_t n) {
  const HParams& hp = model_->hparams();
  const LayerWeights& L = model_->weights().layers[il];
  const ScratchLayout& s = plan_.scratch;
  const int64_t E = hp.n_embd, F = hp.n_ff;
  float *x = buf(s.x), *xn = buf(s.xn), *tmp = buf(s.tmp);
  float *a = buf(s.ffn_a), *b = buf(s.ffn_b);

  rows(n, [&](int64_t r0, int64_t r1) {
    kernels::rms_norm(x + r0 * E, L.ffn_norm, hp.norm_eps, E, r1 - r0, xn + r0 * E);
  });
  if (hp.n_expert > 0) {
    moe_block(il, n);
  } else if (L.fused_gate_up) {
    mm(L.ffn_up, xn, n, a);  // [n, 2F]: gate then up
    rows(n, [&](int64_t r0, int64_t r1) {
      for (int64_t t = r0; t < r1; ++t) kernels::swiglu(a + t * 2 * F, a + t * 2 * F + F, F);
    });
    mm(L.ffn_down, a, n, tmp, 2 * F);
  } else {
    mm_many({&L.ffn_gate, &L.ffn_up}, {a, b}, xn, n);
    rows(n, [&](int64_t r0, int64_t r1) {
      if (hp.gelu_ffn) {
        kernels::geglu(a + r0 * F, b + r0 * F, (r1 - r0) * F);
      } else {
        kernels::swiglu(a + r0 * F, b + r0 * F, (r1 - r0) * F);
      }
    });
    mm(L.ffn_down, a, n, tmp);
  }
  rows(n, [&](int64_t r0, int64_t r1) {
    if (L.post_ffn_norm) {
      kernels::rms_norm(tmp + r0 * E, L.post_ffn_norm, hp.norm_eps, E, r1 - r0, tmp + r0 * E);
    }
    kernels::add_inplace(x + r0 * E, tmp + r0 * E, (r1 - r0) * E);
  });
}

// Mixtral-style experts: softmax router, top-k experts per token with their weights renormalized
// to sum to 1, SwiGLU experts. Tokens are grouped by expert so that each expert's matrices are
// read once per batch.
void Context::moe_block(int64_t il, int64_t n) {
  const HParams& hp = model_->hparams();
  const LayerWeights& L = model_->weights().layers[il];
  const ScratchLayout& s = plan_.scratch;
  const int64_t E = hp.n_embd, F = hp.n_ff;
  const int n_exp = hp.n_expert, k_used = hp.n_expert_used;
  float *xn = buf(s.xn), *tmp = buf(s.tmp), *router = buf(s.moe_router);
  float *gx = buf(s.moe_x), *gout = buf(s.moe_out), *a = buf(s.ffn_a), *b = buf(s.ffn_b);

  mm(L.ffn_gate_inp, xn, n, router);
  for (int64_t t = 0; t < n; ++t) {
    float* r = router + t * n_exp;
    kernels::softmax_inplace(r, n_exp);
    int32_t* sel = moe_sel_.data() + t * k_used;
    float* wt = moe_w_.data() + t * k_used;
    float sum = 0.0f;
    for (int j = 0; j < k_used; ++j) {
      int best = -1;
      for (int e = 0; e < n_exp; ++e) {
        bool taken = false;
        for (int i = 0; i < j; ++i) taken |= sel[i] == e;
        if (!taken && (best < 0 || r[e] > r[best])) best = e;
      }
      sel[j] = best;
      wt[j] = r[best];
      sum += r[best];
    }
    for (int j = 0; j < k_used; ++j) wt[j] /= sum;
  }
  std::fill(tmp, tmp + n * E, 0.0f);
  int32_t* rows = moe_rows_.data();
  for (int e = 0; e < n_exp; ++e) {
    int64_t c = 0;
    for (int64_t t = 0; t < n; ++t) {
      for (int j = 0; j < k_used; ++j) {
        if (moe_sel_[t * k_used + j] == e) {
          std::memcpy(gx + c * E, xn + t * E, E * sizeof(float));
          rows[c++] = static_cast<int32_t>(t * k_used + j);
        }
      }
    }
    if (c == 0) continue;
    mm(L.exp_gate[e], gx, c, a);
    mm(L.exp_up[e], gx, c, b);
    kernels::swiglu(a, b, c * F);
    mm(L.exp_down[e], a, c, gout);
    for (int64_t i = 0; i < c; ++i) {
      const int64_t t = rows[i] / k_used;
      const float wgt = moe_w_[rows[i]];
      float* dst = tmp + t * E;
      const float* src = gout + i * E;
      for (int64_t d = 0; d < E; ++d) dst[d] += wgt * src[d];
    }
  }
}

}  // namespace edgellm::model
