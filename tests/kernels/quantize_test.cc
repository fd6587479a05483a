// Activation quantization (Q8_0, Q8_1, Q8_K) and F16 conversion: exact values on hand-made
// blocks, round trips, and bit-identical output on every ISA.
#include <gtest/gtest.h>

#include <cstring>

#include "kernel_test_util.h"
#include "kernels/isa_table.h"

namespace edgellm::kernels {
namespace {

using quant::block_q8_0;
using quant::block_q8_1;
using quant::block_q8_K;

std::vector<float> tie_block() {
  // amax = 127, so the inverse scale is exactly 1 and x * id is x itself: ties are visible.
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = -63.5f;  // tie: to even -> -64
  x[2] = 0.5f;    // tie -> 0
  x[3] = 1.5f;    // tie -> 2
  x[4] = 2.5f;    // tie -> 2
  x[5] = -2.5f;   // tie -> -2
  x[6] = 3.4f;
  x[7] = -100.6f;
  return x;
}

TEST(QuantizeQ8_0, ExactValuesAndTiesToEven) {
  const std::vector<float> x = tie_block();
  block_q8_0 b;
  quantize_row_q8_0(x.data(), &b, 32);
  EXPECT_EQ(fp16_to_fp32(b.d), fp16_to_fp32(fp32_to_fp16(1.0f)));
  const int expect[8] = {127, -64, 0, 2, 2, -2, 3, -101};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b.qs[i], expect[i]) << "element " << i;
  for (int i = 8; i < 32; ++i) EXPECT_EQ(b.qs[i], 0);
}

TEST(QuantizeQ8_0, ZeroBlockHasZeroScale) {
  std::vector<float> x(64, 0.0f);
  block_q8_0 b[2];
  quantize_row_q8_0(x.data(), b, 64);
  for (const auto& blk : b) {
    EXPECT_EQ(blk.d, 0);
    for (int8_t q : blk.qs) EXPECT_EQ(q, 0);
  }
}

TEST(QuantizeQ8_1, SumUsesUnroundedScale) {
  const std::vector<float> x = testing::random_floats(32, 7, -3.0f, 2.0f);
  block_q8_1 b;
  quantize_row_q8_1(x.data(), &b, 32);
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  int sum = 0;
  for (int8_t q : b.qs) sum += q;
  EXPECT_EQ(b.d, fp32_to_fp16(amax / 127.0f));
  EXPECT_EQ(b.s, fp32_to_fp16(amax / 127.0f * static_cast<float>(sum)));
}

TEST(QuantizeQ8_K, LargestElementMapsToMinus127) {
  std::vector<float> x = testing::random_floats(256, 3, -1.0f, 1.0f);
  x[17] = 4.0f;  // the largest magnitude is positive
  block_q8_K b;
  quantize_row_q8_K(x.data(), &b, 256);
  EXPECT_EQ(b.qs[17], -127);
  EXPECT_FLOAT_EQ(b.d, -4.0f / 127.0f);
  for (int g = 0; g < 16; ++g) {
    int s = 0;
    for (int j = 0; j < 16; ++j) s += b.qs[g * 16 + j];
    EXPECT_EQ(b.bsums[g], s) << "group " << g;
  }
  for (int j = 0; j < 256; ++j) EXPECT_NEAR(b.d * b.qs[j], x[j], std::fabs(b.d) * 0.5001f);
}

TEST(QuantizeQ8_K, ZeroBlock) {
  std::vector<float> x(256, 0.0f);
  block_q8_K b;
  std::memset(&b, 0x55, sizeof(b));
  quantize_row_q8_K(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0.0f);
  for (int8_t q : b.qs) EXPECT_EQ(q, 0);
  for (int16_t s : b.bsums) EXPECT_EQ(s, 0);
}

TEST(QuantizeQ8, RoundTripWithinHalfStep) {
  const int64_t n = 1024;
  const std::vector<float> x = testing::random_floats(n, 11, -5.0f, 5.0f);
  std::vector<block_q8_0> b0(n / 32);
  std::vector<float> y(n);
  quantize_row_q8_0(x.data(), b0.data(), n);
  dequantize_row(TensorType::Q8_0, b0.data(), y.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const float d = fp16_to_fp32(b0[i / 32].d);
    EXPECT_NEAR(y[i], x[i], d * 0.5f + 1e-3f * d + std::fabs(x[i]) * 1e-3f) << i;
  }
}

// Every ISA must produce the very same bytes: the model's results must not depend on the CPU.
TEST(QuantizeQ8, IdenticalOnEveryIsa) {
  const int64_t n = 4096;
  std::vector<float> x = testing::random_floats(n, 5, -2.0f, 2.0f);
  // Exact ties and zero blocks too.
  for (int i = 0; i < 32; ++i) x[i] = (i % 5 - 2) * 0.5f * 127.0f / 2.0f;
  for (int i = 32; i < 64; ++i) x[i] = 0.0f;
  std::vector<uint8_t> ref0(row_size(TensorType::Q8_0, n)), ref1(row_size(TensorType::Q8_1, n)),
      refk(row_size(TensorType::Q8_K, n));
  {
    ScopedIsa scalar(Isa::kScalar);
    quantize_row_q8_0(x.data(), ref0.data(), n);
    quantize_row_q8_1(x.data(), ref1.data(), n);
    quantize_row_q8_K(x.data(), refk.data(), n);
  }
  for (Isa isa : supported_isas()) {
    ScopedIsa scoped(isa);
    std::vector<uint8_t> b0(ref0.size()), b1(ref1.size()), bk(refk.size());
    quantize_row_q8_0(x.data(), b0.data(), n);
    quantize_row_q8_1(x.data(), b1.data(), n);
    quantize_row_q8_K(x.data(), bk.data(), n);
    EXPECT_EQ(b0, ref0) << isa_name(isa);
    EXPECT_EQ(b1, ref1) << isa_name(isa);
    EXPECT_EQ(bk, refk) << isa_name(isa);
  }
}

// The F16 conversion of activations and cache rows: the same bits on every ISA, including
// rounding ties, overflow to infinity and subnormal results.
TEST(ToF16, IdenticalOnEveryIsa) {
  std::vector<float> x = testing::random_floats(1027, 6, -3.0f, 3.0f);
  const float special[] = {65504.0f, 65519.0f, 65520.0f, 1e6f,     -7e4f,   6.1e-5f, 6.0e-5f,
                           1e-6f,    3e-8f,    2.98e-8f, 5.96e-8f, 0.0f,    -0.0f,   1.0009765625f,
                           1.00048828125f, 1.00146484375f, -2.0f, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); ++i) x[3 * i] = special[i];
  // Exact halfway cases between two halves (ties to even), with odd and even lower neighbours,
  // in a few binades: the 13 dropped mantissa bits are 1 followed by zeros.
  for (uint32_t i = 0; i < 64; ++i) {
    const uint32_t bits = 0x3f800000u + (i << 19) + ((i & 1u) << 13) + (1u << 12);
    std::memcpy(&x[200 + i], &bits, 4);
  }
  std::vector<uint16_t> ref(x.size());
  detail::scalar_table().to_f16(x.data(), ref.data(), static_cast<int64_t>(x.size()));
  for (Isa isa : supported_isas()) {
    std::vector<uint16_t> y(x.size());
    detail::isa_table(isa).to_f16(x.data(), y.data(), static_cast<int64_t>(x.size()));
    EXPECT_EQ(y, ref) << isa_name(isa);
  }
}

}  // namespace
}  // namespace edgellm::kernels
