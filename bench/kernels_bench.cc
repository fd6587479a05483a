// Microbenchmarks for every kernel, on every ISA this CPU supports (the benchmark name ends with
// the ISA). Shapes are those of the models in bench/README.md: SmolLM2-135M (n_embd 576, ffn 1536)
// and Llama-3.2-1B (n_embd 2048, ffn 8192). Run with --benchmark_repetitions=5 for the median and
// spread; counters report multiply-adds per second and weight bytes read per second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "kernels/dispatch.h"
#include "kernels/kernels.h"
#include "quant/quant.h"

namespace edgellm::kernels {
namespace {

std::vector<float> random_floats(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Real quantized weights (through the quant module's reference quantizer).
std::vector<uint8_t> quantized(TensorType type, int64_t rows, int64_t cols) {
  const std::vector<float> f = random_floats(rows * cols, 1);
  std::vector<uint8_t> out(row_size(type, cols) * rows);
  for (int64_t r = 0; r < rows; ++r) {
    quant::quantize_row(type, f.data() + r * cols, out.data() + r * row_size(type, cols), cols);
  }
  return out;
}

void BM_Matmul(benchmark::State& state, Isa isa, TensorType type, int64_t rows, int64_t cols,
               int64_t tokens, int threads) {
  ScopedIsa scoped(isa);
  const std::vector<uint8_t> w = quantized(type, rows, cols);
  const Matrix m{type, w.data(), cols, rows, row_size(type, cols)};
  const std::vector<float> x = random_floats(tokens * cols, 2);
  std::vector<float> y(tokens * rows);
  std::vector<uint8_t> ws(matmul_workspace_size(type, cols, tokens));
  ThreadPool pool(threads);
  for (auto _ : state) {
    matmul(m, x.data(), tokens, y.data(), pool, Workspace{ws.data(), ws.size()});
    benchmark::DoNotOptimize(y.data());
  }
  const double macs = static_cast<double>(rows) * cols * tokens;
  state.counters["GMAC/s"] = benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(w.size()) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// Decode as the model runs it: one token through every matrix of a stack of layers (q, k, v, o,
// gate, up, down), one matmul after the other, with weights far larger than the last-level cache,
// so every byte comes from DRAM. This is the number that generation speed follows; the single
// matrix benchmarks above mostly read from cache. The rows are copies of one quantized block of
// rows (values do not change the speed), so building 100+ MB of weights takes no time.
struct ChainShape {
  int64_t n_embd, n_kv, n_ff, n_layer;
};

void BM_DecodeChain(benchmark::State& state, Isa isa, TensorType type, ChainShape s, int threads) {
  ScopedIsa scoped(isa);
  const int64_t base_rows = 64;
  std::vector<std::vector<uint8_t>> base;  // [0]: n_embd columns, [1]: n_ff columns
  for (int64_t cols : {s.n_embd, s.n_ff}) base.push_back(quantized(type, base_rows, cols));
  struct Mat {
    int64_t rows, cols;
  };
  const Mat layer[] = {{s.n_embd, s.n_embd}, {s.n_kv, s.n_embd}, {s.n_kv, s.n_embd},
                       {s.n_embd, s.n_embd}, {s.n_ff, s.n_embd}, {s.n_ff, s.n_embd},
                       {s.n_embd, s.n_ff}};
  std::vector<std::vector<uint8_t>> storage;
  std::vector<Matrix> mats;
  size_t total = 0;
  for (int64_t il = 0; il < s.n_layer; ++il) {
    for (const Mat& m : layer) {
      const std::vector<uint8_t>& src = base[m.cols == s.n_embd ? 0 : 1];
      const size_t rb = row_size(type, m.cols);
      std::vector<uint8_t> w(rb * m.rows);
      for (int64_t r = 0; r < m.rows; ++r) std::memcpy(w.data() + r * rb, src.data() + (r % base_rows) * rb, rb);
      storage.push_back(std::move(w));
      mats.push_back(Matrix{type, storage.back().data(), m.cols, m.rows, rb});
      total += storage.back().size();
    }
  }
  const int64_t width = std::max(s.n_embd, s.n_ff);
  const std::vector<float> x = random_floats(width, 2);
  std::vector<float> y(width);
  std::vector<uint8_t> ws(matmul_workspace_size(type, width, 1));
  ThreadPool pool(threads);
  for (auto _ : state) {
    for (const Matrix& m : mats) {
      matmul(m, x.data(), 1, y.data(), pool, Workspace{ws.data(), ws.size()});
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(total) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB"] = static_cast<double>(total) / 1e6;
}

void BM_Attention(benchmark::State& state, Isa isa, int64_t n_tokens, int64_t n_cells, int threads) {
  ScopedIsa scoped(isa);
  AttentionParams p;
  p.n_heads = 9;
  p.n_kv_heads = 3;
  p.head_dim = 64;
  p.scale = 0.125f;
  const size_t row_bytes = 64 * 2;
  std::vector<uint8_t> k(row_bytes * n_cells * 3), v(row_bytes * n_cells * 3);
  const std::vector<float> kv = random_floats(n_cells * 3 * 64, 3);
  std::vector<int32_t> cells(n_cells), q_pos(n_tokens);
  for (int64_t i = 0; i < n_cells; ++i) cells[i] = static_cast<int32_t>(i);
  for (int64_t t = 0; t < n_tokens; ++t) q_pos[t] = static_cast<int32_t>(n_cells - n_tokens + t);
  KvView kview{TensorType::F16, k.data(), n_cells, 64, row_bytes};
  KvView vview{TensorType::F16, v.data(), n_cells, 64, row_bytes};
  kv_store(kview, 3, kv.data(), n_cells, cells.data());
  kv_store(vview, 3, kv.data(), n_cells, cells.data());
  const std::vector<float> q = random_floats(n_tokens * 9 * 64, 4);
  std::vector<float> out(n_tokens * 9 * 64);
  ThreadPool pool(threads);
  std::vector<uint8_t> ws(attention_workspace_size(p, n_tokens, n_cells, threads));
  for (auto _ : state) {
    attention(p, q.data(), n_tokens, q_pos.data(), kview, vview, n_cells, cells.data(), out.data(),
              pool, Workspace{ws.data(), ws.size()});
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_Elementwise(benchmark::State& state, Isa isa, const char* op, int64_t n) {
  ScopedIsa scoped(isa);
  std::vector<float> x = random_floats(n, 5), w = random_floats(n, 6);
  const std::string name = op;
  for (auto _ : state) {
    if (name == "rms_norm") rms_norm(x.data(), w.data(), 1e-5f, n, 1, x.data());
    if (name == "layer_norm") layer_norm(x.data(), w.data(), w.data(), 1e-5f, n, 1, x.data());
    if (name == "swiglu") swiglu(x.data(), w.data(), n);
    if (name == "geglu") geglu(x.data(), w.data(), n);
    if (name == "silu") silu_inplace(x.data(), n);
    if (name == "gelu") gelu_inplace(x.data(), n);
    if (name == "add") add_inplace(x.data(), w.data(), n);
    if (name == "mul") mul_inplace(x.data(), w.data(), n);
    if (name == "scale") scale_inplace(x.data(), 0.999f, n);
    if (name == "softcap") softcap_inplace(x.data(), 30.0f, n);
    if (name == "softmax") softmax_inplace(x.data(), n);
    if (name == "quantize_q8_0") quantize_row_q8_0(x.data(), w.data(), n);
    if (name == "quantize_q8_1") quantize_row_q8_1(x.data(), w.data(), n);
    if (name == "quantize_q8_K") quantize_row_q8_K(x.data(), w.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// Embedding lookup (dequantizes whole rows): 64 random rows of a [n_embd 576] table.
void BM_GetRows(benchmark::State& state, Isa isa, TensorType type) {
  ScopedIsa scoped(isa);
  const int64_t rows = 4096, cols = 576;
  const std::vector<uint8_t> w = quantized(type, rows, cols);
  const Matrix m{type, w.data(), cols, rows, row_size(type, cols)};
  std::vector<int32_t> ids(64);
  std::mt19937 rng(9);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % rows);
  std::vector<float> out(ids.size() * cols);
  for (auto _ : state) {
    get_rows(m, ids.data(), static_cast<int64_t>(ids.size()), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ids.size()) * cols);
}

// Writing keys or values of n_tokens tokens into an F16 or Q8_0 cache (3 KV heads of 64).
void BM_KvStore(benchmark::State& state, Isa isa, TensorType type, int64_t n_tokens) {
  ScopedIsa scoped(isa);
  const size_t row_bytes = row_size(type, 64);
  std::vector<uint8_t> cache(row_bytes * n_tokens * 3);
  KvView kv{type, cache.data(), n_tokens, 64, row_bytes};
  const std::vector<float> src = random_floats(n_tokens * 3 * 64, 10);
  std::vector<int32_t> cells(n_tokens);
  for (int64_t i = 0; i < n_tokens; ++i) cells[i] = static_cast<int32_t>(i);
  for (auto _ : state) {
    kv_store(kv, 3, src.data(), n_tokens, cells.data());
    benchmark::DoNotOptimize(cache.data());
  }
  state.SetItemsProcessed(state.iterations() * n_tokens * 3 * 64);
}

// The machine's memory read bandwidth, the ceiling of generation speed (weights are streamed
// once per token): a 512 MiB buffer summed by `threads` threads of the pool.
void BM_ReadBandwidth(benchmark::State& state, int threads) {
  const size_t n = (512u << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buf(n, 1);
  ThreadPool pool(threads);
  std::vector<uint64_t> sums(threads);
  for (auto _ : state) {
    pool.run([&](int ith, int nth) {
      const size_t b = n / nth * ith, e = ith + 1 == nth ? n : n / nth * (ith + 1);
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (size_t i = b; i + 4 <= e; i += 4) {
        s0 += buf[i];
        s1 += buf[i + 1];
        s2 += buf[i + 2];
        s3 += buf[i + 3];
      }
      sums[ith] = s0 + s1 + s2 + s3;
    });
    benchmark::DoNotOptimize(sums.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(n * sizeof(uint64_t)) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Rope(benchmark::State& state, int64_t n_tokens, RopeMode mode) {
  RopeParams p;
  p.n_rot = 64;
  p.mode = mode;
  std::vector<float> x = random_floats(n_tokens * 9 * 64, 7);
  std::vector<int32_t> pos(n_tokens);
  for (int64_t t = 0; t < n_tokens; ++t) pos[t] = static_cast<int32_t>(t);
  for (auto _ : state) {
    rope(x.data(), n_tokens, 9, 64, pos.data(), p);
    benchmark::DoNotOptimize(x.data());
  }
}

void register_all() {
  const std::vector<TensorType> types = {
      TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0,
      TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q2_K, TensorType::Q3_K,
      TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_NL, TensorType::IQ4_XS};
  struct Shape {
    const char* name;
    int64_t rows, cols, tokens;
  };
  const Shape shapes[] = {
      // SmolLM2-135M: ffn_up (576 columns: no k-quants, which need multiples of 256) and
      // ffn_down (1536 columns); Llama-3.2-1B: ffn_up and ffn_down.
      {"decode_1536x576", 1536, 576, 1},     {"decode_576x1536", 576, 1536, 1},
      {"decode_8192x2048", 8192, 2048, 1},   {"decode_2048x8192", 2048, 8192, 1},
      {"prompt_1536x576_t128", 1536, 576, 128}, {"prompt_576x1536_t128", 576, 1536, 128},
      {"prompt_2048x8192_t64", 2048, 8192, 64},
      // A whole 512-token prompt step (llama-bench pp512) through the Llama-3.2-1B ffn_up.
      {"prompt_8192x2048_t512", 8192, 2048, 512},
  };
  for (Isa isa : supported_isas()) {
    const std::string suffix = std::string("/") + isa_name(isa);
    for (TensorType type : types) {
      for (const Shape& s : shapes) {
        if (s.cols % traits(type).block_size != 0) continue;
        for (int threads : {1, 2}) {
          const std::string name = std::string("matmul/") + tensor_type_name(type) + "/" + s.name +
                                   "/t" + std::to_string(threads) + suffix;
          benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, isa, type, s.rows, s.cols,
                                       s.tokens, threads)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
    // Whole-stack decode from DRAM: SmolLM2-135M's 30 layers (Q8_0, Q4_0, Q5_0 need only
    // 32-column blocks) and 6 layers of Llama-3.2-1B (all types).
    for (TensorType type : types) {
      for (auto [label, shape] : {std::pair<const char*, ChainShape>{"smollm2", {576, 192, 1536, 30}},
                                  {"llama1b_6l", {2048, 512, 8192, 6}}}) {
        if (shape.n_embd % traits(type).block_size != 0) continue;
        if (type == TensorType::F32 || type == TensorType::BF16) continue;
        for (int threads : {1, 2}) {
          const std::string name = std::string("decode_chain/") + tensor_type_name(type) + "/" +
                                   label + "/t" + std::to_string(threads) + suffix;
          benchmark::RegisterBenchmark(name.c_str(), BM_DecodeChain, isa, type, shape, threads)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
      }
    }
    for (auto [tokens, cells] :
         {std::pair<int64_t, int64_t>{1, 512}, {1, 4096}, {64, 512}, {512, 512}}) {
      const std::string name = "attention/t" + std::to_string(tokens) + "_cells" +
                               std::to_string(cells) + suffix;
      benchmark::RegisterBenchmark(name.c_str(), BM_Attention, isa, tokens, cells, 2)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
    for (const char* op : {"rms_norm", "layer_norm", "swiglu", "geglu", "silu", "gelu", "add",
                           "mul", "scale", "softcap", "softmax", "quantize_q8_0", "quantize_q8_1",
                           "quantize_q8_K"}) {
      const std::string name = std::string("elementwise/") + op + "/8192" + suffix;
      benchmark::RegisterBenchmark(name.c_str(), BM_Elementwise, isa, op, 8192);
    }
    for (TensorType type : {TensorType::F16, TensorType::Q8_0, TensorType::Q6_K}) {
      const std::string name = std::string("get_rows/") + tensor_type_name(type) + suffix;
      if (576 % traits(type).block_size != 0) continue;
      benchmark::RegisterBenchmark(name.c_str(), BM_GetRows, isa, type);
    }
    for (TensorType type : {TensorType::F16, TensorType::Q8_0}) {
      for (int64_t tokens : {1, 512}) {
        const std::string name = std::string("kv_store/") + tensor_type_name(type) + "/t" +
                                 std::to_string(tokens) + suffix;
        benchmark::RegisterBenchmark(name.c_str(), BM_KvStore, isa, type, tokens);
      }
    }
  }
  benchmark::RegisterBenchmark("rope/normal/t64", BM_Rope, 64, RopeMode::kNormal);
  benchmark::RegisterBenchmark("rope/neox/t64", BM_Rope, 64, RopeMode::kNeox);
  benchmark::RegisterBenchmark("rope/normal/t512", BM_Rope, 512, RopeMode::kNormal);
  for (int threads : {1, 2}) {
    const std::string name = "memory/read_bandwidth/t" + std::to_string(threads);
    benchmark::RegisterBenchmark(name.c_str(), BM_ReadBandwidth, threads)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace edgellm::kernels

int main(int argc, char** argv) {
  edgellm::kernels::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
