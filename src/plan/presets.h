// Model specs for the synth presets (synth/presets.h): the exact tensors a preset has under a
// quantization recipe, and the hyperparameters read back from the metadata `edgellm synth`
// would write, so a preset plans exactly as the file synthesized from it would. No file is
// written and no weight generated.
//
// Thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "plan/model_spec.h"
#include "quant/recipe.h"
#include "synth/presets.h"

namespace edgellm::plan {

Result<ModelSpec> spec_from_preset(const synth::Preset& preset, quant::Recipe recipe);

// "PRESET" (Q4_K_M, as `edgellm synth` writes by default) or "PRESET:TYPE" ("llama-3.2-1b:F16").
// Errors list the presets or recipes.
Result<ModelSpec> spec_from_preset_name(std::string_view text);

// Every preset at `recipe`, smallest first.
Result<std::vector<ModelSpec>> all_preset_specs(quant::Recipe recipe = quant::Recipe::F16);

}  // namespace edgellm::plan
