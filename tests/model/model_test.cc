// Model loading and Context behaviour: errors for unknown architectures and broken files, batch
// and thread-count invariance, context overflow, rewinding, the Q8_0 KV cache, sliding-window
// cache sizes, and the legacy per-expert MoE layout (a file written here, not in shared data).
#include <cmath>
#include <cstring>

#include "common/testdata.h"
#include "gguf/writer.h"
#include "model/context.h"
#include "model/model.h"

namespace edgellm::model {
namespace {

const char* kStories = "models/stories260K.gguf";

std::shared_ptr<const Model> load(const std::string& rel) {
  auto m = Model::load(testing::testdata_path(rel));
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

std::unique_ptr<Context> make_ctx(std::shared_ptr<const Model> m, ContextParams p = {}) {
  auto c = Context::create(std::move(m), p);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? std::move(c).value() : nullptr;
}

std::vector<float> last_logits(Context& c) {
  return std::vector<float>(c.logits(0), c.logits(0) + c.n_vocab());
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Rewrites a shared model through the GGUF writer with edits, for error and layout tests.
std::string rewrite(const std::string& rel, const testing::TempDir& dir,
                    const std::function<void(gguf::Writer&, const gguf::File&)>& edit) {
  auto f = gguf::File::open(testing::testdata_path(rel));
  EXPECT_TRUE(f.ok());
  gguf::Writer w = gguf::Writer::copy_of(*f);
  edit(w, *f);
  const std::string out = dir.file("edited.gguf");
  EXPECT_TRUE(w.write(out).ok());
  return out;
}

TEST(ModelLoad, UnknownArchitectureIsNamed) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  testing::TempDir dir;
  const std::string path = rewrite(kStories, dir, [](gguf::Writer& w, const gguf::File&) {
    w.set("general.architecture", gguf::Value::string("mamba9"));
  });
  auto m = Model::load(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(m.status().message().find("unsupported architecture 'mamba9' (supported: llama"),
            std::string::npos)
      << m.status().message();
}

TEST(ModelLoad, MissingTensorAndBadHyperparametersAreNamed) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  testing::TempDir dir;
  // Drop one tensor by rebuilding the file without it.
  auto f = gguf::File::open(testing::testdata_path(kStories));
  ASSERT_TRUE(f.ok());
  gguf::Writer w;
  for (const auto& [k, v] : f->metadata()) w.set(k, v);
  for (const gguf::TensorInfo& t : f->tensors()) {
    if (t.name == "blk.3.ffn_down.weight") continue;
    ASSERT_TRUE(w.add_tensor(t.name, t.type, t.ne, t.data).ok());
  }
  ASSERT_TRUE(w.write(dir.file("missing.gguf")).ok());
  auto m = Model::load(dir.file("missing.gguf"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("blk.3.ffn_down.weight"), std::string::npos);

  const std::string bad = rewrite(kStories, dir, [](gguf::Writer& w, const gguf::File&) {
    w.set("llama.attention.head_count_kv", gguf::Value::u32(3));  // 8 heads: not a multiple
  });
  auto m2 = Model::load(bad);
  ASSERT_FALSE(m2.ok());
  EXPECT_NE(m2.status().message().find("head_count"), std::string::npos) << m2.status().message();
}

TEST(ContextDecode, BatchSplitAndThreadsGiveTheSameLogits) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto m = load(kStories);
  const auto tokens = m->tokenizer().encode("Once upon a time, there was a little dog who", true);
  ContextParams p;
  p.n_threads = 1;
  auto one = make_ctx(m, p);
  ASSERT_TRUE(one->decode(tokens).ok());
  const auto ref = last_logits(*one);

  p.n_threads = 3;
  auto three = make_ctx(m, p);
  ASSERT_TRUE(three->decode(tokens).ok());
  EXPECT_EQ(last_logits(*three), ref) << "results must not depend on the thread count";

  p.n_batch = 3;  // the prompt in several steps
  auto split = make_ctx(m, p);
  ASSERT_TRUE(split->decode(tokens).ok());
  EXPECT_LT(max_abs_diff(last_logits(*split), ref), 1e-3f);

  auto step = make_ctx(m, {});
  for (Token t : tokens) ASSERT_TRUE(step->decode(std::span<const Token>(&t, 1)).ok());
  EXPECT_LT(max_abs_diff(last_logits(*step), ref), 1e-3f);
  EXPECT_EQ(step->n_past(), static_cast<int64_t>(tokens.size()));
}

TEST(ContextDecode, OverflowIsAnErrorAndChangesNothing) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto m = load(kStories);
  ContextParams p;
  p.n_ctx = 16;
  auto c = make_ctx(m, p);
  const std::vector<Token> ten(10, 100);
  ASSERT_TRUE(c->decode(ten).ok());
  const auto before = last_logits(*c);
  Status st = c->decode(ten);
  EXPECT_EQ(st.code(), ErrorCode::kOutOfRange);
  EXPECT_NE(st.message().find("do not fit in the context"), std::string::npos) << st.message();
  EXPECT_EQ(c->n_past(), 10);
  EXPECT_EQ(last_logits(*c), before);
  const Token bad = 100000;
  EXPECT_EQ(c->decode(std::span<const Token>(&bad, 1)).code(), ErrorCode::kInvalidArgument);
}

TEST(ContextDecode, DefaultContextIsTrainingLengthCappedAt4096) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto c = make_ctx(load(kStories));
  EXPECT_EQ(c->n_ctx(), 2048);  // stories260K was trained at 2048
  const std::string qwen = "models/synthetic/cpt-qwen2.gguf";
  EDGELLM_REQUIRE_FILE(testing::testdata_path(qwen));
  EXPECT_EQ(make_ctx(load(qwen))->n_ctx(), 4096);  // trained at 32768
}

TEST(ContextDecode, RewindThenDecodeMatchesFreshRun) {
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto m = load(kStories);
  const auto a = m->tokenizer().encode("The cat sat", true);
  const auto b = m->tokenizer().encode(" on the mat and slept", false);
  const auto c2 = m->tokenizer().encode(" in the sun", false);
  auto c = make_ctx(m);
  ASSERT_TRUE(c->decode(a).ok());
  ASSERT_TRUE(c->decode(b).ok());
  ASSERT_TRUE(c->rewind(static_cast<int64_t>(a.size())).ok());
  ASSERT_TRUE(c->decode(c2).ok());
  auto fresh = make_ctx(m);
  std::vector<Token> ac = a;
  ac.insert(ac.end(), c2.begin(), c2.end());
  ASSERT_TRUE(fresh->decode(ac).ok());
  EXPECT_LT(max_abs_diff(last_logits(*c), last_logits(*fresh)), 1e-3f);
  EXPECT_FALSE(c->rewind(1000).ok());
}

TEST(ContextDecode, Q8KvCacheStaysCloseToF16) {
  const std::string rel = "models/synthetic/cpt-llama-gqa.gguf";
  EDGELLM_REQUIRE_FILE(testing::testdata_path(rel));
  auto m = load(rel);
  const auto tokens = m->tokenizer().encode("A long time ago in a land far away there lived", true);
  auto f16 = make_ctx(m);
  ContextParams p;
  p.kv_type = TensorType::Q8_0;
  auto q8 = make_ctx(m, p);
  ASSERT_TRUE(f16->decode(tokens).ok());
  ASSERT_TRUE(q8->decode(tokens).ok());
  EXPECT_LT(q8->memory().kv_bytes, f16->memory().kv_bytes * 6 / 10);
  EXPECT_LT(max_abs_diff(last_logits(*q8), last_logits(*f16)), 0.1f);
  // A head size that is not a multiple of 32 cannot use Q8_0.
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto bad = Context::create(load(kStories), p);
  EXPECT_FALSE(bad.ok());
}

TEST(ContextMemory, SlidingWindowLayersKeepOnlyTheirWindow) {
  const std::string rel = "models/synthetic/cpt-gemma2.gguf";
  EDGELLM_REQUIRE_FILE(testing::testdata_path(rel));
  auto m = load(rel);
  ContextParams p;
  p.n_ctx = 4096;
  p.n_batch = 64;
  auto c = make_ctx(m, p);
  // gemma2 alternates: layer 0 sliding (window 8), layer 1 global.
  EXPECT_EQ(c->memory().kv_cells[0], 8 + 64);
  EXPECT_EQ(c->memory().kv_cells[1], 4096);
  // Decoding far past the window works, and matches a run with a small batch.
  std::vector<Token> tokens;
  for (int i = 0; i < 150; ++i) tokens.push_back(3 + (i * 37) % 500);
  ASSERT_TRUE(c->decode(tokens).ok());
  p.n_batch = 5;
  auto small = make_ctx(m, p);
  ASSERT_TRUE(small->decode(tokens).ok());
  EXPECT_LT(max_abs_diff(last_logits(*c), last_logits(*small)), 2e-3f);
}

TEST(ModelLoad, PerExpertMoeTensorsMatchThe3dLayout) {
  const std::string rel = "models/synthetic/cpt-llama-moe.gguf";
  EDGELLM_REQUIRE_FILE(testing::testdata_path(rel));
  testing::TempDir dir;
  auto f = gguf::File::open(testing::testdata_path(rel));
  ASSERT_TRUE(f.ok());
  // Older Mixtral conversions store blk.N.ffn_gate.E.weight per expert instead of one 3-D tensor.
  gguf::Writer w;
  for (const auto& [k, v] : f->metadata()) w.set(k, v);
  for (const gguf::TensorInfo& t : f->tensors()) {
    const size_t p = t.name.find("_exps.weight");
    if (p == std::string::npos) {
      ASSERT_TRUE(w.add_tensor(t.name, t.type, t.ne, t.data).ok());
      continue;
    }
    const std::string stem = t.name.substr(0, p);  // blk.N.ffn_gate
    const size_t slice = t.n_bytes / t.ne[2];
    for (int64_t e = 0; e < t.ne[2]; ++e) {
      ASSERT_TRUE(w.add_tensor(stem + "." + std::to_string(e) + ".weight", t.type,
                               {t.ne[0], t.ne[1]}, t.data + e * slice)
                      .ok());
    }
  }
  ASSERT_TRUE(w.write(dir.file("moe2d.gguf")).ok());
  auto m3 = load(rel);
  auto m2 = Model::load(dir.file("moe2d.gguf"));
  ASSERT_TRUE(m2.ok()) << m2.status().message();
  const auto tokens = m3->tokenizer().encode("Experts route every token", true);
  auto c3 = make_ctx(m3);
  auto c2 = make_ctx(*m2);
  ASSERT_TRUE(c3->decode(tokens).ok());
  ASSERT_TRUE(c2->decode(tokens).ok());
  EXPECT_EQ(last_logits(*c2), last_logits(*c3));
}

TEST(ContextDecode, EmbeddingModelRefusesDecodeAndDecoderRefusesEmbed) {
  const std::string bert = "models/synthetic/synth-bert.gguf";
  EDGELLM_REQUIRE_FILE(testing::testdata_path(bert));
  EDGELLM_REQUIRE_FILE(testing::testdata_path(kStories));
  auto b = make_ctx(load(bert));
  const std::vector<Token> t = {101, 2054, 102};
  EXPECT_EQ(b->decode(t).code(), ErrorCode::kUnsupported);
  ASSERT_TRUE(b->embed(t).ok());
  std::vector<Token> too_long(600, 2054);
  EXPECT_EQ(b->embed(too_long).status().code(), ErrorCode::kOutOfRange);
  auto d = make_ctx(load(kStories));
  EXPECT_EQ(d->embed(std::vector<Token>{1, 2}).status().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace edgellm::model
