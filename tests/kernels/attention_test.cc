// Fused attention against a naive full-softmax reference in double (masks, GQA, sliding window,
// soft-capping, empty cells, F16 and Q8_0 caches, the split-cells decode path), plus every ISA
// against scalar and independence from the thread count.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace edgellm::kernels {
namespace {

struct Cache {
  TensorType type;
  int n_kv_heads, head_dim;
  int64_t capacity;
  size_t row_bytes;
  std::vector<uint8_t> k, v;
  KvView kview() { return KvView{type, k.data(), capacity, head_dim, row_bytes}; }
  KvView vview() { return KvView{type, v.data(), capacity, head_dim, row_bytes}; }
};

Cache make_cache(TensorType type, int n_kv_heads, int head_dim, int64_t capacity, uint32_t seed) {
  Cache c{type, n_kv_heads, head_dim, capacity, row_size(type, head_dim), {}, {}};
  c.k.resize(c.row_bytes * capacity * n_kv_heads);
  c.v.resize(c.row_bytes * capacity * n_kv_heads);
  const std::vector<float> k = testing::random_floats(capacity * n_kv_heads * head_dim, seed);
  const std::vector<float> v = testing::random_floats(capacity * n_kv_heads * head_dim, seed + 1);
  std::vector<int32_t> cells(capacity);
  for (int64_t i = 0; i < capacity; ++i) cells[i] = static_cast<int32_t>(i);
  kv_store(c.kview(), n_kv_heads, k.data(), capacity, cells.data());
  kv_store(c.vview(), n_kv_heads, v.data(), capacity, cells.data());
  return c;
}

std::vector<float> row_of(Cache& c, const std::vector<uint8_t>& plane, int h, int64_t cell) {
  std::vector<float> out(c.head_dim);
  dequantize_row(c.type, plane.data() + (h * c.capacity + cell) * c.row_bytes, out.data(),
                 c.head_dim);
  return out;
}

std::vector<double> reference(const AttentionParams& p, const std::vector<float>& q,
                              int64_t n_tokens, const int32_t* q_pos, Cache& c, int64_t n_cells,
                              const int32_t* cell_pos) {
  const int hd = p.head_dim, group = p.n_heads / p.n_kv_heads;
  std::vector<double> out(n_tokens * p.n_heads * hd, 0.0);
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int h = 0; h < p.n_heads; ++h) {
      const float* qh = q.data() + (t * p.n_heads + h) * hd;
      std::vector<float> qr = c.type == TensorType::F16
                                  ? testing::round_activations(TensorType::F16, qh, hd)
                                  : testing::round_activations(TensorType::Q8_0, qh, hd);
      std::vector<double> s;
      std::vector<int64_t> js;
      for (int64_t j = 0; j < n_cells; ++j) {
        const int32_t cp = cell_pos[j];
        if (cp < 0 || (p.causal && cp > q_pos[t]) || (p.window > 0 && q_pos[t] - cp >= p.window)) {
          continue;
        }
        const std::vector<float> k = row_of(c, c.k, h / group, j);
        double d = 0;
        for (int i = 0; i < hd; ++i) d += double(qr[i]) * k[i];
        d *= p.scale;
        if (p.softcap > 0) d = p.softcap * std::tanh(d / p.softcap);
        s.push_back(d);
        js.push_back(j);
      }
      if (s.empty()) continue;
      const double m = *std::max_element(s.begin(), s.end());
      double l = 0;
      for (double& v : s) l += (v = std::exp(v - m));
      for (size_t i = 0; i < s.size(); ++i) {
        const std::vector<float> v = row_of(c, c.v, h / group, js[i]);
        for (int d = 0; d < hd; ++d) out[(t * p.n_heads + h) * hd + d] += s[i] / l * v[d];
      }
    }
  }
  return out;
}

std::vector<float> run(const AttentionParams& p, const std::vector<float>& q, int64_t n_tokens,
                       const int32_t* q_pos, Cache& c, int64_t n_cells, const int32_t* cell_pos,
                       ThreadPool& pool) {
  std::vector<float> out(n_tokens * p.n_heads * p.head_dim, 123.0f);
  std::vector<uint8_t> ws(attention_workspace_size(p, n_tokens, n_cells, pool.size()));
  attention(p, q.data(), n_tokens, q_pos, c.kview(), c.vview(), n_cells, cell_pos, out.data(),
            pool, Workspace{ws.data(), ws.size()});
  return out;
}

struct Scenario {
  const char* name;
  TensorType type;
  int n_heads, n_kv_heads, head_dim;
  int64_t n_tokens, n_cells;
  bool causal;
  int window;
  float softcap;
  bool holes;  // some empty cells
};

class AttentionTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(AttentionTest, MatchesNaiveSoftmax) {
  const Scenario& s = GetParam();
  Cache c = make_cache(s.type, s.n_kv_heads, s.head_dim, s.n_cells + 3, 50);
  AttentionParams p;
  p.n_heads = s.n_heads;
  p.n_kv_heads = s.n_kv_heads;
  p.head_dim = s.head_dim;
  p.scale = 1.0f / std::sqrt(float(s.head_dim)) * 2.0f;
  p.causal = s.causal;
  p.window = s.window;
  p.softcap = s.softcap;
  std::vector<int32_t> cell_pos(s.n_cells), q_pos(s.n_tokens);
  for (int64_t j = 0; j < s.n_cells; ++j) cell_pos[j] = (s.holes && j % 7 == 3) ? -1 : int32_t(j);
  for (int64_t t = 0; t < s.n_tokens; ++t) q_pos[t] = int32_t(s.n_cells - s.n_tokens + t);
  const std::vector<float> q =
      testing::random_floats(s.n_tokens * s.n_heads * s.head_dim, 60, -1.5f, 1.5f);
  const std::vector<double> ref =
      reference(p, q, s.n_tokens, q_pos.data(), c, s.n_cells, cell_pos.data());
  ThreadPool pool(2);
  std::vector<float> scalar_out;
  {
    ScopedIsa scalar(Isa::kScalar);
    scalar_out = run(p, q, s.n_tokens, q_pos.data(), c, s.n_cells, cell_pos.data(), pool);
  }
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(scalar_out[i], ref[i], 2e-5) << i;
  for (Isa isa : supported_isas()) {
    ScopedIsa scoped(isa);
    const std::vector<float> y = run(p, q, s.n_tokens, q_pos.data(), c, s.n_cells, cell_pos.data(), pool);
    for (size_t i = 0; i < ref.size(); ++i) {
      ASSERT_NEAR(y[i], scalar_out[i], 2e-6) << isa_name(isa) << " output " << i;
    }
    // The same bits for any thread count.
    ThreadPool one(1), three(3);
    EXPECT_EQ(run(p, q, s.n_tokens, q_pos.data(), c, s.n_cells, cell_pos.data(), one), y);
    EXPECT_EQ(run(p, q, s.n_tokens, q_pos.data(), c, s.n_cells, cell_pos.data(), three), y);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, AttentionTest,
    ::testing::Values(
        Scenario{"prefill_gqa", TensorType::F16, 6, 2, 64, 9, 140, true, 0, 0.0f, false},
        Scenario{"decode_mha", TensorType::F16, 4, 4, 32, 1, 70, true, 0, 0.0f, false},
        // Prompt blocks of 4 tokens x 4 heads per KV head (full group-kernel tiles), a ragged
        // last block, chunks of 64 cells with holes.
        Scenario{"prefill_blocks", TensorType::F16, 16, 4, 64, 37, 300, true, 0, 0.0f, true},
        // One head per KV head with wide heads (the F16 query staging must fit).
        Scenario{"mha_head_dim_256", TensorType::F16, 2, 2, 256, 3, 80, true, 0, 0.0f, false},
        Scenario{"window_softcap", TensorType::F16, 4, 2, 64, 6, 90, true, 8, 2.0f, false},
        Scenario{"noncausal_holes", TensorType::F16, 2, 1, 128, 5, 77, false, 0, 0.0f, true},
        Scenario{"q8_cache", TensorType::Q8_0, 4, 2, 64, 4, 100, true, 0, 0.0f, true},
        Scenario{"long_decode_split", TensorType::F16, 8, 2, 64, 1, 3000, true, 0, 0.0f, true},
        // Head sizes that are not a multiple of the SIMD width (tiny models use 4 or 8).
        Scenario{"head_dim_4", TensorType::F16, 2, 2, 4, 5, 40, true, 0, 0.0f, false},
        Scenario{"head_dim_12", TensorType::F16, 4, 2, 12, 3, 70, true, 0, 0.0f, true},
        Scenario{"long_decode_q8", TensorType::Q8_0, 3, 1, 64, 2, 1500, true, 0, 0.0f, false}),
    [](const ::testing::TestParamInfo<Scenario>& info) { return std::string(info.param.name); });

TEST(Attention, QueryThatSeesNothingGetsZeros) {
  Cache c = make_cache(TensorType::F16, 1, 32, 10, 5);
  AttentionParams p;
  p.n_heads = 1;
  p.n_kv_heads = 1;
  p.head_dim = 32;
  std::vector<int32_t> cell_pos(10, 50);  // every cell is in the future
  const int32_t q_pos = 3;
  const std::vector<float> q = testing::random_floats(32, 1);
  ThreadPool pool(2);
  const std::vector<float> out = run(p, q, 1, &q_pos, c, 10, cell_pos.data(), pool);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(Attention, KvStoreSkipsCellsOutsideTheCache) {
  Cache c = make_cache(TensorType::F16, 1, 32, 4, 5);
  const std::vector<uint8_t> before = c.k;
  const std::vector<float> src = testing::random_floats(2 * 32, 2);
  const int32_t cells[2] = {-1, 4};
  kv_store(c.kview(), 1, src.data(), 2, cells);
  EXPECT_EQ(c.k, before);
  EXPECT_TRUE(kv_type_supported(TensorType::F16));
  EXPECT_TRUE(kv_type_supported(TensorType::Q8_0));
  EXPECT_FALSE(kv_type_supported(TensorType::Q4_0));
}

}  // namespace
}  // namespace edgellm::kernels
