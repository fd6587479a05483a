// Whole-model GPTQ: calibration passes, per-matrix GPTQ, and the final file (see gptq_file.h).
#include "runtime/gptq_file.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "gguf/writer.h"
#include "quant/quant.h"

namespace edgellm {
namespace {

int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The input's tensor as floats, [n_rows][ne[0]].
std::vector<float> dequantize_tensor(const gguf::TensorInfo& t) {
  const int64_t n_per_row = t.ne[0];
  const int64_t n_rows = t.n_rows();
  std::vector<float> f(static_cast<size_t>(t.n_elements()));
  const size_t rs = row_size(t.type, n_per_row);
  for (int64_t r = 0; r < n_rows; ++r) {
    quant::dequantize_row(t.type, t.data + static_cast<size_t>(r) * rs, f.data() + r * n_per_row,
                          n_per_row);
  }
  return f;
}

// A copy of `in` in which the tensors in `done` hold their quantized bytes.
Status write_partial(const gguf::File& in, const std::vector<quant::TensorPlan>& plans,
                     const std::map<std::string, std::vector<uint8_t>>& done,
                     const std::string& path) {
  gguf::Writer w;
  for (const auto& [key, value] : in.metadata()) w.set(key, value);
  for (const quant::TensorPlan& p : plans) {
    auto it = done.find(p.name);
    if (it != done.end()) {
      EDGELLM_RETURN_IF_ERROR(w.add_tensor(p.name, p.to, p.ne, it->second.data()));
    } else {
      EDGELLM_RETURN_IF_ERROR(w.add_tensor(p.name, p.from, p.ne, in.find_tensor(p.name)->data));
    }
  }
  return w.write(path);
}

}  // namespace

Result<quant::QuantizeSummary> quantize_file_gptq(const std::string& in_path,
                                                  const std::string& out_path,
                                                  const std::string& calib_text,
                                                  const quant::QuantizeOptions& options,
                                                  const GptqFileOptions& g,
                                                  const GptqLog& log,
                                                  const quant::QuantizeProgress& progress) {
  EDGELLM_ASSIGN_OR_RETURN(gguf::File in, gguf::File::open(in_path));
  EDGELLM_ASSIGN_OR_RETURN(quant::FilePlan fp, quant::plan_file(in, options));
  std::map<std::string, const quant::TensorPlan*> gptq_plans;
  for (const quant::TensorPlan& p : fp.tensors) {
    // The token embedding is looked up, not multiplied (and when tied, its rows are also the
    // output's): plain rounding.
    if (p.convert && p.ne.size() == 2 && p.name != "token_embd.weight" &&
        quant::gptq_supports(p.to) && p.ne[0] % 32 == 0) {
      gptq_plans[p.name] = &p;
    }
  }
  CalibrationOptions calib = g.calib;
  if (calib.n_threads == 0) calib.n_threads = options.n_threads;
  ThreadPool pool(options.n_threads);
  std::map<std::string, std::vector<uint8_t>> done;  // name -> quantized bytes

  const int64_t n_layer = fp.shape.n_layer;
  // Stages: each layer, then the non-layer matrices (output.weight); or all at once.
  std::vector<int> stages;
  if (g.sequential) {
    for (int l = 0; l < n_layer; ++l) stages.push_back(l);
    stages.push_back(-1);
  } else {
    stages.push_back(-2);
  }
  const std::string tmp[2] = {out_path + ".gptq-a.tmp", out_path + ".gptq-b.tmp"};
  std::string current = in_path;
  Status result = Status::Ok();
  for (size_t si = 0; si < stages.size() && result.ok(); ++si) {
    const int stage = stages[si];
    auto in_stage = [&](const std::string& name) {
      return gptq_plans.count(name) > 0 && (stage == -2 || layer_of(name) == stage);
    };
    bool any = false;
    for (const auto& [name, p] : gptq_plans) any |= in_stage(name);
    if (!any) continue;
    const auto t0 = std::chrono::steady_clock::now();
    // The model is released before the next stage overwrites an intermediate file.
    Result<HessianMap> hs = [&]() -> Result<HessianMap> {
      EDGELLM_ASSIGN_OR_RETURN(std::shared_ptr<const model::Model> m, model::Model::load(current));
      const std::vector<model::Token> tokens =
          m->tokenizer().encode(calib_text, /*add_special=*/true, /*parse_special=*/false);
      return collect_hessians(m, tokens, calib, in_stage);
    }();
    if (!hs.ok()) { result = hs.status(); break; }
    const double t_calib = seconds_since(t0);
    int n_done = 0;
    for (const auto& [name, p] : gptq_plans) {
      if (!in_stage(name)) continue;
      auto h = hs->find(name);
      if (h == hs->end()) continue;  // never multiplied (e.g. an unused tensor): plain rounding
      const gguf::TensorInfo* info = in.find_tensor(name);
      const std::vector<float> w = dequantize_tensor(*info);
      std::vector<uint8_t> out(row_size(p->to, p->ne[0]) * static_cast<size_t>(info->n_rows()));
      Status st = quant::gptq_quantize(p->to, w.data(), info->n_rows(), p->ne[0], h->second->data(),
                                       g.gptq, out.data(), pool);
      if (!st.ok()) { result = st.with_context("tensor " + name); break; }
      done[name] = std::move(out);
      ++n_done;
    }
    if (!result.ok()) break;
    if (log) {
      char line[160];
      const std::string what = stage == -2 ? "all layers" : stage == -1 ? "output" :
          "layer " + std::to_string(stage + 1) + "/" + std::to_string(n_layer);
      std::snprintf(line, sizeof line, "gptq %s: %d matrices, calibration %.1f s, GPTQ %.1f s",
                    what.c_str(), n_done, t_calib, seconds_since(t0) - t_calib);
      log(line);
    }
    // The next stage runs on a model with everything so far quantized.
    if (g.sequential && si + 1 < stages.size()) {
      const std::string& next = tmp[si % 2];
      result = write_partial(in, fp.tensors, done, next);
      current = next;
    }
  }
  for (const std::string& t : tmp) std::remove(t.c_str());
  EDGELLM_RETURN_IF_ERROR(result);

  quant::QuantizeOptions opt = options;
  opt.custom = [&done](const quant::TensorPlan& plan, const float*, int64_t, int64_t, uint8_t* out,
                       ThreadPool&) -> Result<bool> {
    auto it = done.find(plan.name);
    if (it == done.end()) return false;
    std::copy(it->second.begin(), it->second.end(), out);
    return true;
  };
  opt.extra_string_metadata.push_back(
      {"quantize.gptq", strfmt("damp=%g group=%d block=%d %s", g.gptq.damp, g.gptq.group_size,
                               g.gptq.block_size, g.sequential ? "sequential" : "one-pass")});
  return quant::quantize_file(in_path, out_path, opt, progress);
}

}  // namespace edgellm
