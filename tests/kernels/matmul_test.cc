// Matrix products for every weight type: against a double-precision reference built from the
// dequantized weights and the rounded activations, every ISA against scalar, and independence
// from the thread count and the strides.
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace edgellm::kernels {
namespace {

struct Case {
  std::vector<uint8_t> data;
  Matrix w;
  std::vector<float> x;
};

Case make_case(TensorType type, int64_t rows, int64_t cols, int64_t tokens, uint32_t seed) {
  Case c;
  c.data = testing::random_matrix(type, rows, cols, seed);
  c.w = Matrix{type, c.data.data(), cols, rows, row_size(type, cols)};
  c.x = testing::random_floats(tokens * cols, seed + 1, -2.0f, 2.0f);
  return c;
}

std::vector<float> run_matmul(const Case& c, int64_t tokens, ThreadPool& pool) {
  std::vector<float> y(tokens * c.w.n_rows, -1.0f);
  std::vector<uint8_t> ws(matmul_workspace_size(c.w.type, c.w.n_cols, tokens));
  matmul(c.w, c.x.data(), tokens, y.data(), pool, Workspace{ws.data(), ws.size()});
  return y;
}

// Reference and the scale of the terms (sum of |w * a|) per output.
void reference(const Case& c, int64_t tokens, std::vector<double>* ref, std::vector<double>* mag) {
  const int64_t n = c.w.n_cols;
  std::vector<float> wrow(n);
  ref->assign(tokens * c.w.n_rows, 0.0);
  mag->assign(tokens * c.w.n_rows, 0.0);
  std::vector<std::vector<float>> acts;
  for (int64_t t = 0; t < tokens; ++t) {
    acts.push_back(testing::round_activations(c.w.type, c.x.data() + t * n, n));
  }
  for (int64_t r = 0; r < c.w.n_rows; ++r) {
    dequantize_row(c.w.type, c.data.data() + r * c.w.row_bytes, wrow.data(), n);
    for (int64_t t = 0; t < tokens; ++t) {
      double s = 0, m = 0;
      for (int64_t i = 0; i < n; ++i) {
        s += static_cast<double>(wrow[i]) * acts[t][i];
        m += std::fabs(static_cast<double>(wrow[i]) * acts[t][i]);
      }
      (*ref)[t * c.w.n_rows + r] = s;
      (*mag)[t * c.w.n_rows + r] = m;
    }
  }
}

class MatmulTypeTest : public ::testing::TestWithParam<TensorType> {};

TEST_P(MatmulTypeTest, MatchesDequantizedReference) {
  const TensorType type = GetParam();
  ThreadPool pool(2);
  for (int64_t tokens : {1, 5}) {
    const Case c = make_case(type, 37, 512, tokens, 100 + static_cast<uint32_t>(type));
    std::vector<double> ref, mag;
    reference(c, tokens, &ref, &mag);
    // Q4_1/Q5_1 use the activation sum s = d * sum(q) rounded to F16, as GGUF runtimes do.
    const bool uses_s = type == TensorType::Q4_1 || type == TensorType::Q5_1;
    const double rel = uses_s ? 2e-3 : 2e-5;
    ScopedIsa scalar(Isa::kScalar);
    const std::vector<float> y = run_matmul(c, tokens, pool);
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_NEAR(y[i], ref[i], rel * mag[i] + 1e-6) << tensor_type_name(type) << " output " << i;
    }
  }
}

TEST_P(MatmulTypeTest, EveryIsaMatchesScalar) {
  const TensorType type = GetParam();
  ThreadPool pool(2);
  // Shapes with row and token tails, and long rows (several k-quant super-blocks).
  for (auto [rows, cols, tokens] : {std::tuple<int64_t, int64_t, int64_t>{1, 256, 1},
                                    {45, 1024, 1},
                                    {70, 512, 3},
                                    {33, 768, 13},
                                    {64, 256, 64},
                                    {37, 2304, 21}}) {
    const Case c = make_case(type, rows, cols, tokens, 7 * rows + tokens);
    std::vector<float> ref;
    {
      ScopedIsa scalar(Isa::kScalar);
      ref = run_matmul(c, tokens, pool);
    }
    std::vector<double> exact, mag;
    reference(c, tokens, &exact, &mag);
    for (Isa isa : supported_isas()) {
      ScopedIsa scoped(isa);
      const std::vector<float> y = run_matmul(c, tokens, pool);
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_NEAR(y[i], ref[i], 1e-5 * mag[i] + 1e-6)
            << tensor_type_name(type) << " on " << isa_name(isa) << ", " << rows << "x" << cols
            << " x " << tokens << " tokens, output " << i;
      }
    }
  }
}

TEST_P(MatmulTypeTest, SameBitsForAnyThreadCount) {
  const TensorType type = GetParam();
  const Case c = make_case(type, 300, 512, 9, 42);
  for (Isa isa : supported_isas()) {
    ScopedIsa scoped(isa);
    ThreadPool one(1);
    const std::vector<float> y1 = run_matmul(c, 9, one);
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      EXPECT_EQ(run_matmul(c, 9, pool), y1) << tensor_type_name(type) << " on " << isa_name(isa)
                                            << " with " << threads << " threads";
    }
    // Prompt-sized batches may take another kernel (x86_gemm_vnni.inc): same rule.
    const Case big = make_case(type, 300, 512, 40, 43);
    const std::vector<float> yb1 = run_matmul(big, 40, one);
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      EXPECT_EQ(run_matmul(big, 40, pool), yb1) << tensor_type_name(type) << " on "
                                                << isa_name(isa) << ", 40 tokens, " << threads
                                                << " threads";
    }
    // Decode (one token) agrees with a batch to rounding: it sums even and odd blocks in two
    // partial sums (so that consecutive blocks overlap), batches sum blocks in order.
    std::vector<float> x1(c.x.begin(), c.x.begin() + c.w.n_cols);
    Case single = c;
    single.x = x1;
    ThreadPool two(2);
    const std::vector<float> yd = run_matmul(single, 1, two);
    for (int64_t r = 0; r < c.w.n_rows; ++r) {
      ASSERT_NEAR(yd[r], y1[r], 1e-5f * (1.0f + std::fabs(y1[r])))
          << tensor_type_name(type) << " on " << isa_name(isa)
          << ": decode differs from batch at row " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatmulTypeTest, ::testing::ValuesIn(testing::matmul_types()),
                         [](const ::testing::TestParamInfo<TensorType>& info) {
                           return std::string(tensor_type_name(info.param));
                         });

TEST(Matmul, StridedInputAndOutput) {
  const Case c = make_case(TensorType::Q8_0, 20, 64, 3, 9);
  ThreadPool pool(2);
  const std::vector<float> dense = run_matmul(c, 3, pool);
  const int64_t ldx = 80, ldy = 27;
  std::vector<float> xs(3 * ldx, 1e30f), ys(3 * ldy, -7.0f);
  for (int t = 0; t < 3; ++t) std::copy_n(c.x.data() + t * 64, 64, xs.data() + t * ldx);
  std::vector<uint8_t> ws(matmul_workspace_size(TensorType::Q8_0, 64, 3));
  matmul(c.w, xs.data(), 3, ys.data(), pool, Workspace{ws.data(), ws.size()}, ldx, ldy);
  for (int t = 0; t < 3; ++t) {
    for (int r = 0; r < 20; ++r) EXPECT_EQ(ys[t * ldy + r], dense[t * 20 + r]);
    for (int r = 20; r < ldy; ++r) EXPECT_EQ(ys[t * ldy + r], -7.0f) << "wrote past the row";
  }
}

// Several matrices with one input (q/k/v, gate/up): one conversion and one region, the same
// bits as one matmul() each, for decode and prompt batches, same or mixed types, any pool size.
TEST(Matmul, ManyEqualsOneByOne) {
  const int64_t cols = 256;
  for (int64_t tokens : {1, 3, 20}) {
    for (bool mixed : {false, true}) {
      const TensorType t0 = TensorType::Q8_0;
      const TensorType t2 = mixed ? TensorType::Q4_K : TensorType::Q8_0;
      Case a = make_case(t0, 96, cols, tokens, 21);
      const Case b = make_case(t0, 40, cols, tokens, 23);
      const Case c = make_case(t2, 33, cols, tokens, 25);
      for (Isa isa : supported_isas()) {
        ScopedIsa scoped(isa);
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          Case bx = b, cx = c;
          bx.x = cx.x = a.x;  // the same input for all three
          const std::vector<float> ya = run_matmul(a, tokens, pool);
          const std::vector<float> yb = run_matmul(bx, tokens, pool);
          const std::vector<float> yc = run_matmul(cx, tokens, pool);
          std::vector<float> ma(ya.size(), -1.0f), mb(yb.size(), -1.0f), mc(yc.size(), -1.0f);
          size_t wsb = 0;
          for (TensorType t : {t0, t2}) wsb = std::max(wsb, matmul_workspace_size(t, cols, tokens));
          std::vector<uint8_t> ws(wsb);
          const Matrix* w[] = {&a.w, &b.w, &c.w};
          float* y[] = {ma.data(), mb.data(), mc.data()};
          matmul_many(w, y, 3, a.x.data(), tokens, pool, Workspace{ws.data(), ws.size()});
          EXPECT_EQ(ma, ya) << isa_name(isa) << " tokens " << tokens << " threads " << threads;
          EXPECT_EQ(mb, yb) << isa_name(isa) << " tokens " << tokens << " threads " << threads;
          EXPECT_EQ(mc, yc) << isa_name(isa) << " tokens " << tokens << " mixed " << mixed;
        }
      }
    }
  }
}

// Float weights take any row length: lengths that leave SIMD tails, on every ISA.
TEST(Matmul, FloatTypesWithOddLengthsMatchScalarOnEveryIsa) {
  ThreadPool pool(2);
  for (TensorType type : {TensorType::F32, TensorType::F16, TensorType::BF16}) {
    for (int64_t cols : {1, 7, 13, 37, 263}) {
      const Case c = make_case(type, 9, cols, 6, 300 + static_cast<uint32_t>(cols));
      std::vector<float> ref;
      {
        ScopedIsa scalar(Isa::kScalar);
        ref = run_matmul(c, 6, pool);
      }
      std::vector<double> exact, mag;
      reference(c, 6, &exact, &mag);
      for (Isa isa : supported_isas()) {
        ScopedIsa scoped(isa);
        const std::vector<float> y = run_matmul(c, 6, pool);
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_NEAR(y[i], ref[i], 1e-5 * mag[i] + 1e-6)
              << tensor_type_name(type) << " on " << isa_name(isa) << ", " << cols
              << " columns, output " << i;
        }
      }
    }
  }
}

TEST(Matmul, ValidateMatrixNamesTheProblem) {
  std::vector<uint8_t> data(4096);
  Matrix ok{TensorType::Q4_K, data.data(), 256, 4, row_size(TensorType::Q4_K, 256)};
  EXPECT_TRUE(validate_matrix(ok, "blk.0.ffn_up.weight").ok());
  Matrix bad_cols = ok;
  bad_cols.n_cols = 100;
  const Status s = validate_matrix(bad_cols, "blk.0.ffn_up.weight");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("blk.0.ffn_up.weight"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("256"), std::string::npos) << s.message();
  Matrix bad_type = ok;
  bad_type.type = TensorType::IQ2_XXS;
  EXPECT_EQ(validate_matrix(bad_type, "w").code(), ErrorCode::kUnsupported);
  Matrix bad_stride = ok;
  bad_stride.row_bytes = 10;
  EXPECT_FALSE(validate_matrix(bad_stride, "w").ok());
  EXPECT_FALSE(matmul_supported(TensorType::IQ2_XXS));
  EXPECT_FALSE(matmul_supported(static_cast<TensorType>(1000)));
}

TEST(Matmul, TooSmallWorkspaceGivesZerosNotACrash) {
  const Case c = make_case(TensorType::Q4_0, 8, 64, 2, 1);
  ThreadPool pool(1);
  std::vector<float> y(16, 5.0f);
  matmul(c.w, c.x.data(), 2, y.data(), pool, Workspace{nullptr, 0});
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace edgellm::kernels
