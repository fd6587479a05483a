// `edgellm quantize --report MODEL -f EVAL.txt [--calib CALIB.txt] [--gptq] [-c 256]
// [--types Q4_K_M,Q8_0,...] [--json]`: quantizes MODEL to each type in a temporary directory
// and measures what each costs and keeps: bits per weight, file size, planned peak memory
// (weights + KV cache + compute buffers at the evaluation context), perplexity and KL divergence
// from MODEL on EVAL.txt. Quality retained is stated two ways: the perplexity ratio
// (quantized / base) and the share of the base's log-likelihood kept, 100 * NLL_base / NLL_quant.
// With --calib, each type is also quantized with an importance matrix collected from the
// calibration text, and with --gptq by GPTQ (for the types GPTQ supports).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/mapped_file.h"
#include "command.h"
#include "quant/gptq.h"
#include "quant/quantize_file.h"
#include "quant/recipe.h"
#include "quantize_report.h"
#include "runtime/calibrate.h"
#include "runtime/gptq_file.h"
#include "runtime/perplexity.h"

namespace edgellm::cli {
namespace {

constexpr const char* kDefaultTypes =
    "Q8_0,Q6_K,Q5_K_M,Q5_K_S,Q5_1,Q5_0,Q4_K_M,Q4_K_S,Q4_1,Q4_0,Q3_K_L,Q3_K_M,Q3_K_S,Q2_K,F16,BF16";

struct Row {
  std::string type, method;
  uint64_t bytes = 0;
  double bpw = 0, peak_mib = 0;
  QualityStats stats;
};

double mib(uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool gptq_recipe(quant::Recipe r) {
  switch (r) {
    case quant::Recipe::Q2_K: case quant::Recipe::Q3_K_S: case quant::Recipe::Q3_K_M:
    case quant::Recipe::Q3_K_L: case quant::Recipe::Q4_0: case quant::Recipe::Q4_K_S:
    case quant::Recipe::Q4_K_M: case quant::Recipe::Q8_0:
      return true;
    default:
      return false;
  }
}

}  // namespace

int run_quantize_report(int argc, char** argv) {
  CLI::App app{"Quantize a model to each type and report size, memory and quality."};
  app.name(argv[0]);
  std::string model_path, eval_path, calib_path, types = kDefaultTypes;
  bool report = false, json = false, gptq = false;
  int64_t n_ctx = 256, chunks = 0, calib_ctx = 512;
  int threads = 0;
  app.add_flag("--report", report, "measure every type (this mode)");
  app.add_option("model", model_path, "base model (F16/F32)")->required();
  app.add_option("-f,--file", eval_path, "evaluation text")->required();
  app.add_option("--calib", calib_path, "calibration text: also measure each type with an imatrix");
  app.add_flag("--gptq", gptq, "also measure GPTQ (needs --calib)");
  app.add_option("-c,--ctx-size", n_ctx, "evaluation window (default 256)")->check(CLI::PositiveNumber);
  app.add_option("--calib-ctx", calib_ctx, "calibration window (default 512)")->check(CLI::PositiveNumber);
  app.add_option("--chunks", chunks, "evaluate at most N windows")->check(CLI::NonNegativeNumber);
  app.add_option("--types", types, "comma-separated types (default: all the issue's types)");
  app.add_option("-t,--threads", threads, "threads (default: all cores)");
  app.add_flag("--json", json, "print JSON instead of the Markdown table");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;
  if (gptq && calib_path.empty()) {
    std::fprintf(stderr, "error: --gptq needs --calib CALIB.txt\n");
    return 2;
  }
  std::vector<quant::Recipe> recipes;
  for (const std::string& t : split(types)) {
    auto r = quant::recipe_from_name(t);
    if (!r) {
      std::fprintf(stderr, "error: unknown type '%s'\n", t.c_str());
      return 2;
    }
    recipes.push_back(*r);
  }
  auto eval_text = read_file(eval_path);
  if (!eval_text.ok()) return fail("cannot read '" + eval_path + "': " + eval_text.status().message());
  auto base = model::Model::load(model_path);
  if (!base.ok()) return fail(base.status().message());
  const std::vector<model::Token> tokens = perplexity_tokens(**base, *eval_text);
  PerplexityOptions popt;
  popt.n_ctx = n_ctx;
  popt.n_threads = threads;
  popt.max_chunks = chunks;

  std::string calib_text;
  quant::ImportanceMatrix imatrix;
  CalibrationOptions copt;
  copt.n_ctx = calib_ctx;
  copt.n_threads = threads;
  if (!calib_path.empty()) {
    auto t = read_file(calib_path);
    if (!t.ok()) return fail("cannot read '" + calib_path + "': " + t.status().message());
    calib_text = std::move(*t);
    auto im = collect_imatrix(*base, (*base)->tokenizer().encode(calib_text, true, false), copt);
    if (!im.ok()) return fail(im.status().message());
    imatrix = std::move(*im);
    imatrix.datasets.push_back(calib_path);
  }

  char dir_template[] = "/tmp/edgellm-report-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return fail("cannot create a temporary directory");
  const std::string dir = dir_template;
  std::vector<Row> rows;
  auto measure = [&](const std::string& path, const std::string& type, const std::string& method,
                     std::shared_ptr<const model::Model> kl_base) -> Status {
    EDGELLM_ASSIGN_OR_RETURN(std::shared_ptr<const model::Model> m, model::Model::load(path));
    EDGELLM_ASSIGN_OR_RETURN(PerplexityResult r, evaluate_perplexity(m, kl_base, tokens, popt));
    Row row;
    row.type = type;
    row.method = method;
    row.bytes = std::filesystem::file_size(path);
    const int64_t n_weights = [&] {
      int64_t n = 0;
      for (const gguf::TensorInfo& t : m->file().tensors()) n += t.n_elements();
      return n;
    }();
    row.bpw = n_weights > 0 ? static_cast<double>(m->weight_bytes()) * 8.0 / static_cast<double>(n_weights) : 0.0;
    row.peak_mib = mib(m->weight_bytes() + r.context_bytes);
    row.stats = r.stats;
    rows.push_back(row);
    std::fprintf(stderr, "%-8s %-8s %8.3f MiB  ppl %.4f  kld %.6f  same top %.2f%%\n", type.c_str(),
                 method.c_str(), mib(row.bytes), r.stats.ppl(), r.stats.mean_kld(),
                 100.0 * r.stats.same_top_fraction());
    return Status::Ok();
  };
  Status st = measure(model_path, "base", "-", nullptr);
  for (size_t i = 0; i < recipes.size() && st.ok(); ++i) {
    const quant::RecipeInfo& info = quant::recipe_info(recipes[i]);
    const bool quantized = recipes[i] != quant::Recipe::F16 && recipes[i] != quant::Recipe::BF16 &&
                           recipes[i] != quant::Recipe::F32;
    const std::string out = dir + "/" + info.name + ".gguf";
    quant::QuantizeOptions qopt;
    qopt.recipe = recipes[i];
    qopt.n_threads = threads;
    auto s = quant::quantize_file(model_path, out, qopt);
    if (!s.ok()) { st = s.status(); break; }
    st = measure(out, info.name, "rtn", *base);
    if (st.ok() && quantized && !imatrix.empty()) {
      qopt.imatrix = &imatrix;
      qopt.imatrix_path = "(collected from " + calib_path + ")";
      s = quant::quantize_file(model_path, out, qopt);
      if (!s.ok()) { st = s.status(); break; }
      st = measure(out, info.name, "imatrix", *base);
      qopt.imatrix = nullptr;
    }
    if (st.ok() && gptq && gptq_recipe(recipes[i])) {
      GptqFileOptions g;
      g.calib = copt;
      g.gptq.damp = 0.1;
      s = quantize_file_gptq(model_path, out, calib_text, qopt, g);
      if (!s.ok()) { st = s.status(); break; }
      st = measure(out, info.name, "gptq", *base);
    }
    std::filesystem::remove(out);
  }
  std::filesystem::remove_all(dir);
  if (!st.ok()) return fail(st.message());

  const QualityStats& b = rows.front().stats;
  if (json) {
    nlohmann::json out;
    out["model"] = model_path;
    out["eval"] = eval_path;
    out["n_ctx"] = n_ctx;
    out["n_tokens"] = b.nll.n;
    out["quality_retained"] =
        "ppl_ratio = ppl / base ppl; ll_retained_pct = 100 * base mean NLL / mean NLL";
    out["peak_memory"] = "planned: weights + KV cache + compute buffers at the evaluation context";
    nlohmann::json arr = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json j;
      j["type"] = r.type;
      j["method"] = r.method;
      j["bytes"] = r.bytes;
      j["bpw"] = r.bpw;
      j["peak_mib"] = r.peak_mib;
      j["ppl"] = r.stats.ppl();
      j["ppl_stderr"] = r.stats.ppl_stderr();
      j["ppl_ratio"] = r.stats.ppl() / b.ppl();
      j["ll_retained_pct"] = 100.0 * b.nll.mean / r.stats.nll.mean;
      if (r.type != "base") {
        j["kld"] = r.stats.mean_kld();
        j["kld_stderr"] = r.stats.kld_stderr();
        j["same_top_pct"] = 100.0 * r.stats.same_top_fraction();
      }
      arr.push_back(j);
    }
    out["rows"] = arr;
    std::printf("%s\n", out.dump(1).c_str());
    return 0;
  }
  std::printf("Quality vs memory: %s on %s, ctx %lld, %lld tokens scored.\n", model_path.c_str(),
              eval_path.c_str(), static_cast<long long>(n_ctx), static_cast<long long>(b.nll.n));
  std::printf("Peak memory is planned (weights + KV cache + compute at ctx); quality retained = "
              "ppl ratio and 100 * base NLL / NLL.\n\n");
  std::printf("| type | method | size MiB | bpw | peak MiB | ppl | ppl ratio | LL kept %% | KLD | same top %% |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    std::printf("| %s | %s | %.3f | %.3f | %.2f | %.4f ± %.4f | %.4f | %.3f | ", r.type.c_str(),
                r.method.c_str(), mib(r.bytes), r.bpw, r.peak_mib, r.stats.ppl(),
                r.stats.ppl_stderr(), r.stats.ppl() / b.ppl(), 100.0 * b.nll.mean / r.stats.nll.mean);
    if (r.type == "base") {
      std::printf("- | - |\n");
    } else {
      std::printf("%.6f ± %.6f | %.3f |\n", r.stats.mean_kld(), r.stats.kld_stderr(),
                  100.0 * r.stats.same_top_fraction());
    }
  }
  return 0;
}

}  // namespace edgellm::cli
