// Dequantization and get_rows: hand-made blocks with known values, agreement between the dot
// products and dequantize_row (column extraction with one-hot activations), and every ISA
// against scalar.
#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "quant/quant.h"

namespace edgellm::kernels {
namespace {

using namespace quant;

TEST(Dequantize, Q4_0KnownBlock) {
  block_q4_0 b;
  b.d = fp32_to_fp16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float y[32];
  kernels::dequantize_row(TensorType::Q4_0, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * (j - 8));
    EXPECT_EQ(y[j + 16], 0.5f * (15 - j - 8));
  }
}

TEST(Dequantize, Q5_1KnownBlock) {
  block_q5_1 b;
  b.d = fp32_to_fp16(0.25f);
  b.m = fp32_to_fp16(-1.0f);
  const uint32_t qh = 0x80000001u;  // fifth bit of elements 0 and 31
  std::memcpy(b.qh, &qh, 4);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(3 | (7 << 4));
  float y[32];
  kernels::dequantize_row(TensorType::Q5_1, &b, y, 32);
  EXPECT_EQ(y[0], 0.25f * (3 + 16) - 1.0f);
  EXPECT_EQ(y[1], 0.25f * 3 - 1.0f);
  EXPECT_EQ(y[16], 0.25f * 7 - 1.0f);
  EXPECT_EQ(y[31], 0.25f * (7 + 16) - 1.0f);
}

TEST(Dequantize, Q4_KKnownBlock) {
  block_q4_K b;
  std::memset(&b, 0, sizeof(b));
  b.d = fp32_to_fp16(1.0f);
  b.dmin = fp32_to_fp16(0.5f);
  // Sub-block 0: scale 3, min 2 (6-bit fields in bytes 0 and 4). Sub-block 5: scale 33, min 17:
  // low 4 bits in byte 9, high 2 bits in the top bits of bytes 1 and 5.
  b.scales[0] = 3;
  b.scales[4] = 2;
  b.scales[9] = static_cast<uint8_t>((33 & 0xF) | ((17 & 0xF) << 4));
  b.scales[1] = static_cast<uint8_t>((33 >> 4) << 6);
  b.scales[5] = static_cast<uint8_t>((17 >> 4) << 6);
  b.qs[0] = 0x0F;        // element 0: q = 15 (sub-block 0)
  b.qs[64 + 5] = 0xA0;   // element 128 + 32 + 5: high nibble of chunk 2 -> sub-block 5, q = 10
  float y[256];
  kernels::dequantize_row(TensorType::Q4_K, &b, y, 256);
  EXPECT_EQ(y[0], 1.0f * 3 * 15 - 0.5f * 2);
  EXPECT_EQ(y[1], -0.5f * 2);
  EXPECT_EQ(y[160 + 5], 1.0f * 33 * 10 - 0.5f * 17);
  EXPECT_EQ(y[160 + 6], -0.5f * 17);
}

TEST(Dequantize, Q6_KKnownBlock) {
  block_q6_K b;
  std::memset(&b, 0, sizeof(b));
  b.d = fp32_to_fp16(2.0f);
  for (int g = 0; g < 16; ++g) b.scales[g] = static_cast<int8_t>(g - 8);
  // Element 200 = half 1, quarter 2 (high nibble of ql[64 + 8]), bits 4..5 of qh[32 + 8].
  b.ql[64 + 8] = 0x50;
  b.qh[32 + 8] = 0x30;
  float y[256];
  kernels::dequantize_row(TensorType::Q6_K, &b, y, 256);
  EXPECT_EQ(y[200], 2.0f * (200 / 16 - 8) * ((5 | (3 << 4)) - 32));
  EXPECT_EQ(y[0], 2.0f * (0 - 8) * (0 - 32));
}

TEST(Dequantize, Iq4NlUsesTheCodebook) {
  block_iq4_nl b;
  b.d = fp32_to_fp16(1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (j << 4));
  float y[32];
  kernels::dequantize_row(TensorType::IQ4_NL, &b, y, 32);
  EXPECT_EQ(y[0], -127.0f);
  EXPECT_EQ(y[8], 1.0f);
  EXPECT_EQ(y[31], 113.0f);
}

// matmul with a one-hot activation picks out one column of W: this ties every dot product to
// the dequantization of the same format, through two independent code paths.
TEST(Dequantize, AgreesWithDotProducts) {
  ThreadPool pool(1);
  const int64_t rows = 6, cols = 512;
  for (TensorType type : testing::matmul_types()) {
    const std::vector<uint8_t> data = testing::random_matrix(type, rows, cols, 77);
    const Matrix w{type, data.data(), cols, rows, row_size(type, cols)};
    std::vector<float> deq(rows * cols);
    for (int64_t r = 0; r < rows; ++r) {
      kernels::dequantize_row(type, data.data() + r * w.row_bytes, deq.data() + r * cols, cols);
    }
    std::vector<uint8_t> ws(matmul_workspace_size(type, cols, 1));
    for (int64_t c : {0, 1, 15, 16, 31, 33, 100, 255, 256, 300, 511}) {
      std::vector<float> x(cols, 0.0f), y(rows);
      x[c] = 1.0f;
      const std::vector<float> xr = testing::round_activations(type, x.data(), cols);
      matmul(w, x.data(), 1, y.data(), pool, Workspace{ws.data(), ws.size()});
      for (int64_t r = 0; r < rows; ++r) {
        const float expect = deq[r * cols + c] * xr[c];
        ASSERT_NEAR(y[r], expect, 2e-3f * std::fabs(expect) + 1e-6f)
            << tensor_type_name(type) << " row " << r << " column " << c;
      }
    }
  }
}

TEST(Dequantize, EveryIsaMatchesScalar) {
  const int64_t cols = 1024;
  std::vector<TensorType> types = testing::matmul_types();
  for (TensorType type : types) {
    const std::vector<uint8_t> data = testing::random_matrix(type, 1, cols, 5);
    std::vector<float> ref(cols), y(cols);
    {
      ScopedIsa scalar(Isa::kScalar);
      kernels::dequantize_row(type, data.data(), ref.data(), cols);
    }
    for (Isa isa : supported_isas()) {
      ScopedIsa scoped(isa);
      kernels::dequantize_row(type, data.data(), y.data(), cols);
      EXPECT_EQ(y, ref) << tensor_type_name(type) << " on " << isa_name(isa);
    }
  }
}

TEST(GetRows, CopiesRowsAndZeroesInvalidIds) {
  const int64_t rows = 10, cols = 64;
  const std::vector<uint8_t> data = testing::random_matrix(TensorType::Q8_0, rows, cols, 3);
  const Matrix w{TensorType::Q8_0, data.data(), cols, rows, row_size(TensorType::Q8_0, cols)};
  const int32_t ids[4] = {9, 0, -1, 10};
  std::vector<float> out(4 * cols, 3.0f), expect(cols);
  get_rows(w, ids, 4, out.data());
  kernels::dequantize_row(TensorType::Q8_0, data.data() + 9 * w.row_bytes, expect.data(), cols);
  EXPECT_TRUE(std::equal(expect.begin(), expect.end(), out.begin()));
  kernels::dequantize_row(TensorType::Q8_0, data.data(), expect.data(), cols);
  EXPECT_TRUE(std::equal(expect.begin(), expect.end(), out.begin() + cols));
  for (int64_t i = 2 * cols; i < 4 * cols; ++i) ASSERT_EQ(out[i], 0.0f);
}

TEST(Dequantize, UnsupportedTypeGivesZeros) {
  EXPECT_FALSE(dequantize_supported(TensorType::IQ2_XXS));
  EXPECT_TRUE(dequantize_supported(TensorType::Q8_K));
  uint8_t block[256] = {};
  std::vector<float> y(256, 1.0f);
  kernels::dequantize_row(TensorType::IQ2_XXS, block, y.data(), 256);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace edgellm::kernels

namespace edgellm::kernels {
namespace {

// The quant module's reference dequantization is the independent definition of each format.
TEST(Dequantize, MatchesQuantModuleReference) {
  const int64_t cols = 1024;
  for (TensorType type : testing::matmul_types()) {
    ASSERT_TRUE(quant::can_dequantize(type)) << tensor_type_name(type);
    const std::vector<uint8_t> data = testing::random_matrix(type, 3, cols, 17);
    std::vector<float> mine(3 * cols), ref(3 * cols);
    kernels::dequantize_row(type, data.data(), mine.data(), 3 * cols);
    quant::dequantize_row(type, data.data(), ref.data(), 3 * cols);
    for (int64_t i = 0; i < 3 * cols; ++i) {
      ASSERT_NEAR(mine[i], ref[i], 1e-6f * std::fabs(ref[i]))
          << tensor_type_name(type) << " element " << i;
    }
  }
}

}  // namespace
}  // namespace edgellm::kernels
