// Shared model and prompt options (see model_options.h).
#include "model_options.h"

#include "base/mapped_file.h"
#include "plan/planner.h"
#include "plan/size.h"
#include "tokenizer/escapes.h"

namespace edgellm::cli {

void add_prompt_options(CLI::App& app, PromptOptions& o) {
  o.p_opt = app.add_option("-p,--prompt", o.prompt, "prompt text (\\n, \\t, \\xHH escapes apply)");
  o.f_opt = app.add_option("-f,--file", o.file, "file whose bytes are the prompt");
  o.p_opt->excludes(o.f_opt);
  o.f_opt->excludes(o.p_opt);
  app.add_flag("--no-escape", o.no_escape, "take -p text literally");
}

Result<std::string> read_prompt(const PromptOptions& o, bool required) {
  if (o.f_opt != nullptr && o.f_opt->count() > 0) {
    Result<std::string> text = read_file(o.file);
    if (!text.ok()) return text.status().with_context("cannot read prompt file '" + o.file + "'");
    return text;
  }
  if (o.p_opt != nullptr && o.p_opt->count() > 0) {
    return o.no_escape ? o.prompt : tokenizer::process_escapes(o.prompt);
  }
  if (required) {
    return make_error(ErrorCode::kInvalidArgument, "give the prompt with -p TEXT or -f FILE");
  }
  return std::string();
}

void add_memory_limit_option(CLI::App& app, std::string& limit) {
  app.add_option("--memory-limit", limit,
                 "refuse to load the model if its planned peak memory exceeds this (2GiB, 512MB)");
}

Status check_memory_limit(const std::string& limit, const std::string& model_path,
                          const model::ContextParams& params) {
  if (limit.empty()) return Status::Ok();
  Result<uint64_t> bytes = plan::parse_size(limit);
  if (!bytes.ok()) return bytes.status().with_context("--memory-limit");
  return plan::check_memory_limit(model_path, params, *bytes);
}

void add_context_options(CLI::App& app, ContextOptions& o) {
  app.add_option("-c,--ctx-size", o.n_ctx,
                 "context size in tokens (default: the model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-t,--threads", o.n_threads, "threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-b,--batch-size", o.n_batch, "tokens per forward step (default 512)")
      ->check(CLI::PositiveNumber);
  app.add_option("--kv-type", o.kv_type, "KV cache type: f16 (default) or q8_0");
}

Result<model::ContextParams> context_params(const ContextOptions& o) {
  model::ContextParams p;
  p.n_ctx = o.n_ctx;
  p.n_threads = o.n_threads;
  p.n_batch = o.n_batch;
  std::optional<TensorType> kv = tensor_type_from_name(o.kv_type);
  if (!kv || (*kv != TensorType::F16 && *kv != TensorType::Q8_0)) {
    return make_error(ErrorCode::kInvalidArgument, "--kv-type '%s' is not f16 or q8_0",
                      o.kv_type.c_str());
  }
  p.kv_type = *kv;
  return p;
}

}  // namespace edgellm::cli
