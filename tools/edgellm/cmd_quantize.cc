// `edgellm quantize IN.gguf OUT.gguf TYPE`: convert a model to a quantization recipe (Q4_K_M,
// Q8_0, ...), optionally guided by an importance matrix, with a progress bar on a terminal and a
// summary of size and bits per weight. With --gptq, matrices are quantized by GPTQ from
// calibration text; `quantize --report` (quantize_report.cc) measures every type's quality.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <string>

#include "base/mapped_file.h"
#include "command.h"
#include "quant/imatrix.h"
#include "quant/quant.h"
#include "quant/quantize_file.h"
#include "quant/recipe.h"
#include "quantize_report.h"
#include "runtime/gptq_file.h"

namespace edgellm::cli {
namespace {

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string recipe_list() {
  std::string s;
  for (const quant::RecipeInfo& r : quant::all_recipes()) {
    if (!s.empty()) s += ", ";
    s += r.name;
  }
  return s;
}

// One line redrawn in place: [#####-----] 12/21 blk.0.ffn_up.weight -> Q4_K.
void draw_progress(size_t done, size_t total, const quant::TensorReport& t) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / (total ? total : 1));
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '-');
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu %s -> %s", bar.c_str(), done, total,
               t.plan.name.c_str(), tensor_type_name(t.plan.to));
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void print_summary(const quant::QuantizeSummary& s, bool verbose) {
  if (verbose) {
    for (const quant::TensorReport& t : s.tensors) {
      std::printf("  %-32s %-16s %-6s -> %-6s %9.3f MiB -> %9.3f MiB%s\n", t.plan.name.c_str(),
                  ("[" + std::to_string(t.plan.ne[0]) +
                   (t.plan.ne.size() > 1 ? ", " + std::to_string(t.plan.ne[1]) : "") + "]")
                      .c_str(),
                  tensor_type_name(t.plan.from), tensor_type_name(t.plan.to), mib(t.bytes_in),
                  mib(t.bytes_out), t.used_importance ? "  (imatrix)" : "");
    }
  }
  const double bpw_in = s.n_elements > 0 ? s.tensor_bytes_in * 8.0 / static_cast<double>(s.n_elements) : 0.0;
  std::printf("tensors:    %zu (%" PRId64 " weights)\n", s.tensors.size(), s.n_elements);
  std::printf("input:      %.2f MiB, %.3f bits per weight\n", mib(s.file_bytes_in), bpw_in);
  std::printf("output:     %.2f MiB, %.3f bits per weight (%.1f%% of the input)\n",
              mib(s.file_bytes_out), s.bits_per_weight(),
              s.file_bytes_in ? 100.0 * static_cast<double>(s.file_bytes_out) / static_cast<double>(s.file_bytes_in) : 0.0);
  std::printf("time:       %.2f s\n", s.seconds);
}

int run_quantize(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--report") return run_quantize_report(argc, argv);
  }
  CLI::App app{"Quantize a GGUF model. TYPE is one of: " + recipe_list()};
  std::string in_path, out_path, type_name, imatrix_path, output_type, embd_type;
  bool reference = false, pure = false, verbose = false, dry_run = false;
  int threads = 0;
  app.add_option("input", in_path, "input model (F32, F16, BF16, or quantized)")->required();
  app.add_option("output", out_path, "output model")->required();
  app.add_option("type", type_name, "quantization recipe, e.g. Q4_K_M")->required();
  app.add_option("--imatrix", imatrix_path, "importance matrix (from `edgellm imatrix`)");
  app.add_flag("--reference", reference,
               "use the reference rounding (bytes equal to the GGUF reference quantizer)");
  app.add_flag("--pure", pure, "every quantized tensor gets TYPE's base type (no mix rules)");
  app.add_option("--output-tensor-type", output_type, "type for output.weight");
  app.add_option("--token-embedding-type", embd_type, "type for token_embd.weight");
  app.add_option("-t,--threads", threads, "threads (default: all cores)");
  app.add_flag("-v,--verbose", verbose, "list every tensor in the summary");
  app.add_flag("--dry-run", dry_run, "print the per-tensor plan and the output size only");
  bool gptq = false, one_pass = false;
  std::string calib_path;
  int group_size = 0;
  double damp = 0.1;
  int64_t calib_ctx = 512, calib_chunks = 0;
  app.add_flag("--gptq", gptq, "quantize matrices with GPTQ (needs --calib)");
  app.add_option("--calib", calib_path, "calibration text for --gptq");
  app.add_option("--group-size", group_size,
                 "GPTQ: columns whose scales are fitted together (32, 64, 128; default: the "
                 "format's sub-block)");
  app.add_option("--damp", damp, "GPTQ: Hessian damping, as a fraction of its mean diagonal (0.1)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--calib-ctx", calib_ctx, "GPTQ: calibration window in tokens (512)")
      ->check(CLI::PositiveNumber);
  app.add_option("--calib-chunks", calib_chunks, "GPTQ: use at most N calibration windows")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--one-pass", one_pass,
               "GPTQ: collect every Hessian from the float model in one pass (default: layer by "
               "layer, each layer calibrated on a model whose earlier layers are quantized)");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;
  if (gptq && calib_path.empty()) {
    std::fprintf(stderr, "error: --gptq needs --calib CALIB.txt\n");
    return 2;
  }

  auto recipe = quant::recipe_from_name(type_name);
  if (!recipe) {
    std::fprintf(stderr, "error: unknown type '%s'; expected one of: %s\n", type_name.c_str(),
                 recipe_list().c_str());
    return 2;
  }
  quant::QuantizeOptions opt;
  opt.recipe = *recipe;
  opt.plan.pure = pure;
  opt.rounding = reference ? quant::Rounding::kReference : quant::Rounding::kOptimized;
  opt.n_threads = threads;
  for (auto [name, field] : {std::pair{&output_type, &opt.plan.output_type},
                             std::pair{&embd_type, &opt.plan.token_embd_type}}) {
    if (name->empty()) continue;
    auto t = tensor_type_from_name(*name);
    if (!t || !quant::can_quantize(*t)) {
      std::fprintf(stderr, "error: '%s' is not a tensor type this build can write\n", name->c_str());
      return 2;
    }
    *field = *t;
  }
  quant::ImportanceMatrix imatrix;
  if (!imatrix_path.empty()) {
    auto m = quant::ImportanceMatrix::load(imatrix_path);
    if (!m.ok()) return fail(m.status().message());
    imatrix = std::move(*m);
    opt.imatrix = &imatrix;
    opt.imatrix_path = imatrix_path;
  }

  if (dry_run) {
    auto f = gguf::File::open(in_path);
    if (!f.ok()) return fail(f.status().message());
    auto plan = quant::plan_file(*f, opt);
    if (!plan.ok()) return fail(plan.status().message());
    for (const quant::TensorPlan& p : plan->tensors) {
      std::printf("%-32s %-6s -> %-6s%s%s\n", p.name.c_str(), tensor_type_name(p.from),
                  tensor_type_name(p.to), p.note.empty() ? "" : "  ", p.note.c_str());
    }
    std::printf("output size: %" PRIu64 " bytes (%.2f MiB)\n", plan->file_bytes, mib(plan->file_bytes));
    return 0;
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  quant::QuantizeProgress progress;
  if (tty) progress = draw_progress;
  Result<quant::QuantizeSummary> summary = make_error(ErrorCode::kInternal, "not run");
  if (gptq) {
    auto calib_text = read_file(calib_path);
    if (!calib_text.ok()) return fail("cannot read '" + calib_path + "': " + calib_text.status().message());
    GptqFileOptions g;
    g.gptq.damp = damp;
    g.gptq.group_size = group_size;
    g.calib.n_ctx = calib_ctx;
    g.calib.max_chunks = calib_chunks;
    g.sequential = !one_pass;
    auto log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    summary = quantize_file_gptq(in_path, out_path, *calib_text, opt, g, log, progress);
  } else {
    summary = quant::quantize_file(in_path, out_path, opt, progress);
  }
  if (!summary.ok()) {
    if (tty) std::fputc('\n', stderr);
    return fail(summary.status().message());
  }
  for (const std::string& w : summary->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("quantized %s -> %s as %s%s%s\n", in_path.c_str(), out_path.c_str(),
              quant::recipe_info(*recipe).name, opt.imatrix ? " with an importance matrix" : "",
              gptq ? " by GPTQ" : "");
  print_summary(*summary, verbose);
  return 0;
}

CommandRegistration reg("quantize", "Quantize a GGUF model (Q4_K_M, Q8_0, ...)", &run_quantize);

}  // namespace
}  // namespace edgellm::cli
