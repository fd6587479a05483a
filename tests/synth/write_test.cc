// Synthetic models written to disk and read back: metadata keys and types as the GGUF converter
// writes them, tensors as preset_tensors() lists them, a vocabulary that loads and round-trips
// text for every preset, sane weights, and byte-identical files for the same seed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/testdata.h"
#include "gguf/file.h"
#include "quant/quant.h"
#include "quant/quantize_file.h"
#include "synth/synth.h"
#include "synth/vocab.h"
#include "tokenizer/tokenizer.h"

namespace edgellm::synth {
namespace {

using quant::Recipe;

const Preset& smollm() { return *find_preset("smollm2-135m"); }

void write_or_fail(const Preset& p, const std::string& path, Recipe r, uint64_t seed) {
  auto s = write_synthetic_model(p, path, {r, seed});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->file_bytes, testing::read_file_or_die(path).size());
}

TEST(SynthWrite, SmolLmReadsBackWithConverterMetadataAndPlannedTensors) {
  testing::TempDir dir;
  for (Recipe r : {Recipe::Q8_0, Recipe::Q4_K_M}) {
    const std::string path = dir.file(std::string(quant::recipe_info(r).name) + ".gguf");
    write_or_fail(smollm(), path, r, 1);
    auto f = gguf::File::open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->get_string("general.architecture").value(), "llama");
    EXPECT_EQ(f->get_string("general.name").value(), "SmolLM2 135M");
    EXPECT_EQ(f->get_int("general.file_type").value(), quant::recipe_info(r).file_type);
    EXPECT_EQ(f->find("general.alignment")->type(), gguf::ValueType::UINT32);
    EXPECT_EQ(f->alignment(), 32u);
    const std::pair<const char*, int64_t> ints[] = {
        {"llama.context_length", 8192}, {"llama.embedding_length", 576},
        {"llama.block_count", 30},      {"llama.feed_forward_length", 1536},
        {"llama.attention.head_count", 9}, {"llama.attention.head_count_kv", 3},
        {"llama.rope.dimension_count", 64}, {"llama.vocab_size", 49152}};
    for (const auto& [key, v] : ints) {
      EXPECT_EQ(f->find(key)->type(), gguf::ValueType::UINT32) << key;
      EXPECT_EQ(f->get_int(key).value(), v) << key;
    }
    EXPECT_FLOAT_EQ(f->get_float("llama.rope.freq_base").value(), 100000.0);
    EXPECT_FLOAT_EQ(f->get_float("llama.attention.layer_norm_rms_epsilon").value(), 1e-5);
    EXPECT_FALSE(f->has("llama.attention.key_length"));  // head_dim = n_embd / n_head

    auto expected = preset_tensors(smollm(), r);
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(f->tensors().size(), expected->size());
    for (size_t i = 0; i < expected->size(); ++i) {
      const gguf::TensorInfo& t = f->tensors()[i];
      EXPECT_EQ(t.name, (*expected)[i].name);
      EXPECT_EQ(t.ne, (*expected)[i].ne) << t.name;
      EXPECT_EQ(t.type, (*expected)[i].type) << t.name;
    }
    EXPECT_EQ(f->find_tensor("output.weight"), nullptr);  // tied
    // Norms are exactly 1; matrices have spread 1/sqrt(row length).
    auto norm = quant::dequantize_tensor(*f->find_tensor("blk.3.ffn_norm.weight"));
    ASSERT_TRUE(norm.ok());
    for (float v : *norm) ASSERT_EQ(v, 1.0f);
    for (const char* name : {"blk.0.attn_q.weight", "blk.29.ffn_down.weight", "token_embd.weight"}) {
      const gguf::TensorInfo* t = f->find_tensor(name);
      auto x = quant::dequantize_tensor(*t);
      ASSERT_TRUE(x.ok()) << name;
      double s2 = 0;
      for (float v : *x) s2 += double(v) * v;
      const double rms = std::sqrt(s2 / x->size()) * std::sqrt(double(t->ne[0]));
      EXPECT_NEAR(rms, 1.0, 0.15) << name << " as " << tensor_type_name(t->type);
    }

    auto tok = tokenizer::Tokenizer::load(*f);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    EXPECT_EQ(tok->n_tokens(), 49152);
    EXPECT_EQ(tok->model(), "gpt2");
    EXPECT_EQ(tok->pre(), "smollm");
  }
}

TEST(SynthWrite, SameSeedSameBytesOtherSeedOtherWeights) {
  testing::TempDir dir;
  write_or_fail(smollm(), dir.file("a.gguf"), Recipe::Q4_K_M, 5);
  write_or_fail(smollm(), dir.file("b.gguf"), Recipe::Q4_K_M, 5);
  write_or_fail(smollm(), dir.file("c.gguf"), Recipe::Q4_K_M, 6);
  const std::string a = testing::read_file_or_die(dir.file("a.gguf"));
  EXPECT_TRUE(a == testing::read_file_or_die(dir.file("b.gguf")));
  const std::string c = testing::read_file_or_die(dir.file("c.gguf"));
  ASSERT_EQ(a.size(), c.size());
  EXPECT_FALSE(a == c);
}

// The types synth gives each tensor are those `edgellm quantize` would give when quantizing the
// same model from F16: one set of mix rules, read from the file's own metadata.
TEST(SynthWrite, TypesMatchWhatQuantizeWouldPlanForTheF16Model) {
  testing::TempDir dir;
  write_or_fail(smollm(), dir.file("f16.gguf"), Recipe::F16, 0);
  auto f = gguf::File::open(dir.file("f16.gguf"));
  ASSERT_TRUE(f.ok());
  for (Recipe r : {Recipe::Q4_K_M, Recipe::Q3_K_M, Recipe::Q5_K_S, Recipe::IQ4_XS}) {
    quant::QuantizeOptions opt;
    opt.recipe = r;
    auto plan = quant::plan_file(*f, opt);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    auto ours = preset_tensors(smollm(), r);
    ASSERT_TRUE(ours.ok());
    ASSERT_EQ(plan->tensors.size(), ours->size());
    std::map<std::string, TensorType> planned;
    for (const quant::TensorPlan& t : plan->tensors) planned[t.name] = t.to;
    for (const TensorSpec& t : *ours) {
      EXPECT_EQ(planned[t.name], t.type) << t.name << " under " << quant::recipe_info(r).name;
    }
    auto w = synthetic_model_writer(smollm(), {r, 0});
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(plan->file_bytes, w->file_size()) << quant::recipe_info(r).name;
  }
}

// Architecture-specific keys, checked on the writer without generating any tensor data.
TEST(SynthWrite, GemmaAndPhiCarryTheirArchitectureKeys) {
  auto g = synthetic_model_writer(*find_preset("gemma-2-2b"), {Recipe::Q4_K_M, 0});
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->find("general.architecture")->as_string(), "gemma2");
  EXPECT_EQ(g->find("gemma2.attention.key_length")->as_uint(), 256u);
  EXPECT_EQ(g->find("gemma2.attention.value_length")->as_uint(), 256u);
  EXPECT_EQ(g->find("gemma2.attention.sliding_window")->as_uint(), 4096u);
  EXPECT_EQ(g->find("gemma2.attn_logit_softcapping")->as_double(), 50.0);
  EXPECT_EQ(g->find("gemma2.final_logit_softcapping")->as_double(), 30.0);
  EXPECT_EQ(g->find("gemma2.rope.dimension_count")->as_uint(), 256u);
  EXPECT_EQ(g->tensor_count(), 1u + 26u * 11u + 1u);

  auto p = synthetic_model_writer(*find_preset("phi-3-mini"), {Recipe::F16, 0});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->find("phi3.rope.dimension_count")->as_uint(), 96u);
  EXPECT_EQ(p->find("phi3.attention.key_length"), nullptr);
  EXPECT_EQ(p->find("phi3.attention.head_count_kv")->as_uint(), 32u);
  EXPECT_EQ(p->find("tokenizer.ggml.eos_token_id")->as_uint(), 32000u);
  EXPECT_EQ(p->find("gemma2.attn_logit_softcapping"), nullptr);
  EXPECT_EQ(p->find("phi3.attn_logit_softcapping"), nullptr);
}

// Every preset's vocabulary (written without tensors) loads, has the preset's size and special
// ids, merges text into fewer tokens than bytes, and decodes back to the text.
TEST(SynthWrite, EveryVocabularyLoadsAndRoundTrips) {
  for (const Preset& p : all_presets()) {
    gguf::Writer w;
    w.set("general.architecture", gguf::Value::string(p.arch));
    w.set("general.name", gguf::Value::string(p.model_name));
    add_synthetic_vocab(p, w);
    auto bytes = w.to_bytes();
    ASSERT_TRUE(bytes.ok());
    auto f = gguf::File::parse(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size(),
                               p.name);
    ASSERT_TRUE(f.ok()) << f.status().message();
    auto tok = tokenizer::Tokenizer::load(*f);
    ASSERT_TRUE(tok.ok()) << p.name << ": " << tok.status().message();
    EXPECT_EQ(tok->n_tokens(), p.n_vocab) << p.name;
    EXPECT_EQ(tok->bos(), p.tokenizer.bos_id) << p.name;
    EXPECT_EQ(tok->eos(), p.tokenizer.eos_id) << p.name;
    EXPECT_EQ(tok->type(), p.tokenizer.kind == TokenizerKind::kSpm ? tokenizer::VocabType::kSpm
                                                                   : tokenizer::VocabType::kBpe);
    const std::string text = "hello world, the quick brown fox!\nUnicode: caf\xC3\xA9 42";
    const auto ids = tok->encode(text, /*add_special=*/true);
    ASSERT_FALSE(ids.empty());
    EXPECT_LT(ids.size(), text.size()) << p.name << ": no merges applied";
    EXPECT_EQ(ids.front() == p.tokenizer.bos_id, p.tokenizer.add_bos) << p.name;
    // Without BOS, SentencePiece's leading space is dropped again on decoding.
    const auto plain = tok->encode(text, /*add_special=*/false);
    auto back = tok->decode(plain);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, text) << p.name;
  }
}

}  // namespace
}  // namespace edgellm::synth
