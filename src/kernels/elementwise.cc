// Scalar norms, activations and softmax, and the public per-row entry points that dispatch them.
// The numerics follow GGUF runtimes: norm statistics summed in double, GELU (tanh form) evaluated
// on the F16-rounded input and rounded to F16, softcap as x * (1 / cap).
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/scalar.h"

namespace edgellm::kernels {
namespace scalar {
namespace {

void rms_norm_row(const float* x, const float* w, float eps, int64_t n, float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  if (w != nullptr) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

void layer_norm_row(const float* x, const float* w, const float* b, float eps, int64_t n,
                    float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  double sum2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] - mean;
    y[i] = v;
    sum2 += static_cast<double>(v * v);
  }
  const float variance = static_cast<float>(sum2 / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) {
    float v = y[i] * scale;
    if (w != nullptr) v = v * w[i];
    if (b != nullptr) v = v + b[i];
    y[i] = v;
  }
}

inline float silu1(float x) { return x / (1.0f + std::exp(-x)); }

void silu(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = silu1(x[i]);
}

// GELU as GGUF runtimes compute it: through a table indexed by the F16 bits of the input, whose
// entries are the tanh-form GELU rounded to F16. Outside (-10, 10) the function is 0 or x.
const uint16_t* gelu_table() {
  static const uint16_t* table = [] {
    static uint16_t t[65536];
    for (uint32_t i = 0; i < 65536; ++i) {
      const float x = fp16_to_fp32(static_cast<uint16_t>(i));
      const float g =
          0.5f * x * (1.0f + std::tanh(0.79788456080286535587989211986876f * x *
                                       (1.0f + 0.044715f * x * x)));
      t[i] = fp32_to_fp16(g);
    }
    return t;
  }();
  return table;
}

inline float gelu1(float x, const uint16_t* table) {
  if (x <= -10.0f) return 0.0f;
  if (x >= 10.0f) return x;
  return fp16_to_fp32(table[fp32_to_fp16(x)]);
}

void gelu(float* x, int64_t n) {
  const uint16_t* table = gelu_table();
  for (int64_t i = 0; i < n; ++i) x[i] = gelu1(x[i], table);
}

void swiglu(float* gate, const float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gate[i] = silu1(gate[i]) * up[i];
}

void geglu(float* gate, const float* up, int64_t n) {
  const uint16_t* table = gelu_table();
  for (int64_t i = 0; i < n; ++i) gate[i] = gelu1(gate[i], table) * up[i];
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}
void mul(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= x[i];
}
void scale(float* y, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::fmax(max, x[i]);
  if (max == -INFINITY) {  // every entry masked: a uniform zero row rather than NaNs
    std::memset(x, 0, n * sizeof(float));
    return;
  }
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - max);
    x[i] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void softcap(float* x, float cap, int64_t n) {
  const float inv = 1.0f / cap;
  for (int64_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

}  // namespace

void fill_elementwise(IsaTable& t) {
  t.rms_norm = rms_norm_row;
  t.layer_norm = layer_norm_row;
  t.silu = silu;
  t.gelu = gelu;
  t.swiglu = swiglu;
  t.geglu = geglu;
  t.add = add;
  t.mul = mul;
  t.scale = scale;
  t.softmax = softmax;
  t.softcap = softcap;
}

}  // namespace scalar

void rms_norm(const float* x, const float* w, float eps, int64_t n, int64_t n_rows, float* y) {
  const auto fn = detail::active_table().rms_norm;
  for (int64_t r = 0; r < n_rows; ++r) fn(x + r * n, w, eps, n, y + r * n);
}

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n,
                int64_t n_rows, float* y) {
  const auto fn = detail::active_table().layer_norm;
  for (int64_t r = 0; r < n_rows; ++r) fn(x + r * n, w, b, eps, n, y + r * n);
}

void silu_inplace(float* x, int64_t n) { detail::active_table().silu(x, n); }
void gelu_inplace(float* x, int64_t n) { detail::active_table().gelu(x, n); }
void swiglu(float* gate, const float* up, int64_t n) { detail::active_table().swiglu(gate, up, n); }
void geglu(float* gate, const float* up, int64_t n) { detail::active_table().geglu(gate, up, n); }
void add_inplace(float* y, const float* x, int64_t n) { detail::active_table().add(y, x, n); }
void mul_inplace(float* y, const float* x, int64_t n) { detail::active_table().mul(y, x, n); }
void scale_inplace(float* y, float s, int64_t n) { detail::active_table().scale(y, s, n); }
void softmax_inplace(float* x, int64_t n) { detail::active_table().softmax(x, n); }
void softcap_inplace(float* x, float cap, int64_t n) {
  detail::active_table().softcap(x, cap, n);
}

void add_bias(float* y, const float* b, int64_t n_b, int64_t n_rows, int64_t ld) {
  if (ld == 0) ld = n_b;
  const auto fn = detail::active_table().add;
  for (int64_t r = 0; r < n_rows; ++r) fn(y + r * ld, b, n_b);
}

}  // namespace edgellm::kernels
