// Calibration passes for importance matrices and GPTQ Hessians (see calibrate.h).
#include "runtime/calibrate.h"

#include <algorithm>
#include <vector>

#include "model/matrix_names.h"

namespace edgellm {

using model::Token;

Result<int64_t> run_calibration(std::shared_ptr<const model::Model> model,
                                std::span<const Token> tokens, const CalibrationOptions& o,
                                const model::MatmulObserver& observer,
                                const CalibrationProgress& progress) {
  if (!model) return make_error(ErrorCode::kInvalidArgument, "no model");
  if (o.n_ctx < 2) {
    return make_error(ErrorCode::kInvalidArgument, "context size %lld is too small",
                      static_cast<long long>(o.n_ctx));
  }
  int64_t n_chunks = static_cast<int64_t>(tokens.size()) / o.n_ctx;
  if (n_chunks == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the calibration text has %zu tokens, fewer than one window of %lld (lower -c)",
                      tokens.size(), static_cast<long long>(o.n_ctx));
  }
  if (o.max_chunks > 0) n_chunks = std::min(n_chunks, o.max_chunks);
  model::ContextParams p;
  p.n_ctx = o.n_ctx;
  p.n_batch = o.n_ctx;
  p.n_outputs = o.n_ctx;  // the output matrix sees every position, as in a perplexity run
  p.n_threads = o.n_threads;
  const Token bos = model->tokenizer().bos();
  const bool add_bos = model->tokenizer().add_bos() && bos >= 0;
  EDGELLM_ASSIGN_OR_RETURN(std::unique_ptr<model::Context> ctx, model::Context::create(model, p));
  ctx->set_matmul_observer(observer);
  std::vector<Token> window(static_cast<size_t>(o.n_ctx));
  for (int64_t c = 0; c < n_chunks; ++c) {
    std::copy(tokens.data() + c * o.n_ctx, tokens.data() + (c + 1) * o.n_ctx, window.begin());
    if (add_bos) window[0] = bos;
    ctx->reset();
    EDGELLM_RETURN_IF_ERROR(ctx->decode(window, /*all_logits=*/true));
    if (progress) progress(c + 1, n_chunks);
  }
  return n_chunks;
}

namespace {

bool is_layer_or_output(const std::string& name) {
  return name.rfind("blk.", 0) == 0 || name == "output.weight";
}

}  // namespace

Result<quant::ImportanceMatrix> collect_imatrix(std::shared_ptr<const model::Model> model,
                                                std::span<const Token> tokens,
                                                const CalibrationOptions& o,
                                                const CalibrationProgress& progress) {
  if (!model) return make_error(ErrorCode::kInvalidArgument, "no model");
  model::MatrixNames names(model->file());
  quant::ImportanceMatrix im;
  Status first_error = Status::Ok();
  auto observer = [&](const kernels::Matrix& w, const float* x, int64_t n, int64_t ldx) {
    const model::MatrixName m = names.find(w);
    if (m.name == nullptr || !is_layer_or_output(*m.name) || !first_error.ok()) return;
    if (ldx == w.n_cols) {
      first_error = im.add(*m.name, x, n, w.n_cols, m.matrix, m.n_matrices);
    } else {
      for (int64_t t = 0; t < n && first_error.ok(); ++t) {
        first_error = im.add(*m.name, x + t * ldx, 1, w.n_cols, m.matrix, m.n_matrices);
      }
    }
  };
  EDGELLM_ASSIGN_OR_RETURN(int64_t n_chunks, run_calibration(model, tokens, o, observer, progress));
  EDGELLM_RETURN_IF_ERROR(first_error);
  im.chunk_count = n_chunks;
  im.chunk_size = o.n_ctx;
  return im;
}

Result<HessianMap> collect_hessians(std::shared_ptr<const model::Model> model,
                                    std::span<const Token> tokens, const CalibrationOptions& o,
                                    const std::function<bool(const std::string&)>& want,
                                    const CalibrationProgress& progress) {
  if (!model) return make_error(ErrorCode::kInvalidArgument, "no model");
  model::MatrixNames names(model->file());
  HessianMap hessians;
  ThreadPool pool(o.n_threads);
  // The previous product's input: a matrix reading the same rows shares its Hessian.
  const float* last_x = nullptr;
  int64_t last_n = 0;
  std::shared_ptr<quant::Hessian> last_h;
  auto observer = [&](const kernels::Matrix& w, const float* x, int64_t n, int64_t ldx) {
    const model::MatrixName m = names.find(w);
    if (m.name == nullptr || m.n_matrices != 1 || (want && !want(*m.name))) return;
    const bool same_input = x == last_x && n == last_n && last_h && last_h->n() == w.n_cols;
    std::shared_ptr<quant::Hessian>& h = hessians[*m.name];
    if (!h) h = same_input ? last_h : std::make_shared<quant::Hessian>(w.n_cols);
    if (!(same_input && h == last_h)) h->add(x, n, ldx, pool);
    last_x = x;
    last_n = n;
    last_h = h;
  };
  EDGELLM_ASSIGN_OR_RETURN(int64_t n_chunks, run_calibration(model, tokens, o, observer, progress));
  (void)n_chunks;
  return hessians;
}

}  // namespace edgellm
