// `edgellm chat`: talk to a chat model with its own chat template.
//
//   edgellm chat -m MODEL [--system TEXT] [-p MESSAGE] [--chat-template-file FILE]
//                [-n N] [-c CTX] [-t THREADS] [--temp T] ... (the sampling options of `run`)
//
// On a terminal: a REPL with line editing and history, streaming replies; /reset, /system TEXT,
// /save FILE, /load FILE, /stats, /help; Ctrl-C stops a reply, Ctrl-D leaves. With -p: one reply
// and exit. With stdin not a terminal: one user message per line, one reply per line on stdout.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <readline/history.h>
#include <readline/readline.h>

#include "base/mapped_file.h"
#include "chat/session.h"
#include "command.h"
#include "model_options.h"
#include "sampling_options.h"

namespace {

using edgellm::chat::ChatSession;

std::atomic<bool> g_cancel{false};
void on_sigint(int) { g_cancel = true; }

bool print_piece(std::string_view piece) {
  std::fwrite(piece.data(), 1, piece.size(), stdout);
  std::fflush(stdout);
  return true;
}

// Sends one message; prints the reply (streamed) and a newline. Returns false on a hard error.
bool reply(ChatSession& s, const std::string& message) {
  g_cancel = false;
  auto res = s.send(message, print_piece, &g_cancel);
  if (!res.ok()) {
    std::fprintf(stderr, "error: %s\n", res.status().message().c_str());
    return false;
  }
  std::fputc('\n', stdout);
  if (res->reason == edgellm::StopReason::kCancelled) std::fprintf(stderr, "[stopped]\n");
  if (res->reason == edgellm::StopReason::kContextFull) {
    std::fprintf(stderr, "[the reply filled the context]\n");
  }
  std::fflush(stdout);
  return true;
}

void print_stats(const ChatSession& s) {
  const edgellm::chat::ChatStats st = s.stats();
  std::fprintf(stderr,
               "context: %lld of %lld tokens | turns: %lld | last message: %lld tokens at %.1f "
               "tokens/s | last reply: %lld tokens at %.1f tokens/s\n",
               static_cast<long long>(st.n_past), static_cast<long long>(st.n_ctx),
               static_cast<long long>(st.turns), static_cast<long long>(st.last_prompt_tokens),
               st.last_prompt_tok_s, static_cast<long long>(st.last_reply_tokens),
               st.last_gen_tok_s);
}

// Handles a /command; returns false if the line was not one.
bool command(ChatSession& s, const std::string& line) {
  if (line.empty() || line[0] != '/') return false;
  const size_t sp = line.find(' ');
  const std::string cmd = line.substr(0, sp);
  const std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);
  if (cmd == "/reset") {
    s.reset();
    std::fprintf(stderr, "[conversation reset]\n");
  } else if (cmd == "/system") {
    s.set_system(arg);
    std::fprintf(stderr, "[system prompt set; conversation reset]\n");
  } else if (cmd == "/save" || cmd == "/load") {
    if (arg.empty()) {
      std::fprintf(stderr, "usage: %s FILE\n", cmd.c_str());
      return true;
    }
    const edgellm::Status st = cmd == "/save" ? s.save(arg) : s.load(arg);
    if (!st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.message().c_str());
    } else {
      std::fprintf(stderr, "[%s %s: %zu messages]\n", cmd == "/save" ? "saved" : "loaded",
                   arg.c_str(), s.history().size());
    }
  } else if (cmd == "/stats") {
    print_stats(s);
  } else if (cmd == "/help") {
    std::fprintf(stderr,
                 "/reset  /system TEXT  /save FILE  /load FILE  /stats  /help; Ctrl-C stops a "
                 "reply, Ctrl-D leaves\n");
  } else {
    return false;  // not a command we know: send it as text
  }
  return true;
}

int repl(ChatSession& s) {
  std::fprintf(stderr, "edgellm chat: type a message; /help for commands, Ctrl-D to leave.\n");
  for (;;) {
    g_cancel = false;
    char* raw = readline("> ");
    if (raw == nullptr) {  // Ctrl-D
      std::fputc('\n', stderr);
      return 0;
    }
    std::string line(raw);
    std::free(raw);
    if (line.empty()) continue;
    add_history(line.c_str());
    if (command(s, line)) continue;
    reply(s, line);
  }
}

int run_chat(int argc, char** argv) {
  CLI::App app{"Chat with a model, using its own chat template."};
  app.name(argv[0]);
  std::string model_path, message, template_file;
  edgellm::chat::ChatOptions opts;
  opts.generate.n_predict = -1;
  edgellm::cli::ContextOptions co;
  app.add_option("-m,--model", model_path, "GGUF chat model")->required();
  app.add_option("--system", opts.system, "system prompt");
  auto* p_opt = app.add_option("-p,--prompt", message, "one message: print the reply and exit");
  app.add_option("--chat-template-file", template_file,
                 "Jinja chat template to use instead of the model's");
  app.add_option("-n,--n-predict", opts.generate.n_predict,
                 "tokens per reply at most (default -1: until end of turn)");
  app.add_option("--stop", opts.generate.stop, "also stop a reply at this text (repeatable)");
  edgellm::cli::add_context_options(app, co);
  edgellm::cli::add_sampling_options(app, opts.sampling);
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;
  if (auto st = edgellm::validate_sampler_params(opts.sampling); !st.ok()) {
    return edgellm::cli::fail(st.message());
  }
  if (!template_file.empty()) {
    auto t = edgellm::read_file(template_file);
    if (!t.ok()) return edgellm::cli::fail("cannot read chat template '" + template_file + "'");
    opts.template_source = *t;
  }
  opts.on_notice = [](const std::string& notice) {
    std::fprintf(stderr, "[notice: %s]\n", notice.c_str());
  };
  auto params = edgellm::cli::context_params(co);
  if (!params.ok()) return edgellm::cli::fail(params.status().message());
  auto model = edgellm::model::Model::load(model_path);
  if (!model.ok()) return edgellm::cli::fail(model.status().message());
  auto ctx = edgellm::model::Context::create(*model, *params);
  if (!ctx.ok()) return edgellm::cli::fail(ctx.status().message());
  auto session = ChatSession::create(std::move(ctx).value(), opts);
  if (!session.ok()) return edgellm::cli::fail(session.status().message());
  ChatSession& s = **session;

  std::signal(SIGINT, on_sigint);
  if (p_opt->count() > 0) return reply(s, message) ? 0 : 1;
  if (isatty(STDIN_FILENO)) return repl(s);
  // Scripted: one message per line.
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!reply(s, line)) status = 1;
  }
  return status;
}

edgellm::cli::CommandRegistration reg("chat", "Chat with a model (REPL, one-shot or piped)",
                                      &run_chat);

}  // namespace
