// Real quantized tensors written by the reference quantizer: the shared cpt-llama-gqa model
// exists in F32 and in seven quantized variants made from it. Dequantizing each quantized tensor
// must land within that format's quantization error of the original (a misread layout is off by
// the size of the weights themselves), and matmul on the real data must agree with the
// dequantized weights.
#include <gtest/gtest.h>

#include <map>

#include "common/testdata.h"
#include "gguf/file.h"
#include "kernel_test_util.h"

namespace edgellm::kernels {
namespace {

// Largest relative RMS error (||deq - orig|| / ||orig||) accepted per format: about 1.4 times what
// the reference quantizer achieves on these weights (a misread layout gives about 1.0 or more).
double max_rel_error(TensorType type) {
  switch (type) {
    case TensorType::F16: return 1e-3;
    case TensorType::Q8_0: return 0.01;
    case TensorType::Q6_K: return 0.03;
    case TensorType::Q5_K: return 0.06;
    case TensorType::Q4_K: return 0.11;
    case TensorType::Q4_0: return 0.13;
    case TensorType::Q3_K: return 0.22;
    case TensorType::Q2_K: return 0.42;
    default: return 0.0;
  }
}

std::vector<float> tensor_floats(const gguf::TensorInfo& t) {
  std::vector<float> out(t.n_elements());
  const size_t rb = row_size(t.type, t.ne[0]);
  for (int64_t r = 0; r < t.n_rows(); ++r) {
    dequantize_row(t.type, t.data + r * rb, out.data() + r * t.ne[0], t.ne[0]);
  }
  return out;
}

class RealTensors : public ::testing::TestWithParam<const char*> {};

TEST_P(RealTensors, DequantizeAndMatmulMatchTheOriginal) {
  const std::string orig_path = edgellm::testing::testdata_path("models/synthetic/cpt-llama-gqa.gguf");
  const std::string path = edgellm::testing::testdata_path(
      std::string("models/synthetic/cpt-llama-gqa-") + GetParam() + ".gguf");
  EDGELLM_REQUIRE_FILE(orig_path);
  EDGELLM_REQUIRE_FILE(path);
  auto orig = gguf::File::open(orig_path);
  auto quant = gguf::File::open(path);
  ASSERT_TRUE(orig.ok()) << orig.status().message();
  ASSERT_TRUE(quant.ok()) << quant.status().message();
  ThreadPool pool(2);
  int checked = 0;
  std::map<std::string, double> worst;  // largest relative error per format
  for (const gguf::TensorInfo& q : quant->tensors()) {
    if (q.ne.size() != 2 || !traits(q.type).quantized) continue;
    const gguf::TensorInfo* o = orig->find_tensor(q.name);
    ASSERT_NE(o, nullptr) << q.name;
    ASSERT_TRUE(dequantize_supported(q.type)) << q.name << " " << tensor_type_name(q.type);
    const std::vector<float> a = tensor_floats(*o), b = tensor_floats(q);
    double err = 0, norm = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      norm += double(a[i]) * a[i];
    }
    const double rel = std::sqrt(err / norm);
    EXPECT_LT(rel, max_rel_error(q.type)) << q.name << " " << tensor_type_name(q.type);
    worst[tensor_type_name(q.type)] = std::max(worst[tensor_type_name(q.type)], rel);

    // matmul on the real blocks against the dequantized weights, 3 tokens.
    const int64_t cols = q.ne[0], rows = q.ne[1];
    const Matrix w{q.type, q.data, cols, rows, row_size(q.type, cols)};
    ASSERT_TRUE(validate_matrix(w, q.name.c_str()).ok());
    const std::vector<float> x = testing::random_floats(3 * cols, 9, -1.0f, 1.0f);
    std::vector<float> y(3 * rows);
    std::vector<uint8_t> ws(matmul_workspace_size(q.type, cols, 3));
    matmul(w, x.data(), 3, y.data(), pool, Workspace{ws.data(), ws.size()});
    for (int t = 0; t < 3; ++t) {
      const std::vector<float> xr = testing::round_activations(q.type, x.data() + t * cols, cols);
      for (int64_t r = 0; r < rows; r += 7) {
        double s = 0, m = 0;
        for (int64_t c = 0; c < cols; ++c) {
          s += double(b[r * cols + c]) * xr[c];
          m += std::fabs(double(b[r * cols + c]) * xr[c]);
        }
        ASSERT_NEAR(y[t * rows + r], s, 1e-5 * m + 1e-6) << q.name << " row " << r;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 10);
  for (const auto& [name, rel] : worst) std::printf("  %s: relative error up to %.4f\n", name.c_str(), rel);
}

INSTANTIATE_TEST_SUITE_P(Files, RealTensors,
                         ::testing::Values("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "Q3_K_M",
                                           "Q2_K"));

}  // namespace
}  // namespace edgellm::kernels
