// Chat sessions (see session.h).
#include "chat/session.h"

#include <fstream>

#include "base/mapped_file.h"
#include "chat/chat_format.h"

namespace edgellm::chat {
namespace {

// Room kept free for the reply when deciding whether the history fits.
int64_t reply_reserve(int64_t n_ctx, int n_predict) {
  const int64_t want = n_predict > 0 ? n_predict : 256;
  return std::min<int64_t>(want, n_ctx / 4);
}

// True for SentencePiece vocabularies that have no piece for a newline (it can only be spelled
// with the <0x0A> byte-fallback token). Such models were trained with newlines normalized to
// spaces, and a newline ending the generation prompt becomes a lone byte token the model has
// never seen before its reply; the reference runtime's prompt path drops that trailing newline
// too (kjv-chat-7m answers only as the reference does without it).
bool newline_is_byte_only(const tokenizer::Tokenizer& tok) {
  if (tok.type() != tokenizer::VocabType::kSpm) return false;
  for (tokenizer::Token t : tok.encode("\n", false, false)) {
    if (tok.token_to_piece(t) == "\n" && !tok.is_byte(t)) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<ChatSession>> ChatSession::create(std::unique_ptr<model::Context> ctx,
                                                         ChatOptions options) {
  if (!ctx) return make_error(ErrorCode::kInvalidArgument, "no context");
  std::string source = options.template_source;
  if (source.empty()) source = ctx->model().chat_template();
  if (source.empty()) {
    return make_error(ErrorCode::kNotFound,
                      "the model has no chat template (tokenizer.chat_template); give one with "
                      "--chat-template-file");
  }
  Result<Template> t = Template::parse(source);
  if (!t.ok()) return t.status().with_context("chat template");
  EDGELLM_RETURN_IF_ERROR(validate_sampler_params(options.sampling));
  std::unique_ptr<ChatSession> s(new ChatSession());
  s->ctx_ = std::move(ctx);
  s->options_ = std::move(options);
  s->tmpl_ = std::move(t).value();
  s->sampler_ = std::make_unique<Sampler>(s->options_.sampling);
  // Render once now, so a template that cannot render even an empty chat fails early.
  Result<std::string> probe = s->render(true);
  if (!probe.ok()) return probe.status().with_context("chat template");
  return s;
}

Result<std::string> ChatSession::render(bool add_generation_prompt) const {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!options_.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", options_.system}});
  }
  for (const ChatMessage& m : history_) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  const tokenizer::Tokenizer& tok = ctx_->model().tokenizer();
  const std::string bos(tok.bos() >= 0 ? tok.token_to_piece(tok.bos()) : std::string_view());
  const std::string eos(tok.eos() >= 0 ? tok.token_to_piece(tok.eos()) : std::string_view());
  return apply_chat_template(tmpl_, messages, add_generation_prompt, bos, eos, nullptr,
                             nlohmann::ordered_json::object(), options_.render);
}

Result<std::vector<model::Token>> ChatSession::tokenize_history() const {
  EDGELLM_ASSIGN_OR_RETURN(std::string text, render(true));
  const tokenizer::Tokenizer& tok = ctx_->model().tokenizer();
  if (newline_is_byte_only(tok) && !text.empty() && text.back() == '\n') text.pop_back();
  // Templates that write the BOS text themselves must not get a second BOS.
  bool add_special = tok.add_bos();
  if (tok.bos() >= 0) {
    const std::string_view bos = tok.token_to_piece(tok.bos());
    if (!bos.empty() && text.compare(0, bos.size(), bos) == 0) add_special = false;
  }
  return tok.encode(text, add_special, /*parse_special=*/true);
}

Result<GenerateResult> ChatSession::send(const std::string& message,
                                         std::function<bool(std::string_view)> on_text,
                                         const std::atomic<bool>* cancel) {
  history_.push_back({"user", message});
  const int64_t n_ctx = ctx_->n_ctx();
  const int64_t budget = n_ctx - reply_reserve(n_ctx, options_.generate.n_predict);
  std::vector<model::Token> tokens;
  size_t dropped = 0;
  for (;;) {
    Result<std::vector<model::Token>> t = tokenize_history();
    if (!t.ok()) {
      history_.pop_back();
      return t.status();
    }
    tokens = std::move(t).value();
    if (static_cast<int64_t>(tokens.size()) <= budget) break;
    // Drop the oldest turn: everything up to (not including) the next user message.
    if (history_.size() <= 1) {
      history_.pop_back();
      return make_error(ErrorCode::kOutOfRange,
                        "the message needs %zu tokens with the chat template, more than the %lld "
                        "the context of %lld leaves (raise it with -c)",
                        tokens.size(), static_cast<long long>(budget),
                        static_cast<long long>(n_ctx));
    }
    size_t cut = 1;
    while (cut < history_.size() - 1 && history_[cut].role != "user") ++cut;
    dropped += cut;
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(cut));
  }
  if (dropped > 0 && options_.on_notice) {
    options_.on_notice("the conversation no longer fits in the context of " +
                       std::to_string(n_ctx) + " tokens: dropped the " + std::to_string(dropped) +
                       " oldest message(s)" + (options_.system.empty() ? "" : ", kept the system prompt"));
  }

  if (tokens.empty()) {
    history_.pop_back();
    return make_error(ErrorCode::kInvalidArgument, "the chat template rendered no tokens");
  }
  // Reuse the prefix the context already holds; evaluate the rest.
  size_t common = 0;
  while (common < ctx_tokens_.size() && common < tokens.size() &&
         ctx_tokens_[common] == tokens[common]) {
    ++common;
  }
  if (common == tokens.size()) --common;  // at least one token must be evaluated for logits
  if (!ctx_->rewind(static_cast<int64_t>(common)).ok()) {
    ctx_->reset();
    common = 0;
  }
  ctx_tokens_.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(common));
  sampler_->reset();
  for (size_t i = 0; i < common; ++i) sampler_->accept(tokens[i]);
  const std::span<const model::Token> input(tokens.data() + common, tokens.size() - common);
  // A reply's first token often carries the word-separating space (SentencePiece); the reply
  // shown and kept in the history starts at its first non-space character.
  bool started = false;
  Result<GenerateResult> res = generate(
      *ctx_, *sampler_, input, options_.generate,
      [&](std::string_view piece) {
        if (!started) {
          const size_t first = piece.find_first_not_of(" \t\n");
          if (first == std::string_view::npos) return true;
          piece.remove_prefix(first);
          started = true;
        }
        return on_text ? on_text(piece) : true;
      },
      cancel);
  if (!res.ok()) {
    history_.pop_back();
    ctx_->reset();
    ctx_tokens_.clear();
    return res.status();
  }
  ctx_tokens_.insert(ctx_tokens_.end(), input.begin(), input.end());
  const size_t fed = static_cast<size_t>(ctx_->n_past()) - ctx_tokens_.size();
  ctx_tokens_.insert(ctx_tokens_.end(), res->tokens.begin(),
                     res->tokens.begin() + static_cast<std::ptrdiff_t>(fed));
  const size_t first = res->text.find_first_not_of(" \t\n");
  res->text.erase(0, first == std::string::npos ? res->text.size() : first);
  history_.push_back({"assistant", res->text});

  last_.last_prompt_tokens = static_cast<int64_t>(input.size());
  last_.last_reply_tokens = res->n_generated();
  last_.last_prompt_tok_s = res->prompt_ms > 0 ? res->n_prompt * 1000.0 / res->prompt_ms : 0;
  last_.last_gen_tok_s = res->gen_ms > 0 && res->n_generated() > 1
                             ? (res->n_generated() - 1) * 1000.0 / res->gen_ms
                             : 0;
  return res;
}

void ChatSession::reset() {
  history_.clear();
  ctx_->reset();
  ctx_tokens_.clear();
  last_ = {};
}

void ChatSession::set_system(const std::string& system) {
  options_.system = system;
  reset();
}

ChatStats ChatSession::stats() const {
  ChatStats s = last_;
  s.n_ctx = ctx_->n_ctx();
  s.n_past = ctx_->n_past();
  s.turns = 0;
  for (const ChatMessage& m : history_) s.turns += m.role == "user";
  return s;
}

Status ChatSession::save(const std::string& path) const {
  nlohmann::ordered_json j;
  j["system"] = options_.system;
  j["messages"] = nlohmann::ordered_json::array();
  for (const ChatMessage& m : history_) {
    j["messages"].push_back({{"role", m.role}, {"content", m.content}});
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    if (!out) return make_error(ErrorCode::kIoError, "cannot write '%s'", path.c_str());
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return make_error(ErrorCode::kIoError, "cannot write '%s'", path.c_str());
  }
  return Status::Ok();
}

Status ChatSession::load(const std::string& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.status();
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "'%s' is not a JSON object", path.c_str());
  }
  std::vector<ChatMessage> messages;
  if (!j.contains("messages") || !j["messages"].is_array()) {
    return make_error(ErrorCode::kInvalidArgument, "'%s': 'messages' must be an array",
                      path.c_str());
  }
  for (size_t i = 0; i < j["messages"].size(); ++i) {
    const auto& m = j["messages"][i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() ||
        !m.contains("content") || !m["content"].is_string()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "'%s': messages[%zu] needs string 'role' and 'content'", path.c_str(), i);
    }
    const std::string role = m["role"].get<std::string>();
    if (role != "user" && role != "assistant") {
      return make_error(ErrorCode::kInvalidArgument,
                        "'%s': messages[%zu] has role '%s' (user or assistant)", path.c_str(), i,
                        role.c_str());
    }
    messages.push_back({role, m["content"].get<std::string>()});
  }
  std::string system = options_.system;
  if (j.contains("system")) {
    if (!j["system"].is_string()) {
      return make_error(ErrorCode::kInvalidArgument, "'%s': 'system' must be a string",
                        path.c_str());
    }
    system = j["system"].get<std::string>();
  }
  set_system(system);
  history_ = std::move(messages);
  return Status::Ok();
}

}  // namespace edgellm::chat
