// Specs of synth presets (see presets.h).
#include "plan/presets.h"

#include <string>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "synth/synth.h"
#include "synth/tensors.h"

namespace edgellm::plan {

Result<ModelSpec> spec_from_preset(const synth::Preset& preset, quant::Recipe recipe) {
  ModelSpec s;
  s.name = preset.name;
  s.type_name = quant::recipe_info(recipe).name;
  s.source = std::string("synth:") + preset.name + ":" + s.type_name;
  EDGELLM_ASSIGN_OR_RETURN(std::vector<synth::TensorSpec> tensors,
                           synth::preset_tensors(preset, recipe));
  for (const synth::TensorSpec& t : tensors) {
    s.tensors.push_back({t.name, t.ne, t.type, t.n_bytes()});
    s.weights_bytes += t.n_bytes();
  }
  s.n_params = static_cast<double>(synth::count_elements(tensors));
  s.matrices = matrices_from_tensors(s.tensors);
  s.tied_output = preset.tied_output;

  // Read the hyperparameters back the way the engine does, from the metadata the synthesized
  // file would carry (a metadata-only GGUF in memory: the vocabulary, no tensors).
  EDGELLM_ASSIGN_OR_RETURN(gguf::Writer full, synth::synthetic_model_writer(preset, {recipe, 0}));
  gguf::Writer meta;
  for (const auto& [key, value] : full.metadata()) meta.set(key, value);
  EDGELLM_ASSIGN_OR_RETURN(std::string bytes, meta.to_bytes());
  EDGELLM_ASSIGN_OR_RETURN(
      gguf::File file,
      gguf::File::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), s.source));
  EDGELLM_ASSIGN_OR_RETURN(s.hp, model::read_hparams(file));
  if (s.hp.n_vocab == 0) s.hp.n_vocab = preset.n_vocab;
  vocab_counts(file, s);
  if (s.hp.name.empty()) s.hp.name = preset.model_name;
  // The file before its tensor data: everything but the (aligned) tensors.
  const uint64_t file_bytes = full.file_size();
  s.metadata_bytes = file_bytes > s.weights_bytes ? file_bytes - s.weights_bytes : 0;
  s.shape.arch = preset.arch;
  s.shape.n_layer = preset.n_layer;
  s.shape.n_head = preset.n_head;
  s.shape.n_head_kv = preset.n_head_kv;
  return s;
}

Result<ModelSpec> spec_from_preset_name(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  const synth::Preset* preset = synth::find_preset(name);
  if (preset == nullptr) {
    return make_error(ErrorCode::kNotFound, "unknown preset '%s' (presets: %s)",
                      std::string(name).c_str(), synth::preset_names().c_str());
  }
  quant::Recipe recipe = quant::Recipe::Q4_K_M;
  if (colon != std::string_view::npos) {
    const std::string_view type = text.substr(colon + 1);
    std::optional<quant::Recipe> r = quant::recipe_from_name(type);
    if (!r) {
      std::string names;
      for (const quant::RecipeInfo& i : quant::all_recipes()) {
        names += (names.empty() ? "" : ", ") + std::string(i.name);
      }
      return make_error(ErrorCode::kNotFound, "unknown quantization type '%s' (types: %s)",
                        std::string(type).c_str(), names.c_str());
    }
    recipe = *r;
  }
  return spec_from_preset(*preset, recipe);
}

Result<std::vector<ModelSpec>> all_preset_specs(quant::Recipe recipe) {
  std::vector<ModelSpec> out;
  for (const synth::Preset& p : synth::all_presets()) {
    EDGELLM_ASSIGN_OR_RETURN(ModelSpec s, spec_from_preset(p, recipe));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace edgellm::plan
