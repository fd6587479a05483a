// Options shared by the commands that load a model and run it (run, logits, embed, chat, bench,
// perplexity): the model path, the prompt (-p text or -f file), context size and threads.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "model/context.h"
#include "model/model.h"

namespace edgellm::cli {

struct PromptOptions {
  std::string prompt;
  std::string file;
  bool no_escape = false;
  CLI::Option* p_opt = nullptr;
  CLI::Option* f_opt = nullptr;
};

// Adds -p/--prompt, -f/--file (exclusive) and --no-escape.
void add_prompt_options(CLI::App& app, PromptOptions& o);
// The prompt text: -f file bytes exactly, or -p text with backslash escapes processed. Fails
// when neither was given (`required`) or the file cannot be read.
Result<std::string> read_prompt(const PromptOptions& o, bool required = true);

struct ContextOptions {
  int64_t n_ctx = 0;
  int n_threads = 0;
  int64_t n_batch = 512;
  std::string kv_type = "f16";
};

// Adds --memory-limit SIZE ("2GiB", "512MB", "1.5G").
void add_memory_limit_option(CLI::App& app, std::string& limit);
// With a limit set, plans `model_path` with `params` (reading only its metadata) and fails with
// the plan in the message when the predicted peak exceeds the limit, before anything is loaded.
// OK when `limit` is empty.
Status check_memory_limit(const std::string& limit, const std::string& model_path,
                          const model::ContextParams& params);

// Adds -c/--ctx-size, -t/--threads, -b/--batch-size and --kv-type.
void add_context_options(CLI::App& app, ContextOptions& o);
// The model::ContextParams these options ask for (kv type parsed, errors name the option).
Result<model::ContextParams> context_params(const ContextOptions& o);

}  // namespace edgellm::cli
