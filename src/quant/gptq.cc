// GPTQ over GGUF block formats (see gptq.h).
#include "quant/gptq.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>

#include "quant/block_fit.h"

namespace edgellm::quant {
namespace {

// In-place Cholesky A = L L^T of an n x n symmetric matrix (lower triangle of A used, L written
// there). False if A is not positive definite.
bool cholesky(std::vector<double>& a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double* aj = a.data() + j * n;
    double s = aj[j];
    for (int64_t k = 0; k < j; ++k) s -= aj[k] * aj[k];
    if (!(s > 0.0) || !std::isfinite(s)) return false;
    const double ljj = std::sqrt(s);
    aj[j] = ljj;
    for (int64_t i = j + 1; i < n; ++i) {
      double* ai = a.data() + i * n;
      double t = ai[j];
      for (int64_t k = 0; k < j; ++k) t -= ai[k] * aj[k];
      ai[j] = t / ljj;
    }
  }
  return true;
}

// U (upper triangular, row-major floats) with H^-1 = U^T U, from the damped Hessian.
Result<std::vector<float>> inverse_cholesky_upper(const double* h, int64_t n, double damp) {
  std::vector<double> a(h, h + n * n);
  double mean_diag = 0.0;
  for (int64_t i = 0; i < n; ++i) mean_diag += a[i * n + i];
  mean_diag /= static_cast<double>(n);
  if (!(mean_diag > 0.0)) mean_diag = 1.0;
  // Columns that never saw a nonzero input carry no information: give them unit curvature so
  // the factorization exists (their weights are simply rounded).
  for (int64_t i = 0; i < n; ++i) {
    if (a[i * n + i] <= 0.0) a[i * n + i] = mean_diag;
  }
  std::vector<double> l;
  double lambda = damp * mean_diag;
  for (int attempt = 0;; ++attempt) {
    l = a;
    for (int64_t i = 0; i < n; ++i) l[i * n + i] += lambda;
    if (cholesky(l, n)) break;
    if (attempt == 6) {
      return make_error(ErrorCode::kInvalidArgument,
                        "GPTQ: the Hessian is not positive definite even with damping %g",
                        lambda / mean_diag);
    }
    lambda = std::max(lambda * 10.0, 1e-6 * mean_diag);
  }
  // Linv = L^-1 (lower), then H^-1 = Linv^T Linv.
  std::vector<double> linv(static_cast<size_t>(n * n), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    linv[j * n + j] = 1.0 / l[j * n + j];
    for (int64_t i = j + 1; i < n; ++i) {
      double s = 0.0;
      for (int64_t k = j; k < i; ++k) s += l[i * n + k] * linv[k * n + j];
      linv[i * n + j] = -s / l[i * n + i];
    }
  }
  std::vector<double> hinv(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      double s = 0.0;
      for (int64_t k = i; k < n; ++k) s += linv[k * n + i] * linv[k * n + j];
      hinv[i * n + j] = hinv[j * n + i] = s;
    }
  }
  if (!cholesky(hinv, n)) {
    return make_error(ErrorCode::kInternal, "GPTQ: the inverse Hessian lost positive definiteness");
  }
  std::vector<float> u(static_cast<size_t>(n * n), 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i; j < n; ++j) u[i * n + j] = static_cast<float>(hinv[j * n + i]);
  }
  return u;
}

}  // namespace

void Hessian::add(const float* x, int64_t n_rows, int64_t ld, ThreadPool& pool) {
  const int64_t n = n_;
  // Lower triangle by rows of H (each thread owns whole rows), mirrored at the end.
  pool.parallel_for(n, 8, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      double* hi = h_.data() + i * n;
      for (int64_t t = 0; t < n_rows; ++t) {
        const float* xt = x + t * ld;
        const double xi = xt[i];
        if (xi == 0.0) continue;
        for (int64_t j = 0; j <= i; ++j) hi[j] += xi * xt[j];
      }
    }
  });
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < i; ++j) h_[j * n + i] = h_[i * n + j];
  }
  n_samples_ += n_rows;
}

bool gptq_supports(TensorType type) { return detail::has_block_fit(type); }

Status gptq_quantize(TensorType type, const float* w, int64_t n_rows, int64_t n_cols,
                     const double* h, const GptqOptions& opt, uint8_t* out, ThreadPool& pool) {
  using detail::BlockFit;
  if (!gptq_supports(type)) {
    return make_error(ErrorCode::kUnsupported, "GPTQ cannot produce %s", tensor_type_name(type));
  }
  const int bl = detail::block_len(type);
  const int sl = detail::sub_block_len(type);
  if (n_cols % bl != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "GPTQ: rows of %" PRId64 " do not fit %s blocks of %d", n_cols,
                      tensor_type_name(type), bl);
  }
  // A group is whole sub-blocks within one block, or whole blocks.
  int group = opt.group_size > 0 ? opt.group_size : sl;
  group = std::max(sl, group);
  if ((group < bl && bl % group != 0) || (group > bl && group % bl != 0) || group % sl != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "GPTQ: group size %d does not fit %s (sub-blocks of %d in blocks of %d)",
                      opt.group_size, tensor_type_name(type), sl, bl);
  }
  const int batch = std::max(1, opt.block_size);
  EDGELLM_ASSIGN_OR_RETURN(std::vector<float> u, inverse_cholesky_upper(h, n_cols, opt.damp));
  std::vector<float> importance(static_cast<size_t>(n_cols));
  for (int64_t j = 0; j < n_cols; ++j) importance[j] = static_cast<float>(std::max(0.0, h[j * n_cols + j]));

  const size_t rs = row_size(type, n_cols);
  const size_t block_bytes = traits(type).type_size;
  const int64_t n_blocks = n_cols / bl;
  pool.parallel_for(n_rows, 1, [&](int64_t r0, int64_t r1) {
    std::vector<float> x(static_cast<size_t>(n_cols)), wts(static_cast<size_t>(n_cols));
    std::vector<float> err(static_cast<size_t>(batch));
    std::vector<uint8_t> levels(static_cast<size_t>(n_cols));
    std::vector<BlockFit> fits(static_cast<size_t>(n_blocks));
    uint8_t scratch[256];
    for (int64_t r = r0; r < r1; ++r) {
      std::copy(w + r * n_cols, w + (r + 1) * n_cols, x.begin());
      for (int64_t i1 = 0; i1 < n_cols; i1 += batch) {
        const int64_t i2 = std::min<int64_t>(i1 + batch, n_cols);
        for (int64_t i = i1; i < i2; ++i) {
          if (i % group == 0) {
            // Fit scales for the group from the weights as updated so far.
            if (group >= bl || i % bl == 0) {
              for (int64_t b = i / bl; b < std::min<int64_t>((i + std::max(group, bl)) / bl, n_blocks); ++b) {
                detail::element_weights(&x[b * bl], bl, &importance[b * bl], &wts[b * bl]);
                detail::fit_block(type, &x[b * bl], &wts[b * bl], &fits[b], scratch);
              }
            } else {
              const int64_t b = i / bl;
              detail::element_weights(&x[b * bl], bl, &importance[b * bl], &wts[b * bl]);
              detail::refit_sub_blocks(&x[b * bl], &wts[b * bl], static_cast<int>((i % bl) / sl),
                                       group / sl, &fits[b]);
            }
          }
          const BlockFit& fit = fits[i / bl];
          const int j = static_cast<int>(i % bl);
          const int k = fit.nearest(j, x[i]);
          levels[i] = static_cast<uint8_t>(k);
          const float* ui = u.data() + i * n_cols;
          const float e = (x[i] - fit.value(j, k)) / ui[i];
          err[i - i1] = e;
          for (int64_t c = i + 1; c < i2; ++c) x[c] -= e * ui[c];
        }
        // Lazy update of the columns after this batch.
        for (int64_t i = i1; i < i2; ++i) {
          const float e = err[i - i1];
          if (e == 0.0f) continue;
          const float* ui = u.data() + i * n_cols;
          for (int64_t c = i2; c < n_cols; ++c) x[c] -= e * ui[c];
        }
      }
      uint8_t* row_out = out + static_cast<size_t>(r) * rs;
      for (int64_t b = 0; b < n_blocks; ++b) {
        detail::pack_block(fits[b], &levels[b * bl], row_out + static_cast<size_t>(b) * block_bytes);
      }
    }
  });
  return Status::Ok();
}

}  // namespace edgellm::quant
