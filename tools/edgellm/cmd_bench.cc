// `edgellm bench`: prompt-processing and generation speed, latency, load time and peak memory of
// one model, measured the way llama-bench does (random tokens, so any model works; generation from
// an empty context), reported as a markdown table or one JSON object.
//
//   edgellm bench (-m MODEL | --synth PRESET[:TYPE]) [-p 512] [-n 128] [-t N] [-r 5] [--json]
//                 [--markdown] [-o TABLE.md]
//
// One warm-up pass runs first (it pages the weights in and warms the caches); then each of the -r
// repetitions decodes a -p token prompt in one call from an empty context (pp, also the time to
// first token) and generates -n tokens one at a time from an empty context (tg, per-token
// latency). Reported: the median over the repetitions and the spread (min, max, sample stddev);
// the per-token average and p99 pool every generated token of every repetition.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "base/sysinfo.h"
#include "base/timer.h"
#include "command.h"
#include "kernels/dispatch.h"
#include "model_options.h"
#include "synth/presets.h"
#include "synth/synth.h"

namespace edgellm::cli {
namespace {

using model::Token;

struct Stats {
  double median = 0, min = 0, max = 0, stddev = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.min = v.front();
  s.max = v.back();
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(n);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  s.stddev = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  return s;
}

// Nearest-rank percentile (q in (0, 1]) of an unsorted sample.
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

// Weight bytes one generated token reads: every matrix once (the token embedding only one row,
// unless it doubles as the output matrix), and for mixture-of-experts layers the used share of
// the experts.
double weight_bytes_per_token(const model::Model& m) {
  const model::HParams& hp = m.hparams();
  const model::Weights& w = m.weights();
  auto bytes = [](const kernels::Matrix& x) {
    return x.data == nullptr ? 0.0 : static_cast<double>(x.row_bytes) * static_cast<double>(x.n_rows);
  };
  double total = bytes(w.output);
  if (w.output.data != w.tok_embd.data) total += static_cast<double>(w.tok_embd.row_bytes);
  const double expert_share =
      hp.n_expert > 0 ? static_cast<double>(hp.n_expert_used) / hp.n_expert : 0.0;
  for (const model::LayerWeights& L : w.layers) {
    for (const kernels::Matrix* x : {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.wo, &L.ffn_gate, &L.ffn_up,
                                     &L.ffn_down, &L.ffn_gate_inp}) {
      total += bytes(*x);
    }
    for (const auto* v : {&L.exp_gate, &L.exp_up, &L.exp_down}) {
      for (const kernels::Matrix& x : *v) total += expert_share * bytes(x);
    }
  }
  return total;
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

struct BenchResult {
  std::string model_label;
  double size_mib = 0, params_b = 0;
  int threads = 0, reps = 0;
  int64_t n_prompt = 0, n_gen = 0;
  std::string isa;
  double load_ms = 0, peak_rss_mb = 0, bytes_per_token = 0;
  Stats pp, tg, ttft;
  double lat_avg = 0, lat_p99 = 0;
};

nlohmann::json to_json(const BenchResult& r) {
  nlohmann::json j;
  j["model"] = r.model_label;
  j["model_size_mib"] = r.size_mib;
  j["threads"] = r.threads;
  j["isa"] = r.isa;
  j["n_prompt"] = r.n_prompt;
  j["n_gen"] = r.n_gen;
  j["repetitions"] = r.reps;
  auto put = [&](const char* key, const Stats& s) {
    j[key] = s.median;
    j[std::string(key) + "_min"] = s.min;
    j[std::string(key) + "_max"] = s.max;
    j[std::string(key) + "_stddev"] = s.stddev;
  };
  if (r.n_prompt > 0) {
    put("pp_tok_s", r.pp);
    put("ttft_ms", r.ttft);
  }
  if (r.n_gen > 0) {
    put("tg_tok_s", r.tg);
    j["latency_avg_ms"] = r.lat_avg;
    j["latency_p99_ms"] = r.lat_p99;
    j["weights_mb_per_token"] = r.bytes_per_token / 1e6;
    j["tg_gb_s"] = r.bytes_per_token * r.tg.median / 1e9;
  }
  j["load_ms"] = r.load_ms;
  j["peak_rss_mb"] = r.peak_rss_mb;
  return j;
}

std::string to_markdown(const BenchResult& r) {
  std::string s;
  s += "| model | size | threads | isa | test | median | spread (min - max, stddev) |\n";
  s += "|---|---:|---:|---|---|---:|---|\n";
  const std::string head = "| " + r.model_label + " | " + fmt("%.1f MiB", r.size_mib) + " | " +
                           std::to_string(r.threads) + " | " + r.isa + " | ";
  auto row = [&](const std::string& test, const Stats& st, const char* unit, const char* f) {
    s += head + test + " | " + fmt(f, st.median) + " " + unit + " | " + fmt(f, st.min) + " - " +
         fmt(f, st.max) + ", " + fmt(f, st.stddev) + " |\n";
  };
  if (r.n_prompt > 0) {
    row("pp" + std::to_string(r.n_prompt), r.pp, "t/s", "%.2f");
    row("ttft (pp" + std::to_string(r.n_prompt) + ")", r.ttft, "ms", "%.1f");
  }
  if (r.n_gen > 0) {
    row("tg" + std::to_string(r.n_gen), r.tg, "t/s", "%.2f");
    s += head + "token latency | " + fmt("%.2f", r.lat_avg) + " ms avg | p99 " +
         fmt("%.2f", r.lat_p99) + " ms |\n";
    s += head + "weights read | " + fmt("%.2f", r.bytes_per_token * r.tg.median / 1e9) +
         " GB/s | " + fmt("%.1f", r.bytes_per_token / 1e6) + " MB per token |\n";
  }
  s += head + "load | " + fmt("%.1f", r.load_ms) + " ms | |\n";
  s += head + "peak RSS | " + fmt("%.1f", r.peak_rss_mb) + " MB | |\n";
  s += "\n" + std::to_string(r.reps) + " repetitions after one warm-up, " + today() + ".\n";
  return s;
}

// Writes the --synth model to a temporary file. Returns its path or an error; usage errors (an
// unknown preset or type) set *usage.
edgellm::Result<std::string> write_synth(const std::string& spec, std::string* label,
                                         bool* usage) {
  const size_t colon = spec.find(':');
  const std::string preset_name = spec.substr(0, colon);
  const std::string type_name = colon == std::string::npos ? "Q4_K_M" : spec.substr(colon + 1);
  const synth::Preset* preset = synth::find_preset(preset_name);
  if (preset == nullptr) {
    *usage = true;
    return make_error(ErrorCode::kInvalidArgument, "--synth: unknown preset '%s'; expected one of: %s",
                      preset_name.c_str(), synth::preset_names().c_str());
  }
  auto recipe = quant::recipe_from_name(type_name);
  if (!recipe || !synth::can_synthesize(*recipe)) {
    *usage = true;
    return make_error(ErrorCode::kInvalidArgument, "--synth: unknown type '%s' (e.g. Q4_K_M, Q8_0, F16)",
                      type_name.c_str());
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/edgellm-bench-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return make_error(ErrorCode::kIoError, "cannot create a temporary file for --synth");
  close(fd);
  auto summary = synth::write_synthetic_model(*preset, path, {*recipe, 1});
  if (!summary.ok()) {
    std::remove(path.c_str());
    return summary.status();
  }
  *label = std::string(preset->name) + " " + quant::recipe_info(*recipe).name + " (synthetic)";
  return path;
}

int run_bench(int argc, char** argv) {
  CLI::App app{"Measure prompt and generation speed, latency, load time and memory of a model."};
  app.name(argv[0]);
  std::string model_path, synth_spec, md_path;
  int64_t n_prompt = 512, n_gen = 128;
  int reps = 5;
  bool json = false, markdown = false;
  ContextOptions co;
  auto* m_opt = app.add_option("-m,--model", model_path, "GGUF model");
  auto* s_opt = app.add_option("--synth", synth_spec,
                               "benchmark a synthetic model instead: PRESET[:TYPE], e.g. "
                               "llama-3.2-1b:Q4_K_M (written to a temporary file, removed after)");
  m_opt->excludes(s_opt);
  s_opt->excludes(m_opt);
  app.add_option("-p,--n-prompt", n_prompt, "prompt tokens decoded in one call (default 512; 0: skip)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-n,--n-gen", n_gen, "tokens generated one at a time (default 128; 0: skip)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-r,--repetitions", reps, "measured repetitions (default 5)")
      ->check(CLI::PositiveNumber);
  add_context_options(app, co);
  app.add_flag("--json", json, "print one JSON object");
  app.add_flag("--markdown", markdown, "print the markdown table (the default without --json; "
                                       "to stderr with --json)");
  app.add_option("-o,--output", md_path, "also write the markdown table to this file");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;
  if (model_path.empty() && synth_spec.empty()) {
    std::fprintf(stderr, "error: give a model with -m FILE or --synth PRESET[:TYPE]\n");
    return 2;
  }
  if (n_prompt == 0 && n_gen == 0) {
    std::fprintf(stderr, "error: nothing to measure (-p 0 and -n 0)\n");
    return 2;
  }
  auto params = context_params(co);
  if (!params.ok()) return fail(params.status().message());

  BenchResult r;
  r.model_label = model_path.substr(model_path.find_last_of('/') + 1);
  std::string path = model_path;
  if (!synth_spec.empty()) {
    bool usage = false;
    auto p = write_synth(synth_spec, &r.model_label, &usage);
    if (!p.ok()) {
      if (usage) {
        std::fprintf(stderr, "error: %s\n", p.status().message().c_str());
        return 2;
      }
      return fail(p.status().message());
    }
    path = *p;
  }

  const double t0 = now_ms();
  auto model = model::Model::load(path);
  if (!synth_spec.empty()) std::remove(path.c_str());  // the mapping stays valid
  if (!model.ok()) return fail(model.status().message());
  const int64_t need = std::max(n_prompt, n_gen);
  if (params->n_ctx == 0) params->n_ctx = need;
  if (params->n_ctx < need) {
    return fail("the context (-c " + std::to_string(params->n_ctx) + ") is smaller than -p or -n");
  }
  auto ctx_or = model::Context::create(*model, *params);
  if (!ctx_or.ok()) return fail(ctx_or.status().message());
  r.load_ms = now_ms() - t0;
  model::Context& ctx = **ctx_or;
  const model::Model& m = **model;

  r.size_mib = static_cast<double>(m.weight_bytes()) / (1024.0 * 1024.0);
  r.threads = params->n_threads > 0 ? params->n_threads : physical_core_count();
  r.reps = reps;
  r.n_prompt = n_prompt;
  r.n_gen = n_gen;
  r.isa = kernels::isa_name(kernels::active_isa());
  r.bytes_per_token = weight_bytes_per_token(m);

  // Random tokens, as llama-bench uses: any model works and no tokenizer is involved.
  std::mt19937 rng(1234);
  std::uniform_int_distribution<Token> pick(0, static_cast<Token>(ctx.n_vocab() - 1));
  std::vector<Token> prompt(static_cast<size_t>(n_prompt)), gen(static_cast<size_t>(n_gen));
  for (Token& t : prompt) t = pick(rng);
  for (Token& t : gen) t = pick(rng);

  auto run_prompt = [&](double* ms) -> Status {
    ctx.reset();
    const double s = now_ms();
    Status st = ctx.decode(prompt);
    *ms = now_ms() - s;
    return st;
  };
  auto run_gen = [&](int64_t count, std::vector<double>* lat) -> Status {
    ctx.reset();
    for (int64_t i = 0; i < count; ++i) {
      const double s = now_ms();
      EDGELLM_RETURN_IF_ERROR(ctx.decode(std::span<const Token>(&gen[i], 1)));
      if (lat != nullptr) lat->push_back(now_ms() - s);
    }
    return Status::Ok();
  };

  // Warm-up: page the weights in, warm the caches and the thread pool.
  double ms = 0;
  if (n_prompt > 0) {
    if (auto st = run_prompt(&ms); !st.ok()) return fail(st.message());
  }
  if (n_gen > 0) {
    if (auto st = run_gen(std::min<int64_t>(n_gen, 16), nullptr); !st.ok()) {
      return fail(st.message());
    }
  }

  std::vector<double> pp, ttft, tg, lat_all;
  for (int rep = 0; rep < reps; ++rep) {
    if (n_prompt > 0) {
      if (auto st = run_prompt(&ms); !st.ok()) return fail(st.message());
      ttft.push_back(ms);
      pp.push_back(static_cast<double>(n_prompt) / (ms / 1000.0));
    }
    if (n_gen > 0) {
      std::vector<double> lat;
      if (auto st = run_gen(n_gen, &lat); !st.ok()) return fail(st.message());
      double total = 0;
      for (double x : lat) total += x;
      tg.push_back(static_cast<double>(n_gen) / (total / 1000.0));
      lat_all.insert(lat_all.end(), lat.begin(), lat.end());
    }
  }
  r.pp = stats_of(pp);
  r.ttft = stats_of(ttft);
  r.tg = stats_of(tg);
  if (!lat_all.empty()) {
    double total = 0;
    for (double x : lat_all) total += x;
    r.lat_avg = total / static_cast<double>(lat_all.size());
    r.lat_p99 = percentile(lat_all, 0.99);
  }
  r.peak_rss_mb = static_cast<double>(peak_rss_bytes()) / 1e6;

  const std::string table = to_markdown(r);
  if (json) {
    std::printf("%s\n", to_json(r).dump(2).c_str());
    if (markdown) std::fputs(table.c_str(), stderr);
  } else {
    std::fputs(table.c_str(), stdout);
  }
  if (!md_path.empty()) {
    FILE* f = std::fopen(md_path.c_str(), "w");
    if (f == nullptr) return fail("cannot write the table to '" + md_path + "'");
    std::fputs(table.c_str(), f);
    std::fclose(f);
  }
  return 0;
}

CommandRegistration reg("bench", "Measure speed, latency and memory of a model", &run_bench);

}  // namespace
}  // namespace edgellm::cli
