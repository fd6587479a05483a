// Sampling options shared by `edgellm run`, `edgellm chat` and the server front end.
#pragma once

#include <CLI/CLI.hpp>

#include "runtime/sampler.h"

namespace edgellm::cli {

// Adds --temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n,
// --frequency-penalty, --presence-penalty and --seed, writing into `p` (defaults as llama-cli).
void add_sampling_options(CLI::App& app, SamplerParams& p);

}  // namespace edgellm::cli
