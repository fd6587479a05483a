// A multi-turn chat over one model Context: the conversation is rendered with the model's chat
// template every turn, and only the tokens that differ from what the context already holds are
// evaluated (the shared prefix is kept). When the history no longer fits, the oldest turns are
// dropped (the system prompt stays) and a notice says so; a single message that cannot fit is an
// error. Not thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/template.h"
#include "model/context.h"
#include "runtime/generate.h"
#include "runtime/sampler.h"

namespace edgellm::chat {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant"
  std::string content;
};

struct ChatOptions {
  SamplerParams sampling;
  GenerateParams generate;       // n_predict (-1: until end of turn), stop strings
  std::string system;            // system prompt ("" for none)
  std::string template_source;   // "": the model's tokenizer.chat_template
  RenderOptions render;
  // Called with a one-line notice (history truncated, ...). Default: none.
  std::function<void(const std::string&)> on_notice;
};

struct ChatStats {
  int64_t n_ctx = 0;
  int64_t n_past = 0;            // tokens in the context now
  int64_t turns = 0;             // user messages in the history
  int64_t last_prompt_tokens = 0;  // tokens evaluated for the last message (after reuse)
  int64_t last_reply_tokens = 0;
  double last_prompt_tok_s = 0;
  double last_gen_tok_s = 0;
};

class ChatSession {
 public:
  // Fails when the model has no chat template and none was given, or the template does not parse.
  static Result<std::unique_ptr<ChatSession>> create(std::unique_ptr<model::Context> ctx,
                                                     ChatOptions options);

  // Adds a user message, generates the reply (streamed to `on_text`), and adds the reply to the
  // history. Cancelling (on_text returning false or *cancel) keeps the partial reply.
  Result<GenerateResult> send(const std::string& message,
                              std::function<bool(std::string_view)> on_text,
                              const std::atomic<bool>* cancel = nullptr);

  void reset();                                // forget the conversation (keeps the system prompt)
  void set_system(const std::string& system);  // replaces the system prompt and resets
  const std::vector<ChatMessage>& history() const { return history_; }
  const std::string& system() const { return options_.system; }

  // The conversation as JSON: {"system": ..., "messages": [{"role", "content"}...]}.
  Status save(const std::string& path) const;
  Status load(const std::string& path);  // replaces the history; errors name the file and field

  ChatStats stats() const;
  // The text the template renders for the current history (+ generation prompt), for tests.
  Result<std::string> render(bool add_generation_prompt) const;

 private:
  ChatSession() = default;
  Result<std::vector<model::Token>> tokenize_history() const;

  std::unique_ptr<model::Context> ctx_;
  ChatOptions options_;
  Template tmpl_;
  std::unique_ptr<Sampler> sampler_;
  std::vector<ChatMessage> history_;          // user and assistant turns (no system)
  std::vector<model::Token> ctx_tokens_;      // what the context holds, token for token
  ChatStats last_;
};

}  // namespace edgellm::chat
