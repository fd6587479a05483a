// `edgellm imatrix`: run a model over calibration text and save, for every layer matrix and the
// output matrix, the sums of squared input activations per column (an importance matrix in the
// GGUF imatrix layout, which `edgellm quantize --imatrix` and other GGUF quantizers read).
//
//   edgellm imatrix -m MODEL -f CALIB.txt -o FILE [-c CTX] [--chunks N] [-t N]
#include <unistd.h>

#include <cstdio>

#include "base/mapped_file.h"
#include "command.h"
#include "model_options.h"
#include "runtime/calibrate.h"

namespace edgellm::cli {
namespace {

int run_imatrix(int argc, char** argv) {
  CLI::App app{"Collect an importance matrix (mean squared activations per input column)."};
  app.name(argv[0]);
  std::string model_path, calib_path, out_path;
  int64_t n_ctx = 512, chunks = 0;
  int threads = 0;
  app.add_option("-m,--model", model_path, "GGUF model (F16/F32 preferably)")->required();
  app.add_option("-f,--file", calib_path, "calibration text")->required();
  app.add_option("-o,--output", out_path, "importance matrix file to write")->required();
  app.add_option("-c,--ctx-size", n_ctx, "tokens per window (default 512)")->check(CLI::PositiveNumber);
  app.add_option("--chunks", chunks, "use at most N windows (default: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-t,--threads", threads, "threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;

  auto text = read_file(calib_path);
  if (!text.ok()) return fail("cannot read calibration text '" + calib_path + "': " + text.status().message());
  auto model = model::Model::load(model_path);
  if (!model.ok()) return fail(model.status().message());
  const std::vector<model::Token> tokens =
      (*model)->tokenizer().encode(*text, /*add_special=*/true, /*parse_special=*/false);
  CalibrationOptions opt;
  opt.n_ctx = n_ctx;
  opt.max_chunks = chunks;
  opt.n_threads = threads;
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto progress = [&](int64_t done, int64_t total) {
    if (tty) std::fprintf(stderr, "\r\033[Kwindow %lld/%lld", static_cast<long long>(done),
                          static_cast<long long>(total));
    if (tty && done == total) std::fputc('\n', stderr);
  };
  auto im = collect_imatrix(*model, tokens, opt, progress);
  if (!im.ok()) return fail(im.status().message());
  im->datasets.push_back(calib_path);
  if (Status st = im->save(out_path); !st.ok()) return fail(st.message());
  std::printf("imatrix: %zu matrices from %lld windows of %lld tokens (%zu tokens of text) -> %s\n",
              im->entries().size(), static_cast<long long>(im->chunk_count),
              static_cast<long long>(n_ctx), tokens.size(), out_path.c_str());
  return 0;
}

CommandRegistration reg("imatrix", "Collect an importance matrix from calibration text",
                        &run_imatrix);

}  // namespace
}  // namespace edgellm::cli
