// `edgellm synth PRESET -o FILE`: write a random-weight GGUF with the shapes, metadata and
// vocabulary size of a named real model, to measure speed and memory before downloading it.
#include <cinttypes>
#include <cstdio>
#include <string>

#include "command.h"
#include "synth/presets.h"
#include "synth/synth.h"

namespace edgellm::cli {
namespace {

double mib(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string recipe_list() {
  std::string s;
  for (const quant::RecipeInfo& r : quant::all_recipes()) {
    if (!synth::can_synthesize(r.recipe)) continue;
    if (!s.empty()) s += ", ";
    s += r.name;
  }
  return s;
}

void print_presets() {
  for (const synth::Preset& p : synth::all_presets()) {
    auto t = synth::preset_tensors(p, quant::Recipe::F16);
    const double params = t.ok() ? static_cast<double>(synth::count_elements(*t)) : 0.0;
    std::printf("%-16s %-8s %8.3f B weights  %s\n", p.name, p.arch, params / 1e9, p.hf_repo);
  }
}

void print_tensors(const std::vector<synth::TensorSpec>& tensors) {
  for (const synth::TensorSpec& t : tensors) {
    std::string shape;
    for (int64_t d : t.ne) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    std::printf("  %-32s %-20s %s%s%s\n", t.name.c_str(), ("[" + shape + "]").c_str(),
                tensor_type_name(t.type), t.note.empty() ? "" : "  ", t.note.c_str());
  }
}

int run_synth(int argc, char** argv) {
  CLI::App app{"Write a GGUF model with random weights and the exact shapes of a real model. "
               "PRESET is one of: " + synth::preset_names()};
  std::string preset_name, out_path, type_name = "Q4_K_M";
  uint64_t seed = 0;
  bool list = false, dry_run = false, verbose = false;
  app.add_option("preset", preset_name, "model to imitate, e.g. llama-3.2-1b");
  app.add_option("-o,--output", out_path, "output GGUF file");
  app.add_option("--type", type_name, "quantization recipe (default Q4_K_M): " + recipe_list());
  app.add_option("--seed", seed, "random seed (the same seed writes the same bytes)");
  app.add_flag("--list", list, "list the presets and exit");
  app.add_flag("--dry-run", dry_run, "print the tensors and the file size without writing");
  app.add_flag("-v,--verbose", verbose, "list every tensor");
  if (int rc = parse_args(app, argc, argv); rc >= 0) return rc;

  if (list) {
    print_presets();
    return 0;
  }
  if (preset_name.empty()) {
    std::fprintf(stderr, "error: no preset given; expected one of: %s\n",
                 synth::preset_names().c_str());
    return 2;
  }
  const synth::Preset* preset = synth::find_preset(preset_name);
  if (preset == nullptr) {
    std::fprintf(stderr, "error: unknown preset '%s'; expected one of: %s\n", preset_name.c_str(),
                 synth::preset_names().c_str());
    return 2;
  }
  auto recipe = quant::recipe_from_name(type_name);
  if (!recipe || !synth::can_synthesize(*recipe)) {
    std::fprintf(stderr, "error: unsupported type '%s'; expected one of: %s\n", type_name.c_str(),
                 recipe_list().c_str());
    return 2;
  }
  if (out_path.empty() && !dry_run) {
    std::fprintf(stderr, "error: no output file given (-o FILE)\n");
    return 2;
  }
  const synth::SynthOptions opt{*recipe, seed};
  const char* recipe_name = quant::recipe_info(*recipe).name;

  if (dry_run) {
    auto w = synth::synthetic_model_writer(*preset, opt);
    auto tensors = synth::preset_tensors(*preset, *recipe);
    if (!w.ok()) return fail(w.status().message());
    if (!tensors.ok()) return fail(tensors.status().message());
    print_tensors(*tensors);
    std::printf("%s as %s: %zu tensors, %" PRId64 " weights, file size %" PRIu64
                " bytes (%.2f MiB)\n",
                preset->name, recipe_name, tensors->size(), synth::count_elements(*tensors),
                w->file_size(), mib(w->file_size()));
    return 0;
  }

  auto s = synth::write_synthetic_model(*preset, out_path, opt);
  if (!s.ok()) return fail(s.status().message());
  if (verbose) print_tensors(s->tensors);
  const double bpw = s->n_elements > 0 ? static_cast<double>(synth::count_bytes(s->tensors)) * 8.0 /
                                             static_cast<double>(s->n_elements)
                                       : 0.0;
  std::printf("wrote %s: %s (%s) as %s, seed %" PRIu64 "\n", out_path.c_str(), preset->name,
              preset->model_name, recipe_name, seed);
  std::printf("tensors:    %zu (%" PRId64 " weights, %.3f bits per weight)\n", s->tensors.size(),
              s->n_elements, bpw);
  std::printf("size:       %.2f MiB\n", mib(s->file_bytes));
  std::printf("time:       %.2f s\n", s->seconds);
  return 0;
}

CommandRegistration reg("synth", "Write a random-weight model with a real model's shapes",
                        &run_synth);

}  // namespace
}  // namespace edgellm::cli
