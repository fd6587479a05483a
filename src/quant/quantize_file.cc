// The whole-file quantization pipeline (see quantize_file.h).
#include "quant/quantize_file.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/timer.h"
#include "gguf/writer.h"
#include "quant/quant.h"

namespace edgellm::quant {
namespace {

constexpr uint32_t kQuantizationVersion = 2;  // general.quantization_version of current files

int layer_index(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// The output matrices of an expert tensor: ne[2] matrices (1 for 2-D tensors).
int64_t n_matrices(const std::vector<int64_t>& ne) { return ne.size() >= 3 ? ne[2] : 1; }

Status convert_tensor(const gguf::TensorInfo& in, const TensorPlan& plan,
                      const QuantizeOptions& opt, ThreadPool& pool, std::vector<float>& f32,
                      std::vector<uint8_t>& out, TensorReport& report,
                      std::vector<std::string>& warnings) {
  const int64_t n = in.n_elements();
  const int64_t n_per_row = in.ne[0];
  const int64_t n_rows = n_per_row > 0 ? n / n_per_row : 0;
  f32.resize(static_cast<size_t>(n));
  // Dequantize row by row in parallel (the source may itself be a block format).
  const size_t in_row = row_size(in.type, n_per_row);
  pool.parallel_for(n_rows, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      dequantize_row(in.type, in.data + static_cast<size_t>(r) * in_row,
                     f32.data() + r * n_per_row, n_per_row);
    }
  });
  const size_t out_row = row_size(plan.to, n_per_row);
  out.assign(out_row * static_cast<size_t>(n_rows), 0);
  if (opt.custom) {
    EDGELLM_ASSIGN_OR_RETURN(bool done,
                             opt.custom(plan, f32.data(), n_rows, n_per_row, out.data(), pool));
    if (done) {
      report.custom = true;
      return Status::Ok();
    }
  }
  std::vector<float> imp;
  if (opt.imatrix != nullptr && traits(plan.to).quantized) {
    imp = opt.imatrix->column_weights(plan.name);
    const int64_t n_mat = n_matrices(in.ne);
    if (imp.empty()) {
      warnings.push_back(plan.name + ": no importance data in the imatrix: plain rounding");
    } else if (static_cast<int64_t>(imp.size()) != n_per_row * n_mat) {
      return make_error(ErrorCode::kInvalidArgument,
                        "imatrix entry %s has %zu values, the tensor needs %" PRId64
                        " (%" PRId64 " columns x %" PRId64 " matrices)",
                        plan.name.c_str(), imp.size(), n_per_row * n_mat, n_per_row, n_mat);
    }
  }
  report.used_importance = !imp.empty();
  // 3-D tensors: matrix e owns rows [e * rows_per_mat, (e + 1) * rows_per_mat) and its own
  // importance slice.
  const int64_t n_mat = n_matrices(in.ne);
  const int64_t rows_per_mat = n_rows / std::max<int64_t>(1, n_mat);
  for (int64_t e = 0; e < n_mat; ++e) {
    const float* w = imp.empty() ? nullptr : imp.data() + e * n_per_row;
    quantize_rows(plan.to, opt.rounding, f32.data() + e * rows_per_mat * n_per_row, rows_per_mat,
                  n_per_row, out.data() + static_cast<size_t>(e * rows_per_mat) * out_row, w, pool);
  }
  return Status::Ok();
}

}  // namespace

void quantize_rows(TensorType type, Rounding rounding, const float* src, int64_t n_rows,
                   int64_t n_per_row, uint8_t* dst, const float* importance, ThreadPool& pool) {
  const size_t rs = row_size(type, n_per_row);
  pool.parallel_for(n_rows, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      void* out = dst + static_cast<size_t>(r) * rs;
      if (rounding == Rounding::kOptimized) {
        quantize_row_optimized(type, src + r * n_per_row, out, n_per_row, importance);
      } else {
        quantize_row(type, src + r * n_per_row, out, n_per_row, importance);
      }
    }
  });
}

std::vector<TensorDesc> ordered_tensors(const gguf::File& file) {
  std::vector<TensorDesc> out;
  out.reserve(file.tensors().size());
  for (const gguf::TensorInfo& t : file.tensors()) out.push_back({t.name, t.ne, t.type});
  // Non-layer tensors first (by name), then layer by layer (by name within a layer).
  std::stable_sort(out.begin(), out.end(), [](const TensorDesc& a, const TensorDesc& b) {
    const int la = layer_index(a.name), lb = layer_index(b.name);
    if (la != lb) return la < lb;
    return a.name < b.name;
  });
  return out;
}

namespace {

// The output's metadata: the input's keys, then the keys a quantized file carries.
gguf::Writer output_writer(const gguf::File& in, const QuantizeOptions& opt) {
  gguf::Writer w;
  for (const auto& [key, value] : in.metadata()) w.set(key, value);
  // Set as the ecosystem's quantizer does: removed, then appended after the copied keys.
  w.remove("general.quantization_version");
  w.remove("general.file_type");
  w.set("general.quantization_version", gguf::Value::u32(kQuantizationVersion));
  w.set("general.file_type", gguf::Value::u32(recipe_info(opt.recipe).file_type));
  if (opt.imatrix != nullptr) {
    w.set("quantize.imatrix.file", gguf::Value::string(opt.imatrix_path));
    if (!opt.imatrix->datasets.empty()) {
      w.set("quantize.imatrix.dataset", gguf::Value::string(opt.imatrix->datasets.front()));
    }
    w.set("quantize.imatrix.entries_count",
          gguf::Value::i32(static_cast<int32_t>(opt.imatrix->entries().size())));
    w.set("quantize.imatrix.chunks_count",
          gguf::Value::i32(static_cast<int32_t>(opt.imatrix->chunk_count)));
  }
  for (const auto& [key, value] : opt.extra_string_metadata) w.set(key, gguf::Value::string(value));
  return w;
}

}  // namespace

Result<FilePlan> plan_file(const gguf::File& in, const QuantizeOptions& opt) {
  FilePlan fp;
  EDGELLM_ASSIGN_OR_RETURN(fp.shape, model_shape(in));
  PlanOptions plan_opt = opt.plan;
  plan_opt.has_imatrix = plan_opt.has_imatrix || opt.imatrix != nullptr;
  EDGELLM_ASSIGN_OR_RETURN(fp.tensors, plan_recipe(ordered_tensors(in), fp.shape, opt.recipe, plan_opt));
  for (const TensorPlan& p : fp.tensors) {
    if (!p.convert) continue;
    if (!can_dequantize(p.from)) {
      return make_error(ErrorCode::kUnsupported, "%s: tensor %s is %s, which cannot be converted",
                        in.path().c_str(), p.name.c_str(), tensor_type_name(p.from));
    }
    if (!can_quantize(p.to)) {
      return make_error(ErrorCode::kUnsupported, "tensor %s: cannot quantize to %s",
                        p.name.c_str(), tensor_type_name(p.to));
    }
  }
  // Sized, never written: file_size() reads no tensor data, so every tensor borrows one
  // placeholder byte.
  static const uint8_t kSizingOnly = 0;
  gguf::Writer w = output_writer(in, opt);
  for (const TensorPlan& p : fp.tensors) {
    EDGELLM_RETURN_IF_ERROR(w.add_tensor(p.name, p.to, p.ne, static_cast<const void*>(&kSizingOnly)));
  }
  fp.file_bytes = w.file_size();
  return fp;
}

Result<QuantizeSummary> quantize_file(const std::string& in_path, const std::string& out_path,
                                      const QuantizeOptions& opt,
                                      const QuantizeProgress& progress) {
  const double t0 = now_ms();
  EDGELLM_ASSIGN_OR_RETURN(gguf::File in, gguf::File::open(in_path));
  EDGELLM_ASSIGN_OR_RETURN(FilePlan fp, plan_file(in, opt));
  const std::vector<TensorPlan>& plans = fp.tensors;

  QuantizeSummary summary;
  summary.file_bytes_in = in.file_size();
  int n_requantized = 0;
  for (const TensorPlan& p : plans) {
    if (!p.note.empty()) summary.warnings.push_back(p.name + ": " + p.note);
    if (p.convert && traits(p.from).quantized) ++n_requantized;
  }
  if (n_requantized > 0) {
    summary.warnings.insert(
        summary.warnings.begin(),
        strfmt("%d tensors of the input are already quantized: they are dequantized and "
               "quantized again, which compounds the rounding error (quantize from F32/F16/BF16 "
               "when you can)",
               n_requantized));
  }
  gguf::Writer w = output_writer(in, opt);
  ThreadPool pool(opt.n_threads);
  std::vector<float> f32;
  for (size_t i = 0; i < plans.size(); ++i) {
    const TensorPlan& p = plans[i];
    const gguf::TensorInfo* info = in.find_tensor(p.name);
    TensorReport report;
    report.plan = p;
    report.n_elements = info->n_elements();
    report.bytes_in = info->n_bytes;
    if (!p.convert) {
      EDGELLM_RETURN_IF_ERROR(w.add_tensor(p.name, p.from, p.ne, info->data));
      report.bytes_out = info->n_bytes;
    } else {
      std::vector<uint8_t> out;
      Status st = convert_tensor(*info, p, opt, pool, f32, out, report, summary.warnings);
      if (!st.ok()) return st.with_context("tensor " + p.name);
      report.bytes_out = out.size();
      EDGELLM_RETURN_IF_ERROR(w.add_tensor(p.name, p.to, p.ne, std::move(out)));
    }
    summary.n_elements += report.n_elements;
    summary.tensor_bytes_in += report.bytes_in;
    summary.tensor_bytes_out += report.bytes_out;
    summary.tensors.push_back(report);
    if (progress) progress(i + 1, plans.size(), summary.tensors.back());
  }
  Status st = w.write(out_path);
  if (!st.ok()) return st.with_context("writing " + out_path);
  summary.file_bytes_out = w.file_size();
  summary.seconds = (now_ms() - t0) / 1000.0;
  return summary;
}

}  // namespace edgellm::quant
