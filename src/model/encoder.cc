// The bert encoder forward pass (post-norm transformer with absolute positions and token types,
// bidirectional attention) and pooling, for embedding models such as all-MiniLM and bge.
#include <algorithm>
#include <cstring>

#include "model/context.h"

namespace edgellm::model {

Result<std::vector<float>> Context::embed(std::span<const Token> tokens) {
  const HParams& hp = model_->hparams();
  if (hp.is_decoder() || hp.pooling == Pooling::kNone) {
    return make_error(ErrorCode::kUnsupported,
                      "%s is not an embedding model (no pooling): use decode()",
                      hp.arch_name.c_str());
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) return make_error(ErrorCode::kInvalidArgument, "nothing to embed (no tokens)");
  if (n > params_.n_ctx) {
    return make_error(ErrorCode::kOutOfRange,
                      "input of %lld tokens is longer than the model's context of %lld",
                      static_cast<long long>(n), static_cast<long long>(params_.n_ctx));
  }
  EDGELLM_RETURN_IF_ERROR(check_tokens(tokens));
  std::vector<float> pooled(static_cast<size_t>(hp.n_embd));
  forward_encoder(tokens.data(), n, pooled.data());
  return pooled;
}

void Context::forward_encoder(const Token* tokens, int64_t n, float* pooled) {
  const HParams& hp = model_->hparams();
  const Weights& w = model_->weights();
  const ScratchLayout& s = plan_.scratch;
  const int64_t E = hp.n_embd, F = hp.n_ff;
  float *x = buf(s.x), *q = buf(s.q), *k = buf(s.k), *v = buf(s.v);
  float *attn = buf(s.attn), *tmp = buf(s.tmp), *a = buf(s.ffn_a);
  int32_t* pos = reinterpret_cast<int32_t*>(arena_ + s.pos);

  reset();
  for (int64_t t = 0; t < n; ++t) {
    pos[t] = static_cast<int32_t>(t);
    cell_pos_full_[t] = pos[t];
  }
  // Embeddings: token + position + token type 0, then LayerNorm.
  kernels::get_rows(w.tok_embd, tokens, n, x);
  kernels::get_rows(w.pos_embd, pos, n, tmp);
  kernels::add_inplace(x, tmp, n * E);
  if (w.type_embd.data != nullptr) {
    const int32_t type0 = 0;
    kernels::get_rows(w.type_embd, &type0, 1, tmp);
    for (int64_t t = 0; t < n; ++t) kernels::add_inplace(x + t * E, tmp, E);
  }
  kernels::layer_norm(x, w.embd_norm, w.embd_norm_b, hp.norm_eps, E, n, x);

  kernels::AttentionParams ap;
  ap.n_heads = static_cast<int>(hp.n_head);
  ap.n_kv_heads = static_cast<int>(hp.n_head_kv);
  ap.head_dim = static_cast<int>(hp.head_dim_k);
  ap.scale = hp.attn_scale;
  ap.causal = hp.causal;
  kernels::Workspace ws{arena_ + s.attn_ws, s.attn_ws_bytes};
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    const LayerWeights& L = w.layers[il];
    mm(L.wq, x, n, q);
    mm(L.wk, x, n, k);
    mm(L.wv, x, n, v);
    kernels::add_bias(q, L.bq, hp.n_embd_q(), n);
    kernels::add_bias(k, L.bk, hp.n_embd_k(), n);
    kernels::add_bias(v, L.bv, hp.n_embd_v(), n);
    kernels::kv_store(k_cache_[il], ap.n_kv_heads, k, n, pos);
    kernels::kv_store(v_cache_[il], ap.n_kv_heads, v, n, pos);
    kernels::attention(ap, q, n, pos, k_cache_[il], v_cache_[il], n, cell_pos_full_.data(), attn,
                       *pool_, ws);
    mm(L.wo, attn, n, tmp);
    kernels::add_bias(tmp, L.bo, E, n);
    kernels::add_inplace(x, tmp, n * E);
    kernels::layer_norm(x, L.attn_out_norm, L.attn_out_norm_b, hp.norm_eps, E, n, x);

    mm(L.ffn_up, x, n, a);
    kernels::add_bias(a, L.ffn_up_b, F, n);
    kernels::gelu_inplace(a, n * F);
    mm(L.ffn_down, a, n, tmp);
    kernels::add_bias(tmp, L.ffn_down_b, E, n);
    kernels::add_inplace(x, tmp, n * E);
    kernels::layer_norm(x, L.layer_out_norm, L.layer_out_norm_b, hp.norm_eps, E, n, x);
  }
  reset();

  switch (hp.pooling) {
    case Pooling::kCls:
      std::memcpy(pooled, x, E * sizeof(float));
      break;
    case Pooling::kLast:
      std::memcpy(pooled, x + (n - 1) * E, E * sizeof(float));
      break;
    default: {
      std::fill(pooled, pooled + E, 0.0f);
      for (int64_t t = 0; t < n; ++t) kernels::add_inplace(pooled, x + t * E, E);
      kernels::scale_inplace(pooled, 1.0f / static_cast<float>(n), E);
    }
  }
}

}  // namespace edgellm::model
