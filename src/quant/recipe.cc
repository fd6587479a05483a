// The per-tensor type rules of the quantization recipes (see recipe.h). The rules are those GGUF
// users know from the ecosystem's quantizer: the names and thresholds below decide which layers
// get extra bits, and reproducing them keeps our files the same size and layout as theirs.
#include "quant/recipe.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>

namespace edgellm::quant {
namespace {

using T = TensorType;

const std::vector<RecipeInfo>& recipes() {
  static const std::vector<RecipeInfo> kRecipes = {
      {Recipe::F32, "F32", 0, T::F32, "32-bit floats, no quantization"},
      {Recipe::F16, "F16", 1, T::F16, "16-bit IEEE half floats"},
      {Recipe::BF16, "BF16", 32, T::BF16, "16-bit bfloat16"},
      {Recipe::Q8_0, "Q8_0", 7, T::Q8_0, "8.5 bpw, nearly lossless"},
      {Recipe::Q6_K, "Q6_K", 18, T::Q6_K, "6.56 bpw k-quant"},
      {Recipe::Q5_K_M, "Q5_K_M", 17, T::Q5_K, "Q5_K, Q6_K for attn_v and some ffn_down"},
      {Recipe::Q5_K_S, "Q5_K_S", 16, T::Q5_K, "Q5_K throughout"},
      {Recipe::Q5_1, "Q5_1", 9, T::Q5_1, "6 bpw, legacy with minimum"},
      {Recipe::Q5_0, "Q5_0", 8, T::Q5_0, "5.5 bpw, legacy"},
      {Recipe::Q4_K_M, "Q4_K_M", 15, T::Q4_K, "Q4_K, Q6_K for attn_v and some ffn_down"},
      {Recipe::Q4_K_S, "Q4_K_S", 14, T::Q4_K, "Q4_K, Q5_K for the first attn_v and ffn_down"},
      {Recipe::Q4_1, "Q4_1", 3, T::Q4_1, "5 bpw, legacy with minimum"},
      {Recipe::Q4_0, "Q4_0", 2, T::Q4_0, "4.5 bpw, legacy"},
      {Recipe::IQ4_NL, "IQ4_NL", 25, T::IQ4_NL, "4.5 bpw non-linear levels"},
      {Recipe::IQ4_XS, "IQ4_XS", 30, T::IQ4_XS, "4.25 bpw non-linear levels"},
      {Recipe::Q3_K_L, "Q3_K_L", 13, T::Q3_K, "Q3_K, Q5_K for attn_v, attn_output, ffn_down"},
      {Recipe::Q3_K_M, "Q3_K_M", 12, T::Q3_K, "Q3_K, Q4_K/Q5_K for attn_v, attn_output, ffn_down"},
      {Recipe::Q3_K_S, "Q3_K_S", 11, T::Q3_K, "Q3_K throughout"},
      {Recipe::Q2_K, "Q2_K", 10, T::Q2_K, "Q2_K, Q3_K/Q4_K for attn_v, attn_output, ffn_down"},
      {Recipe::Q2_K_S, "Q2_K_S", 21, T::Q2_K, "Q2_K, Q4_K for the first ffn_down"},
  };
  return kRecipes;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Layers that get extra bits in the _M mixes: the first and last eighth, and every third layer
// in between.
bool use_more_bits(int64_t i_layer, int64_t n_layer) {
  return i_layer < n_layer / 8 || i_layer >= 7 * n_layer / 8 || (i_layer - n_layer / 8) % 3 == 2;
}

// The fallback for a type whose block does not divide the row length.
std::optional<TensorType> fallback_type(TensorType t) {
  switch (t) {
    case T::Q2_K:
    case T::Q3_K:
    case T::IQ4_XS: return T::IQ4_NL;
    case T::Q4_K: return T::Q5_0;
    case T::Q5_K: return T::Q5_1;
    case T::Q6_K: return T::Q8_0;
    default: return std::nullopt;
  }
}

bool fits(TensorType t, int64_t n_per_row) { return n_per_row % traits(t).block_size == 0; }

// Running counters over the tensors of one model: the rules for attn_v and ffn_down depend on
// the tensor's position among its kind.
struct MixState {
  int64_t n_attention_wv = 0, i_attention_wv = 0;
  int64_t i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;
  bool has_output = false;
};

// The layer of a per-layer tensor: parsed from the name for MoE models (whose expert tensors are
// not necessarily in layer order), else the running counter.
int64_t layer_of(const std::string& name, int64_t counter, const ModelShape& shape) {
  if (shape.n_expert > 1) {
    int layer = -1;
    if (std::sscanf(name.c_str(), "blk.%d.", &layer) == 1 && layer >= 0) return layer;
  }
  return counter;
}

TensorType choose_type(const TensorDesc& t, TensorType type, Recipe r, const ModelShape& shape,
                       const PlanOptions& opt, MixState& st) {
  const std::string& name = t.name;
  const int64_t nx = t.ne.empty() ? 0 : t.ne[0];
  const bool falcon = shape.arch == "falcon";
  const int64_t n_layer = shape.n_layer;
  if (name == "output.weight" || (!st.has_output && name == "token_embd.weight")) {
    // The output projection (or the tied embedding that serves as one) is the most sensitive.
    if (opt.output_type) return *opt.output_type;
    if (falcon || !fits(type, nx)) return T::Q8_0;
    if (type != T::Q8_0) return T::Q6_K;
    return type;
  }
  if (name == "token_embd.weight") {
    if (opt.token_embd_type) return *opt.token_embd_type;
    return type;
  }
  if (contains(name, "attn_v.weight")) {
    if (r == Recipe::Q2_K) {
      type = shape.n_gqa() >= 4 ? T::Q4_K : T::Q3_K;
    } else if (r == Recipe::Q2_K_S && shape.n_gqa() >= 4) {
      type = T::Q4_K;
    } else if (r == Recipe::Q3_K_M) {
      type = st.i_attention_wv < 2 ? T::Q5_K : T::Q4_K;
    } else if (r == Recipe::Q3_K_L) {
      type = T::Q5_K;
    } else if ((r == Recipe::IQ4_NL || r == Recipe::IQ4_XS) && shape.n_gqa() >= 4) {
      type = T::Q5_K;
    } else if ((r == Recipe::Q4_K_M || r == Recipe::Q5_K_M) &&
               use_more_bits(st.i_attention_wv, st.n_attention_wv)) {
      type = T::Q6_K;
    } else if (r == Recipe::Q4_K_S && st.i_attention_wv < 4) {
      type = T::Q5_K;
    }
    // With 8 experts the attention is a small share of the model: spend bits there.
    if (shape.n_expert == 8) type = T::Q8_0;
    ++st.i_attention_wv;
    return type;
  }
  if (contains(name, "attn_k.weight")) {
    if (shape.n_expert == 8) type = T::Q8_0;
    return type;
  }
  if (contains(name, "ffn_down")) {
    const int64_t i_layer = layer_of(name, st.i_ffn_down, shape);
    if (r == Recipe::Q2_K) {
      type = T::Q3_K;
    } else if (r == Recipe::Q2_K_S) {
      if (i_layer < n_layer / 8) type = T::Q4_K;
    } else if (r == Recipe::Q3_K_M) {
      type = i_layer < n_layer / 16                         ? T::Q5_K
             : !falcon || use_more_bits(i_layer, n_layer)   ? T::Q4_K
                                                            : T::Q3_K;
    } else if (r == Recipe::Q3_K_L) {
      type = falcon ? T::Q4_K : T::Q5_K;
    } else if (r == Recipe::Q4_K_M) {
      if (falcon) {
        type = i_layer < n_layer / 16 ? T::Q6_K : use_more_bits(i_layer, n_layer) ? T::Q5_K : T::Q4_K;
      } else if (use_more_bits(i_layer, n_layer)) {
        type = T::Q6_K;
      }
    } else if (i_layer < n_layer / 8 && (r == Recipe::IQ4_NL || r == Recipe::IQ4_XS) &&
               !opt.has_imatrix) {
      type = T::Q5_K;
    } else if (r == Recipe::Q5_K_M && use_more_bits(i_layer, n_layer)) {
      type = T::Q6_K;
    } else if (r == Recipe::Q4_K_S && !falcon && i_layer < n_layer / 8) {
      type = T::Q5_K;
    } else if ((r == Recipe::Q4_0 || r == Recipe::Q5_0) && opt.has_imatrix && i_layer < n_layer / 8) {
      // The first ffn_down layers can go badly wrong with the symmetric formats even with an
      // importance matrix; the asymmetric variant is safe there.
      type = r == Recipe::Q4_0 ? T::Q4_1 : T::Q5_1;
    }
    ++st.i_ffn_down;
    return type;
  }
  if (contains(name, "attn_output.weight")) {
    if (!falcon) {
      if (shape.n_expert == 8) {
        if (r == Recipe::Q2_K || r == Recipe::Q3_K_S || r == Recipe::Q3_K_M ||
            r == Recipe::IQ4_NL || r == Recipe::Q4_K_S || r == Recipe::Q4_K_M ||
            r == Recipe::IQ4_XS) {
          type = T::Q5_K;
        }
      } else {
        if (r == Recipe::Q2_K) type = T::Q3_K;
        else if (r == Recipe::Q3_K_M) type = T::Q4_K;
        else if (r == Recipe::Q3_K_L) type = T::Q5_K;
      }
    } else if (r == Recipe::Q3_K_L) {
      type = T::Q4_K;
    }
    return type;
  }
  if (contains(name, "attn_qkv.weight")) {
    if (r == Recipe::Q3_K_M || r == Recipe::Q3_K_L) type = T::Q4_K;
    else if (r == Recipe::Q4_K_M) type = T::Q5_K;
    else if (r == Recipe::Q5_K_M) type = T::Q6_K;
    return type;
  }
  if (contains(name, "ffn_gate")) {
    ++st.i_ffn_gate;
  } else if (contains(name, "ffn_up")) {
    ++st.i_ffn_up;
  }
  return type;
}

}  // namespace

const std::vector<RecipeInfo>& all_recipes() { return recipes(); }

const RecipeInfo& recipe_info(Recipe recipe) {
  for (const RecipeInfo& info : recipes()) {
    if (info.recipe == recipe) return info;
  }
  return recipes().front();  // unreachable: every enumerator is in the table
}

std::optional<Recipe> recipe_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const RecipeInfo& info : recipes()) {
    if (upper == info.name) return info.recipe;
  }
  return std::nullopt;
}

Result<ModelShape> model_shape(const gguf::File& file) {
  ModelShape s;
  EDGELLM_ASSIGN_OR_RETURN(s.arch, file.get_string_or("general.architecture", ""));
  const std::string p = s.arch + ".";
  EDGELLM_ASSIGN_OR_RETURN(s.n_layer, file.get_int_or(p + "block_count", 0));
  EDGELLM_ASSIGN_OR_RETURN(s.n_head, file.get_int_or(p + "attention.head_count", 0));
  EDGELLM_ASSIGN_OR_RETURN(s.n_head_kv, file.get_int_or(p + "attention.head_count_kv", s.n_head));
  EDGELLM_ASSIGN_OR_RETURN(s.n_expert, file.get_int_or(p + "expert_count", 0));
  return s;
}

bool is_quantizable(const TensorDesc& t) {
  if (t.ne.size() < 2) return false;
  const std::string& n = t.name;
  static const char* const kNever[] = {
      "_norm.weight",      "ffn_gate_inp.weight", "ssm_conv1d.weight", "shortconv.conv.weight",
      "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
      "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
      "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
      "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
      "attn_rel_b.weight", "altup", "laurel"};
  for (const char* part : kNever) {
    if (contains(n, part)) return false;
  }
  return n != "position_embd.weight" && n != "token_types.weight";
}

Result<std::vector<TensorPlan>> plan_recipe(const std::vector<TensorDesc>& tensors,
                                            const ModelShape& shape, Recipe recipe,
                                            const PlanOptions& options) {
  const RecipeInfo& info = recipe_info(recipe);
  MixState st;
  for (const TensorDesc& t : tensors) {
    if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") ||
        contains(t.name, "attn_kv_b.weight")) {
      ++st.n_attention_wv;
    } else if (t.name == "output.weight") {
      st.has_output = true;
    }
  }
  std::vector<TensorPlan> plans;
  plans.reserve(tensors.size());
  for (const TensorDesc& t : tensors) {
    TensorPlan p{t.name, t.ne, t.type, t.type, false, ""};
    if (!is_quantizable(t)) {
      plans.push_back(std::move(p));
      continue;
    }
    TensorType type = info.base_type;
    if (!options.pure && traits(type).quantized) {
      type = choose_type(t, type, recipe, shape, options, st);
    } else {
      if (t.name == "token_embd.weight" && options.token_embd_type) type = *options.token_embd_type;
      if (t.name == "output.weight" && options.output_type) type = *options.output_type;
    }
    const int64_t nx = t.ne[0];
    if (!fits(type, nx)) {
      const TensorType wanted = type;
      std::optional<TensorType> fb = fallback_type(type);
      type = fb && fits(*fb, nx) ? *fb : T::F16;
      p.note = strfmt("rows of %" PRId64 " elements do not fit %s blocks of %" PRId64
                      ": using %s instead",
                      nx, tensor_type_name(wanted), traits(wanted).block_size,
                      tensor_type_name(type));
    }
    p.to = type;
    p.convert = type != t.type;
    plans.push_back(std::move(p));
  }
  return plans;
}

}  // namespace edgellm::quant
