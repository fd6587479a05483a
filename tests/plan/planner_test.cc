// The planner against hand computation and against the engine: KV cache sizes with grouped-query
// attention and sliding windows, plans equal to what Context::create allocates, preset specs
// equal to the files synth writes, max_ctx monotonicity, quantization alternatives, the JSON keys
// and the memory-limit check.
#include <gtest/gtest.h>

#include "common/testdata.h"
#include "model/context.h"
#include "plan/planner.h"
#include "plan/presets.h"
#include "plan/report.h"
#include "synth/synth.h"

namespace edgellm::plan {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

ModelSpec llama3_8b_like() {
  EstimateParams e;
  e.n_params = 8.03e9;
  e.bits = 4.5;
  e.n_layer = 32;
  e.n_head_kv = 8;
  e.head_dim = 128;
  e.n_vocab = 128256;
  Result<ModelSpec> s = spec_from_estimate(e);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return *s;
}

TEST(PlanKv, GroupedQueryAttentionByHand) {
  const ModelSpec s = llama3_8b_like();
  // The width and head count follow from the parameter count: Llama 3 8B's.
  EXPECT_EQ(s.hp.n_embd, 4096);
  EXPECT_EQ(s.hp.n_head, 32);
  EXPECT_EQ(s.hp.n_ff, 14336);
  model::ContextParams p;
  p.n_ctx = 8192;
  p.n_threads = 4;
  Result<Plan> plan = make_plan(s, p);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  // 32 layers x 8 KV heads x 128 dims x 2 (K and V) x 2 bytes x 8192 positions = 1 GiB.
  const uint64_t by_hand = 32ull * 8 * 128 * 2 * 2 * 8192;
  EXPECT_EQ(by_hand, kGiB);
  EXPECT_EQ(plan->kv_bytes, by_hand);
  // The naive formula (every head cached: 2 x layers x hidden x ctx x 2 bytes) says 4 GiB.
  const uint64_t naive = 2ull * 32 * 4096 * 8192 * 2;
  EXPECT_EQ(naive, 4 * plan->kv_bytes);
  // Weights: parameters x bits / 8.
  EXPECT_EQ(plan->weights_bytes, static_cast<uint64_t>(8.03e9 * 4.5 / 8));

  // Q8_0 cache: 128 values in 4 blocks of 34 bytes instead of 256 bytes.
  p.kv_type = TensorType::Q8_0;
  Result<Plan> q8 = make_plan(s, p);
  ASSERT_TRUE(q8.ok());
  EXPECT_EQ(q8->kv_bytes, 32ull * 8 * 136 * 2 * 8192);
}

TEST(PlanKv, SlidingWindowLayersCountTheirWindow) {
  const std::string path = testing::testdata_path("models/synthetic/cpt-gemma2.gguf");
  EDGELLM_REQUIRE_FILE(path);
  Result<ModelSpec> s = spec_from_file(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  const model::HParams& hp = s->hp;
  ASSERT_EQ(hp.sliding_window, 8);
  model::ContextParams p;
  p.n_ctx = 256;
  p.n_batch = 16;
  p.n_threads = 2;
  Result<Plan> plan = make_plan(*s, p);
  ASSERT_TRUE(plan.ok());
  uint64_t by_hand = 0;
  int n_swa = 0;
  const uint64_t row = 2 * hp.head_dim_k;  // F16
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    // Gemma 2 alternates: even layers slide (window 8 + one batch of 16 cells), odd ones see all.
    const int64_t cells = il % 2 == 0 ? 8 + 16 : 256;
    EXPECT_EQ(plan->memory.kv_cells[il], cells) << il;
    n_swa += il % 2 == 0;
    by_hand += static_cast<uint64_t>(hp.n_head_kv) * cells * 2 * row;
  }
  ASSERT_GT(n_swa, 0);
  EXPECT_EQ(plan->kv_bytes, by_hand);
  EXPECT_LT(plan->kv_bytes, static_cast<uint64_t>(hp.n_layer * hp.n_head_kv) * 256 * 2 * row);
}

TEST(PlanKv, Gemma2PresetByHand) {
  Result<ModelSpec> s = spec_from_preset_name("gemma-2-2b:Q4_K_M");
  ASSERT_TRUE(s.ok()) << s.status().message();
  model::ContextParams p;
  p.n_ctx = 8192;
  p.n_threads = 4;
  Result<Plan> plan = make_plan(*s, p);
  ASSERT_TRUE(plan.ok());
  // 26 layers, 4 KV heads of 256: 13 local layers keep 4096 + 512 cells, 13 global ones 8192.
  EXPECT_EQ(plan->kv_bytes, 4ull * (13 * 4608 + 13 * 8192) * 2 * 512);
}

// The plan of a file equals what Context::create allocates for it.
TEST(PlanMatchesEngine, KvAndComputeEqualTheContext) {
  std::vector<std::string> files = testing::list_testdata("models/synthetic", ".gguf");
  for (const char* f : {"models/stories260K.gguf", "models/kjv-chat-7m-f16.gguf"}) {
    if (testing::file_exists(testing::testdata_path(f))) files.push_back(testing::testdata_path(f));
  }
  if (files.empty()) GTEST_SKIP() << "no models in " << testing::testdata_dir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    Result<ModelSpec> s = spec_from_file(path);
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto model = model::Model::load(path);
    ASSERT_TRUE(model.ok());
    model::ContextParams p;
    p.n_ctx = s->hp.is_decoder() ? 200 : std::min<int64_t>(64, s->hp.n_ctx_train);
    p.n_batch = 32;
    p.n_threads = 2;
    auto ctx = model::Context::create(*model, p);
    ASSERT_TRUE(ctx.ok()) << ctx.status().message();
    Result<Plan> plan = make_plan(*s, p);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->kv_bytes, (*ctx)->memory().kv_bytes);
    EXPECT_EQ(plan->compute_bytes, (*ctx)->memory().compute_bytes());
    EXPECT_EQ(plan->weights_bytes, (*model)->weight_bytes());
    // The matrix list derived from tensor names plans the same scratch as the bound weights.
    ModelSpec derived = *s;
    derived.matrices = matrices_from_tensors(s->tensors);
    EXPECT_EQ(make_plan(derived, p)->compute_bytes, plan->compute_bytes);
  }
}

TEST(PresetSpec, EqualsTheSynthesizedFile) {
  testing::TempDir dir;
  const synth::Preset* preset = synth::find_preset("smollm2-135m");
  ASSERT_NE(preset, nullptr);
  const std::string path = dir.file("smollm2.gguf");
  ASSERT_TRUE(synth::write_synthetic_model(*preset, path, {quant::Recipe::Q4_K_M, 1}).ok());
  Result<ModelSpec> from_file = spec_from_file(path);
  Result<ModelSpec> from_preset = spec_from_preset(*preset, quant::Recipe::Q4_K_M);
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  ASSERT_TRUE(from_preset.ok()) << from_preset.status().message();
  EXPECT_EQ(from_preset->weights_bytes, from_file->weights_bytes);
  EXPECT_EQ(from_preset->n_tokens, from_file->n_tokens);
  EXPECT_EQ(from_preset->n_merges, from_file->n_merges);
  EXPECT_NEAR(static_cast<double>(from_preset->metadata_bytes),
              static_cast<double>(from_file->metadata_bytes), 64 * 1024);
  model::ContextParams p;
  p.n_ctx = 2048;
  p.n_threads = 4;
  Result<Plan> a = make_plan(*from_file, p), b = make_plan(*from_preset, p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->kv_bytes, b->kv_bytes);
  EXPECT_EQ(a->compute_bytes, b->compute_bytes);
  EXPECT_EQ(a->overhead.total(), b->overhead.total());
  // Retyping the F16 preset gives the Q4_K_M one.
  Result<ModelSpec> f16 = spec_from_preset(*preset, quant::Recipe::F16);
  ASSERT_TRUE(f16.ok());
  Result<ModelSpec> retyped = retype(*f16, quant::Recipe::Q4_K_M);
  ASSERT_TRUE(retyped.ok());
  EXPECT_EQ(retyped->weights_bytes, from_file->weights_bytes);
}

TEST(MaxContext, MonotoneAndTight) {
  Result<ModelSpec> s = spec_from_preset_name("llama-3.2-1b:Q4_K_M");
  ASSERT_TRUE(s.ok()) << s.status().message();
  model::ContextParams p;
  p.n_threads = 4;
  // The total grows with the context.
  uint64_t last = 0;
  for (int64_t n : {1, 16, 256, 1024, 4096, 16384, 65536, 131072}) {
    p.n_ctx = n;
    Result<Plan> plan = make_plan(*s, p);
    ASSERT_TRUE(plan.ok());
    EXPECT_GE(plan->total_bytes, last) << n;
    last = plan->total_bytes;
  }
  // The largest context grows with the budget, and is tight: one more token does not fit.
  int64_t prev = 0;
  for (uint64_t budget = 800 * kMiB; budget <= 6 * kGiB; budget += 256 * kMiB) {
    const int64_t n = max_context(*s, p, budget);
    EXPECT_GE(n, prev) << budget;
    prev = n;
    if (n > 0 && n < s->hp.n_ctx_train) {
      model::ContextParams q = p;
      q.n_ctx = n;
      EXPECT_LE(make_plan(*s, q)->total_bytes, budget);
      q.n_ctx = n + 1;
      EXPECT_GT(make_plan(*s, q)->total_bytes, budget);
    }
  }
  EXPECT_EQ(max_context(*s, p, 10 * kMiB), 0);
  EXPECT_EQ(max_context(*s, p, 64 * kGiB), s->hp.n_ctx_train);
}

TEST(QuantOptions, FewerBitsFitMore) {
  Result<ModelSpec> s = spec_from_preset_name("llama-3.2-1b:F16");
  ASSERT_TRUE(s.ok());
  model::ContextParams p;
  p.n_ctx = 4096;
  p.n_threads = 4;
  const std::vector<QuantOption> opts = quant_options(*s, p, 1536 * kMiB);
  ASSERT_EQ(opts.size(), candidate_recipes().size());
  EXPECT_EQ(opts.front().type, "F16");
  EXPECT_FALSE(opts.front().fits);  // 2.5 GB of weights
  bool any_fits = false;
  for (const QuantOption& o : opts) {
    if (o.type == "Q4_K_M") {
      EXPECT_TRUE(o.fits);
      EXPECT_GE(o.max_ctx, 4096);
    }
    any_fits |= o.fits;
    EXPECT_EQ(o.fits, o.total_bytes <= 1536 * kMiB) << o.type;
  }
  EXPECT_TRUE(any_fits);
  for (size_t i = 1; i < opts.size(); ++i) {
    if (opts[i].type == "Q3_K_M" || opts[i].type == "Q2_K" || opts[i].type == "Q4_0") continue;
    EXPECT_LE(opts[i].weights_bytes, opts[i - 1].weights_bytes) << opts[i].type;
  }
}

TEST(Report, JsonKeys) {
  Result<ModelSpec> s = spec_from_preset_name("smollm2-135m:Q8_0");
  ASSERT_TRUE(s.ok());
  model::ContextParams p;
  p.n_ctx = 1024;
  Budget b;
  b.device = *find_device(builtin_devices(), "rpi5-8gb");
  b.bytes = b.device->usable_bytes();
  p.n_threads = b.device->cores;
  Result<PlanReport> r = build_report(*s, p, b);
  ASSERT_TRUE(r.ok());
  const nlohmann::json j = report_json(*r);
  for (const char* key : {"weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes",
                          "total_bytes", "fits", "max_ctx", "margin_bytes", "device",
                          "memory_bytes", "layers", "quant_options", "speed", "n_ctx", "kv_type"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["total_bytes"].get<uint64_t>(),
            j["weights_bytes"].get<uint64_t>() + j["kv_bytes"].get<uint64_t>() +
                j["compute_bytes"].get<uint64_t>() + j["overhead_bytes"].get<uint64_t>());
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["margin_bytes"].get<int64_t>(),
            static_cast<int64_t>(b.bytes) - j["total_bytes"].get<int64_t>());
  EXPECT_EQ(j["layers"].size(), 30u);
  EXPECT_EQ(j["device"]["name"], "rpi5-8gb");
  EXPECT_GT(j["speed"]["tokens_per_s"].get<double>(), 0);
  EXPECT_FALSE(report_text(*r).empty());
}

TEST(Speed, MemoryBound) {
  Result<ModelSpec> s = spec_from_preset_name("llama-3.2-1b:Q4_K_M");
  ASSERT_TRUE(s.ok());
  model::ContextParams p;
  p.n_ctx = 2048;
  Result<Plan> plan = make_plan(*s, p);
  ASSERT_TRUE(plan.ok());
  const SpeedEstimate fast = estimate_speed(*s, *plan, 100);
  const SpeedEstimate slow = estimate_speed(*s, *plan, 10);
  // Tied embeddings: the output projection reads every weight; the KV cache is read too.
  EXPECT_EQ(fast.bytes_per_token, plan->weights_bytes + plan->kv_bytes);
  EXPECT_NEAR(fast.tokens_per_s, 10 * slow.tokens_per_s, 1e-6);
  EXPECT_NEAR(slow.tokens_per_s, 10e9 / static_cast<double>(slow.bytes_per_token), 1e-6);
  EXPECT_EQ(estimate_speed(*s, *plan, 0).tokens_per_s, 0);
}

TEST(MemoryLimit, RefusesWithThePlan) {
  const std::string path = testing::testdata_path("models/kjv-chat-7m-f16.gguf");
  EDGELLM_REQUIRE_FILE(path);
  model::ContextParams p;
  p.n_ctx = 512;
  Status st = check_memory_limit(path, p, 8 * kMiB);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kOutOfMemory);
  EXPECT_NE(st.message().find("weights"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("memory limit of 8.00 MiB"), std::string::npos) << st.message();
  EXPECT_TRUE(check_memory_limit(path, p, 1 * kGiB).ok());
  EXPECT_FALSE(check_memory_limit("/nonexistent.gguf", p, kGiB).ok());
}

}  // namespace
}  // namespace edgellm::plan
