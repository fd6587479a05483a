// The preset table and tensor lists: published parameter counts, llama.cpp tensor names and ggml
// shapes per architecture, recipe types (the quantize mix rules and fallbacks), rope factors.
#include <gtest/gtest.h>

#include <map>

#include "synth/presets.h"
#include "synth/tensors.h"

namespace edgellm::synth {
namespace {

using quant::Recipe;

std::map<std::string, TensorSpec> by_name(const std::vector<TensorSpec>& v) {
  std::map<std::string, TensorSpec> m;
  for (const TensorSpec& t : v) m[t.name] = t;
  return m;
}

std::vector<TensorSpec> tensors_of(const char* name, Recipe r) {
  const Preset* p = find_preset(name);
  EXPECT_NE(p, nullptr) << name;
  if (p == nullptr) return {};
  auto t = preset_tensors(*p, r);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? *t : std::vector<TensorSpec>{};
}

// Exact parameter counts from the shapes in each config.json (embedding + layers + final norm
// [+ untied output]); they round to the published sizes. Llama 3.2 adds its 32 rope factors.
TEST(SynthPresets, ParameterCountsMatchThePublishedModels) {
  const std::pair<const char*, int64_t> expected[] = {
      {"smollm2-135m", 134515008},     // 134.5M
      {"qwen2.5-0.5b", 494032768},     // 494M
      {"llama-3.2-1b", 1235814400 + 32},  // 1.236B + rope_freqs
      {"tinyllama-1.1b", 1100048384},  // 1.1B
      {"phi-3-mini", 3821079552},      // 3.82B
      {"gemma-2-2b", 2614341888},      // 2.61B
  };
  ASSERT_EQ(all_presets().size(), std::size(expected));
  for (const auto& [name, n] : expected) {
    for (Recipe r : {Recipe::F16, Recipe::Q4_K_M}) {
      EXPECT_EQ(count_elements(tensors_of(name, r)), n) << name;
    }
  }
}

TEST(SynthPresets, FindIsCaseInsensitiveAndNamesListEveryPreset) {
  ASSERT_NE(find_preset("Llama-3.2-1B"), nullptr);
  EXPECT_STREQ(find_preset("Llama-3.2-1B")->name, "llama-3.2-1b");
  EXPECT_EQ(find_preset("llama-9"), nullptr);
  for (const Preset& p : all_presets()) {
    EXPECT_NE(preset_names().find(p.name), std::string::npos);
    EXPECT_EQ(p.n_head % p.n_head_kv, 0) << p.name;
  }
}

TEST(SynthPresets, OneDimensionalTensorsStayF32AndSizesAddUp) {
  for (const Preset& p : all_presets()) {
    for (Recipe r : {Recipe::F32, Recipe::BF16, Recipe::Q8_0, Recipe::Q4_K_M, Recipe::Q2_K}) {
      auto t = preset_tensors(p, r);
      ASSERT_TRUE(t.ok()) << t.status().message();
      uint64_t bytes = 0;
      for (const TensorSpec& s : *t) {
        if (s.ne.size() == 1) {
          EXPECT_EQ(s.type, TensorType::F32) << s.name;
        }
        EXPECT_EQ(s.ne[0] % traits(s.type).block_size, 0) << s.name;
        bytes += row_size(s.type, s.ne[0]) * static_cast<uint64_t>(s.n_elements() / s.ne[0]);
      }
      EXPECT_EQ(count_bytes(*t), bytes);
    }
  }
}

TEST(SynthPresets, LlamaThreeIsTiedWithRopeFactors) {
  auto t = by_name(tensors_of("llama-3.2-1b", Recipe::Q4_K_M));
  EXPECT_EQ(t.count("output.weight"), 0u);
  EXPECT_EQ(t["token_embd.weight"].ne, (std::vector<int64_t>{2048, 128256}));
  // The tied embedding is the output projection: Q6_K in Q4_K_M, as the quantizer does.
  EXPECT_EQ(t["token_embd.weight"].type, TensorType::Q6_K);
  EXPECT_EQ(t["rope_freqs.weight"].ne, (std::vector<int64_t>{32}));
  EXPECT_EQ(t["blk.0.attn_k.weight"].ne, (std::vector<int64_t>{2048, 512}));
  EXPECT_EQ(t["blk.0.attn_output.weight"].ne, (std::vector<int64_t>{2048, 2048}));
  EXPECT_EQ(t["blk.15.ffn_down.weight"].ne, (std::vector<int64_t>{8192, 2048}));
  // Q4_K_M: Q6_K for attn_v and ffn_down in the first and last layers, Q4_K elsewhere.
  EXPECT_EQ(t["blk.0.attn_v.weight"].type, TensorType::Q6_K);
  EXPECT_EQ(t["blk.0.ffn_down.weight"].type, TensorType::Q6_K);
  EXPECT_EQ(t["blk.3.attn_v.weight"].type, TensorType::Q4_K);
  EXPECT_EQ(t["blk.3.ffn_down.weight"].type, TensorType::Q4_K);
  EXPECT_EQ(t["blk.15.attn_v.weight"].type, TensorType::Q6_K);
  EXPECT_EQ(t["blk.7.attn_q.weight"].type, TensorType::Q4_K);
  EXPECT_EQ(t["blk.7.attn_norm.weight"].type, TensorType::F32);
  EXPECT_EQ(t.size(), 1u + 1u + 16u * 9u + 1u);

  const std::vector<float> f = rope_freq_factors(*find_preset("llama-3.2-1b"));
  ASSERT_EQ(f.size(), 32u);
  EXPECT_FLOAT_EQ(f.front(), 1.0f);  // the fastest rotation is untouched
  EXPECT_FLOAT_EQ(f.back(), 32.0f);  // the slowest is scaled by the full factor
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
  EXPECT_TRUE(rope_freq_factors(*find_preset("tinyllama-1.1b")).empty());
}

TEST(SynthPresets, QwenHasBiasesAndFallsBackWhereRowsDoNotFitKQuants) {
  auto t = by_name(tensors_of("qwen2.5-0.5b", Recipe::Q4_K_M));
  EXPECT_EQ(t["blk.0.attn_q.bias"].ne, (std::vector<int64_t>{896}));
  EXPECT_EQ(t["blk.0.attn_k.bias"].ne, (std::vector<int64_t>{128}));
  EXPECT_EQ(t["blk.0.attn_v.bias"].type, TensorType::F32);
  EXPECT_EQ(t.count("output.weight"), 0u);
  // 896 is not a multiple of 256: Q4_K falls back to Q5_0 and Q6_K to Q8_0, with a note.
  EXPECT_EQ(t["blk.5.attn_q.weight"].type, TensorType::Q5_0);
  EXPECT_FALSE(t["blk.5.attn_q.weight"].note.empty());
  EXPECT_EQ(t["token_embd.weight"].type, TensorType::Q8_0);
  // Rows of 4864 = 19 * 256 fit (layer 4 is not one of those given Q6_K).
  EXPECT_EQ(t["blk.4.ffn_down.weight"].type, TensorType::Q4_K);
}

TEST(SynthPresets, PhiThreeIsFusedAndUntied) {
  auto t = by_name(tensors_of("phi-3-mini", Recipe::F16));
  EXPECT_EQ(t["blk.0.attn_qkv.weight"].ne, (std::vector<int64_t>{3072, 9216}));
  EXPECT_EQ(t["blk.0.ffn_up.weight"].ne, (std::vector<int64_t>{3072, 16384}));
  EXPECT_EQ(t["blk.0.ffn_down.weight"].ne, (std::vector<int64_t>{8192, 3072}));
  EXPECT_EQ(t.count("blk.0.attn_q.weight"), 0u);
  EXPECT_EQ(t.count("blk.0.ffn_gate.weight"), 0u);
  EXPECT_EQ(t["output.weight"].ne, (std::vector<int64_t>{3072, 32064}));
  EXPECT_EQ(t["output.weight"].type, TensorType::F16);
  auto q = by_name(tensors_of("phi-3-mini", Recipe::Q4_K_M));
  EXPECT_EQ(q["blk.0.attn_qkv.weight"].type, TensorType::Q5_K);
  EXPECT_EQ(q["output.weight"].type, TensorType::Q6_K);
  EXPECT_EQ(q["token_embd.weight"].type, TensorType::Q4_K);
}

TEST(SynthPresets, GemmaTwoHasWideHeadsAndPostNorms) {
  auto t = by_name(tensors_of("gemma-2-2b", Recipe::F16));
  EXPECT_EQ(t["blk.0.attn_q.weight"].ne, (std::vector<int64_t>{2304, 2048}));
  EXPECT_EQ(t["blk.0.attn_k.weight"].ne, (std::vector<int64_t>{2304, 1024}));
  EXPECT_EQ(t["blk.0.attn_output.weight"].ne, (std::vector<int64_t>{2048, 2304}));
  EXPECT_EQ(t["blk.25.post_attention_norm.weight"].ne, (std::vector<int64_t>{2304}));
  EXPECT_EQ(t["blk.25.post_ffw_norm.weight"].type, TensorType::F32);
  EXPECT_EQ(t.count("output.weight"), 0u);
  EXPECT_EQ(t.size(), 1u + 26u * 11u + 1u);
}

}  // namespace
}  // namespace edgellm::synth
