// Binding GGUF tensors to the weight structs, with every shape and type checked against the
// hyperparameters before anything runs.
#include "model/weights.h"

#include <string>

namespace edgellm::model {
namespace {

std::string shape_str(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

class Binder {
 public:
  Binder(const gguf::File& f, std::vector<std::vector<float>>& owned) : f_(f), owned_(owned) {}

  const gguf::TensorInfo* find(const std::string& name) const { return f_.find_tensor(name); }

  Status check_shape(const gguf::TensorInfo& t, const std::vector<int64_t>& want) const {
    if (t.ne != want) {
      return make_error(ErrorCode::kCorruptFile, "tensor '%s' has shape %s, expected %s",
                        t.name.c_str(), shape_str(t.ne).c_str(), shape_str(want).c_str());
    }
    return Status::Ok();
  }

  // A 1-D vector of n floats; null if absent and optional.
  Result<const float*> vec(const std::string& name, int64_t n, bool required = true) {
    const gguf::TensorInfo* t = find(name);
    if (t == nullptr) {
      if (required) return missing(name);
      return static_cast<const float*>(nullptr);
    }
    EDGELLM_RETURN_IF_ERROR(check_shape(*t, {n}));
    if (t->type == TensorType::F32) return reinterpret_cast<const float*>(t->data);
    if (!kernels::dequantize_supported(t->type) || n % traits(t->type).block_size != 0) {
      return make_error(ErrorCode::kUnsupported, "tensor '%s' has type %s, not usable for a vector",
                        name.c_str(), tensor_type_name(t->type));
    }
    owned_.emplace_back(static_cast<size_t>(n));
    kernels::dequantize_row(t->type, t->data, owned_.back().data(), n);
    return static_cast<const float*>(owned_.back().data());
  }

  // A 2-D matrix [n_cols, n_rows]; an empty Matrix if absent and optional.
  Result<kernels::Matrix> mat(const std::string& name, int64_t n_cols, int64_t n_rows,
                              bool required = true) {
    const gguf::TensorInfo* t = find(name);
    if (t == nullptr) {
      if (required) return missing(name);
      return kernels::Matrix{};
    }
    EDGELLM_RETURN_IF_ERROR(check_shape(*t, {n_cols, n_rows}));
    return to_matrix(*t, t->data, n_cols, n_rows);
  }

  // A 3-D expert tensor [n_cols, n_rows, n_expert] as one matrix per expert.
  Result<std::vector<kernels::Matrix>> experts(const std::string& name, int64_t n_cols,
                                               int64_t n_rows, int n_expert) {
    const gguf::TensorInfo* t = find(name);
    if (t == nullptr) return missing(name);
    EDGELLM_RETURN_IF_ERROR(check_shape(*t, {n_cols, n_rows, n_expert}));
    std::vector<kernels::Matrix> out;
    const size_t rb = row_size(t->type, n_cols);
    for (int e = 0; e < n_expert; ++e) {
      EDGELLM_ASSIGN_OR_RETURN(kernels::Matrix m,
                               to_matrix(*t, t->data + static_cast<size_t>(e) * n_rows * rb,
                                         n_cols, n_rows));
      out.push_back(m);
    }
    return out;
  }

 private:
  Status missing(const std::string& name) const {
    return make_error(ErrorCode::kCorruptFile, "model is missing tensor '%s'", name.c_str());
  }

  Result<kernels::Matrix> to_matrix(const gguf::TensorInfo& t, const uint8_t* data,
                                    int64_t n_cols, int64_t n_rows) const {
    kernels::Matrix m;
    m.type = t.type;
    m.data = data;
    m.n_cols = n_cols;
    m.n_rows = n_rows;
    const TensorTypeTraits& tr = traits(t.type);
    if (tr.block_size <= 0 || n_cols % tr.block_size != 0) {
      return make_error(ErrorCode::kCorruptFile,
                        "tensor '%s': %lld columns is not a multiple of the %s block size",
                        t.name.c_str(), static_cast<long long>(n_cols), tr.name);
    }
    m.row_bytes = row_size(t.type, n_cols);
    EDGELLM_RETURN_IF_ERROR(kernels::validate_matrix(m, t.name.c_str()));
    return m;
  }

  const gguf::File& f_;
  std::vector<std::vector<float>>& owned_;
};

std::string blk(int64_t il, const char* name) {
  return "blk." + std::to_string(il) + "." + name + ".weight";
}
std::string blk_bias(int64_t il, const char* name) {
  return "blk." + std::to_string(il) + "." + name + ".bias";
}

Status bind_decoder_layer(Binder& b, const HParams& hp, int64_t il, LayerWeights& L) {
  const int64_t E = hp.n_embd;
  EDGELLM_ASSIGN_OR_RETURN(L.attn_norm, b.vec(blk(il, "attn_norm"), E));
  if (b.find(blk(il, "attn_qkv")) != nullptr) {
    const int64_t n_qkv = hp.n_embd_q() + hp.n_embd_k() + hp.n_embd_v();
    EDGELLM_ASSIGN_OR_RETURN(L.wqkv, b.mat(blk(il, "attn_qkv"), E, n_qkv));
    EDGELLM_ASSIGN_OR_RETURN(L.bqkv, b.vec(blk_bias(il, "attn_qkv"), n_qkv, false));
  } else {
    EDGELLM_ASSIGN_OR_RETURN(L.wq, b.mat(blk(il, "attn_q"), E, hp.n_embd_q()));
    EDGELLM_ASSIGN_OR_RETURN(L.wk, b.mat(blk(il, "attn_k"), E, hp.n_embd_k()));
    EDGELLM_ASSIGN_OR_RETURN(L.wv, b.mat(blk(il, "attn_v"), E, hp.n_embd_v()));
    EDGELLM_ASSIGN_OR_RETURN(L.bq, b.vec(blk_bias(il, "attn_q"), hp.n_embd_q(), false));
    EDGELLM_ASSIGN_OR_RETURN(L.bk, b.vec(blk_bias(il, "attn_k"), hp.n_embd_k(), false));
    EDGELLM_ASSIGN_OR_RETURN(L.bv, b.vec(blk_bias(il, "attn_v"), hp.n_embd_v(), false));
  }
  EDGELLM_ASSIGN_OR_RETURN(L.wo, b.mat(blk(il, "attn_output"), hp.n_head * hp.head_dim_v, E));
  EDGELLM_ASSIGN_OR_RETURN(L.bo, b.vec(blk_bias(il, "attn_output"), E, false));
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_norm, b.vec(blk(il, "ffn_norm"), E));
  if (hp.post_norms) {
    EDGELLM_ASSIGN_OR_RETURN(L.post_attn_norm, b.vec(blk(il, "post_attention_norm"), E));
    EDGELLM_ASSIGN_OR_RETURN(L.post_ffn_norm, b.vec(blk(il, "post_ffw_norm"), E));
  }
  const int64_t F = hp.n_ff;
  if (hp.n_expert > 0) {
    EDGELLM_ASSIGN_OR_RETURN(L.ffn_gate_inp, b.mat(blk(il, "ffn_gate_inp"), E, hp.n_expert));
    if (b.find(blk(il, "ffn_gate_exps")) != nullptr) {
      EDGELLM_ASSIGN_OR_RETURN(L.exp_gate, b.experts(blk(il, "ffn_gate_exps"), E, F, hp.n_expert));
      EDGELLM_ASSIGN_OR_RETURN(L.exp_up, b.experts(blk(il, "ffn_up_exps"), E, F, hp.n_expert));
      EDGELLM_ASSIGN_OR_RETURN(L.exp_down, b.experts(blk(il, "ffn_down_exps"), F, E, hp.n_expert));
    } else {
      // Older Mixtral conversions: one 2-D tensor per expert, blk.N.ffn_gate.E.weight.
      for (int e = 0; e < hp.n_expert; ++e) {
        const std::string s = "." + std::to_string(e);
        EDGELLM_ASSIGN_OR_RETURN(kernels::Matrix g, b.mat(blk(il, ("ffn_gate" + s).c_str()), E, F));
        EDGELLM_ASSIGN_OR_RETURN(kernels::Matrix u, b.mat(blk(il, ("ffn_up" + s).c_str()), E, F));
        EDGELLM_ASSIGN_OR_RETURN(kernels::Matrix d, b.mat(blk(il, ("ffn_down" + s).c_str()), F, E));
        L.exp_gate.push_back(g);
        L.exp_up.push_back(u);
        L.exp_down.push_back(d);
      }
    }
    return Status::Ok();
  }
  if (b.find(blk(il, "ffn_gate")) == nullptr) {
    // Fused gate and up (phi3): the first n_ff rows are the gate, the next n_ff the up projection.
    L.fused_gate_up = true;
    EDGELLM_ASSIGN_OR_RETURN(L.ffn_up, b.mat(blk(il, "ffn_up"), E, 2 * F));
  } else {
    EDGELLM_ASSIGN_OR_RETURN(L.ffn_gate, b.mat(blk(il, "ffn_gate"), E, F));
    EDGELLM_ASSIGN_OR_RETURN(L.ffn_up, b.mat(blk(il, "ffn_up"), E, F));
  }
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_down, b.mat(blk(il, "ffn_down"), F, E));
  return Status::Ok();
}

Status bind_bert_layer(Binder& b, const HParams& hp, int64_t il, LayerWeights& L) {
  const int64_t E = hp.n_embd;
  EDGELLM_ASSIGN_OR_RETURN(L.wq, b.mat(blk(il, "attn_q"), E, hp.n_embd_q()));
  EDGELLM_ASSIGN_OR_RETURN(L.wk, b.mat(blk(il, "attn_k"), E, hp.n_embd_k()));
  EDGELLM_ASSIGN_OR_RETURN(L.wv, b.mat(blk(il, "attn_v"), E, hp.n_embd_v()));
  EDGELLM_ASSIGN_OR_RETURN(L.bq, b.vec(blk_bias(il, "attn_q"), hp.n_embd_q()));
  EDGELLM_ASSIGN_OR_RETURN(L.bk, b.vec(blk_bias(il, "attn_k"), hp.n_embd_k()));
  EDGELLM_ASSIGN_OR_RETURN(L.bv, b.vec(blk_bias(il, "attn_v"), hp.n_embd_v()));
  EDGELLM_ASSIGN_OR_RETURN(L.wo, b.mat(blk(il, "attn_output"), hp.n_head * hp.head_dim_v, E));
  EDGELLM_ASSIGN_OR_RETURN(L.bo, b.vec(blk_bias(il, "attn_output"), E));
  EDGELLM_ASSIGN_OR_RETURN(L.attn_out_norm, b.vec(blk(il, "attn_output_norm"), E));
  EDGELLM_ASSIGN_OR_RETURN(L.attn_out_norm_b, b.vec(blk_bias(il, "attn_output_norm"), E));
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_up, b.mat(blk(il, "ffn_up"), E, hp.n_ff));
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_up_b, b.vec(blk_bias(il, "ffn_up"), hp.n_ff));
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_down, b.mat(blk(il, "ffn_down"), hp.n_ff, E));
  EDGELLM_ASSIGN_OR_RETURN(L.ffn_down_b, b.vec(blk_bias(il, "ffn_down"), E));
  EDGELLM_ASSIGN_OR_RETURN(L.layer_out_norm, b.vec(blk(il, "layer_output_norm"), E));
  EDGELLM_ASSIGN_OR_RETURN(L.layer_out_norm_b, b.vec(blk_bias(il, "layer_output_norm"), E));
  return Status::Ok();
}

}  // namespace

std::vector<const kernels::Matrix*> Weights::all_matrices() const {
  std::vector<const kernels::Matrix*> out;
  auto add = [&](const kernels::Matrix& m) {
    if (m.data != nullptr) out.push_back(&m);
  };
  add(tok_embd);
  add(output);
  for (const LayerWeights& L : layers) {
    for (const kernels::Matrix* m : {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.ffn_gate, &L.ffn_up,
                                     &L.ffn_down, &L.ffn_gate_inp}) {
      add(*m);
    }
    for (const auto* v : {&L.exp_gate, &L.exp_up, &L.exp_down}) {
      for (const kernels::Matrix& m : *v) add(m);
    }
  }
  return out;
}

Result<Weights> bind_weights(const gguf::File& file, HParams& hp,
                             std::vector<std::vector<float>>& owned) {
  Binder b(file, owned);
  Weights w;
  const int64_t E = hp.n_embd;
  const gguf::TensorInfo* te = b.find("token_embd.weight");
  if (te == nullptr) {
    return make_error(ErrorCode::kCorruptFile, "model is missing tensor 'token_embd.weight'");
  }
  if (te->ne.size() != 2 || te->ne[0] != E) {
    return make_error(ErrorCode::kCorruptFile, "tensor 'token_embd.weight' has shape %s, expected [%lld, n_vocab]",
                      shape_str(te->ne).c_str(), static_cast<long long>(E));
  }
  if (hp.n_vocab == 0) hp.n_vocab = te->ne[1];
  EDGELLM_ASSIGN_OR_RETURN(w.tok_embd, b.mat("token_embd.weight", E, hp.n_vocab));

  w.layers.resize(static_cast<size_t>(hp.n_layer));
  if (hp.arch == Arch::kBert) {
    EDGELLM_ASSIGN_OR_RETURN(w.pos_embd, b.mat("position_embd.weight", E, hp.n_ctx_train));
    if (b.find("token_types.weight") != nullptr) {
      const gguf::TensorInfo* tt = b.find("token_types.weight");
      const int64_t n_types = tt->ne.size() == 2 ? tt->ne[1] : 0;
      EDGELLM_ASSIGN_OR_RETURN(w.type_embd, b.mat("token_types.weight", E, n_types));
    }
    EDGELLM_ASSIGN_OR_RETURN(w.embd_norm, b.vec("token_embd_norm.weight", E));
    EDGELLM_ASSIGN_OR_RETURN(w.embd_norm_b, b.vec("token_embd_norm.bias", E));
    for (int64_t il = 0; il < hp.n_layer; ++il) {
      EDGELLM_RETURN_IF_ERROR(bind_bert_layer(b, hp, il, w.layers[il]));
    }
    return w;
  }

  EDGELLM_ASSIGN_OR_RETURN(w.output_norm, b.vec("output_norm.weight", E));
  if (b.find("output.weight") != nullptr) {
    EDGELLM_ASSIGN_OR_RETURN(w.output, b.mat("output.weight", E, hp.n_vocab));
  } else {
    w.output = w.tok_embd;
    w.tied_output = true;
  }
  const int64_t n_freq = hp.n_rot / 2;
  EDGELLM_ASSIGN_OR_RETURN(w.rope_freqs, b.vec("rope_freqs.weight", n_freq, false));
  EDGELLM_ASSIGN_OR_RETURN(w.rope_long, b.vec("rope_factors_long.weight", n_freq, false));
  EDGELLM_ASSIGN_OR_RETURN(w.rope_short, b.vec("rope_factors_short.weight", n_freq, false));
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    EDGELLM_RETURN_IF_ERROR(bind_decoder_layer(b, hp, il, w.layers[il]));
  }
  return w;
}

}  // namespace edgellm::model
