// `edgellm plan`: will a model fit? The exact memory plan (weights, KV cache, compute buffers,
// runtime overhead) of a GGUF file, a synth preset or a parameter-count estimate, judged against
// a device profile or a memory size, with the largest context and the quantization types that fit.
//
//   edgellm plan -m MODEL.gguf [-c CTX] [-b BATCH] [--kv-type f16|q8_0] [--device NAME |
//                --memory 8GiB] [--json]
//   edgellm plan --synth PRESET[:TYPE] ...
//   edgellm plan --params 8B --bits 4 --layers 32 --kv-heads 8 --head-dim 128 -c 4096 ...
//   edgellm plan --recommend --device rpi5-8gb [-c CTX] [--json]
//   edgellm plan --list-devices [--json]
#include <cstdio>
#include <nlohmann/json.hpp>

#include "command.h"
#include "model_options.h"
#include "plan/devices.h"
#include "plan/presets.h"
#include "plan/report.h"
#include "plan/size.h"

namespace {

namespace plan = edgellm::plan;
using edgellm::Result;

struct Options {
  std::string model_path, synth, params, memory, device;
  double bits = 4.5;
  int64_t layers = 0, kv_heads = 0, head_dim = 0, hidden = 0, heads = 0, ff = 0;
  int64_t vocab = 32000, ctx_train = 131072;
  int sliding_window = 0;
  bool json = false, recommend = false, list_devices = false;
};

void print(const nlohmann::json& j, const std::string& text, bool json) {
  if (json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
}

int list_devices(const std::vector<plan::DeviceProfile>& devices, bool json) {
  nlohmann::json j = nlohmann::json::array();
  std::string text;
  for (const plan::DeviceProfile& d : devices) {
    j.push_back({{"name", d.name},
                 {"description", d.description},
                 {"memory_bytes", d.memory_bytes},
                 {"os_reserved_bytes", d.os_reserved_bytes},
                 {"usable_bytes", d.usable_bytes()},
                 {"cores", d.cores},
                 {"bandwidth_gbps", d.bandwidth_gbps},
                 {"source", d.source}});
    text += edgellm::strfmt("%-18s %9s usable of %9s, %2d cores, %5.1f GB/s  %s\n", d.name.c_str(),
                            plan::format_bytes(d.usable_bytes()).c_str(),
                            plan::format_bytes(d.memory_bytes).c_str(), d.cores, d.bandwidth_gbps,
                            d.description.c_str());
  }
  print(j, text, json);
  return 0;
}

Result<plan::ModelSpec> model_spec(const Options& o) {
  if (!o.model_path.empty()) return plan::spec_from_file(o.model_path);
  if (!o.synth.empty()) return plan::spec_from_preset_name(o.synth);
  plan::EstimateParams e;
  EDGELLM_ASSIGN_OR_RETURN(e.n_params, plan::parse_count(o.params));
  e.bits = o.bits;
  e.n_layer = o.layers;
  e.n_head_kv = o.kv_heads;
  e.head_dim = o.head_dim;
  e.n_embd = o.hidden;
  e.n_head = o.heads;
  e.n_ff = o.ff;
  e.n_vocab = o.vocab;
  e.n_ctx_train = o.ctx_train;
  e.sliding_window = o.sliding_window;
  return plan::spec_from_estimate(e);
}

int run_plan(int argc, char** argv) {
  CLI::App app{"Predict the peak memory of running a model, and whether it fits a device."};
  app.name(argv[0]);
  Options o;
  edgellm::cli::ContextOptions co;
  auto* m_opt =
      app.add_option("-m,--model", o.model_path, "GGUF model (only its metadata is read)");
  auto* s_opt =
      app.add_option("--synth", o.synth, "a synth preset, PRESET[:TYPE] (default Q4_K_M)");
  auto* p_opt =
      app.add_option("--params", o.params, "estimate from a parameter count: 8B, 135M, 8e9");
  m_opt->excludes(s_opt, p_opt);
  s_opt->excludes(m_opt, p_opt);
  p_opt->excludes(m_opt, s_opt);
  app.add_option("--bits", o.bits, "estimate: bits per weight (default 4.5)");
  app.add_option("--layers", o.layers, "estimate: layers")->check(CLI::PositiveNumber);
  app.add_option("--kv-heads", o.kv_heads, "estimate: KV heads (grouped-query attention)")
      ->check(CLI::PositiveNumber);
  app.add_option("--head-dim", o.head_dim, "estimate: head size")->check(CLI::PositiveNumber);
  app.add_option("--hidden", o.hidden, "estimate: embedding size (default: from --params)")
      ->check(CLI::PositiveNumber);
  app.add_option("--heads", o.heads, "estimate: query heads (default: hidden / head-dim)")
      ->check(CLI::PositiveNumber);
  app.add_option("--ff", o.ff, "estimate: feed-forward size (default: 3.5 x hidden)")
      ->check(CLI::PositiveNumber);
  app.add_option("--vocab", o.vocab, "estimate: vocabulary size (default 32000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--ctx-train", o.ctx_train, "estimate: training context (default 131072)")
      ->check(CLI::PositiveNumber);
  app.add_option("--sliding-window", o.sliding_window,
                 "estimate: every other layer attends this many positions")
      ->check(CLI::NonNegativeNumber);
  edgellm::cli::add_context_options(app, co);
  auto* d_opt = app.add_option("--device", o.device,
                               "device profile (see --list-devices; $EDGELLM_DEVICES adds more)");
  auto* mem_opt = app.add_option("--memory", o.memory, "memory available: 8GiB, 512MB, 1.5G");
  d_opt->excludes(mem_opt);
  mem_opt->excludes(d_opt);
  app.add_flag("--recommend", o.recommend,
               "list the preset models and quantization types that fit --device");
  app.add_flag("--list-devices", o.list_devices, "list the device profiles");
  app.add_flag("--json", o.json, "one JSON object instead of text");
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;

  auto devices = plan::all_devices();
  if (!devices.ok()) return edgellm::cli::fail(devices.status().message());
  if (o.list_devices) return list_devices(*devices, o.json);

  auto params = edgellm::cli::context_params(co);
  if (!params.ok()) return edgellm::cli::fail(params.status().message());
  plan::Budget budget;
  if (!o.device.empty()) {
    auto d = plan::find_device(*devices, o.device);
    if (!d.ok()) return edgellm::cli::fail(d.status().message());
    budget.device = *d;
    budget.bytes = d->usable_bytes();
    // Plan with the device's cores unless -t says otherwise.
    if (params->n_threads == 0) params->n_threads = d->cores;
  } else if (!o.memory.empty()) {
    auto bytes = plan::parse_size(o.memory);
    if (!bytes.ok()) return edgellm::cli::fail("--memory: " + bytes.status().message());
    budget.bytes = *bytes;
  }

  if (o.recommend) {
    if (!budget.device) {
      std::fprintf(stderr, "error: --recommend needs --device NAME\n");
      return 2;
    }
    auto specs = plan::all_preset_specs(edgellm::quant::Recipe::F16);
    if (!specs.ok()) return edgellm::cli::fail(specs.status().message());
    const auto rows = plan::recommend(*specs, *params, *budget.device);
    print(plan::recommend_json(rows, *budget.device, *params),
          plan::recommend_text(rows, *budget.device, *params), o.json);
    return 0;
  }
  if (o.model_path.empty() && o.synth.empty() && o.params.empty()) {
    std::fprintf(stderr,
                 "error: give a model: -m FILE, --synth PRESET[:TYPE] or --params N "
                 "(or --recommend --device NAME)\n");
    return 2;
  }
  auto spec = model_spec(o);
  if (!spec.ok()) return edgellm::cli::fail(spec.status().message());
  auto report = plan::build_report(*spec, *params, budget);
  if (!report.ok()) return edgellm::cli::fail(report.status().message());
  print(plan::report_json(*report), plan::report_text(*report), o.json);
  return 0;
}

edgellm::cli::CommandRegistration reg("plan",
                                      "Predict memory use and whether a model fits a device",
                                      &run_plan);

}  // namespace
