// `edgellm tokenize`: prints the token ids a model's tokenizer gives for a text.
//
//   edgellm tokenize -m MODEL [--no-bos] [--no-parse-special] [--json] (-p TEXT | -f FILE)
//
// -p text goes through backslash escapes (\n, \t, \x41, ...) as llama.cpp's tools read it, unless
// --no-escape; -f reads the file's bytes exactly. Output: "[1, 2, 3]", or with --json an object
// with the ids and each token's piece.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "gguf/file.h"
#include "tokenizer/escapes.h"
#include "tokenizer/tokenizer.h"

namespace {

using edgellm::tokenizer::Token;
using edgellm::tokenizer::Tokenizer;

bool read_file_bytes(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int run_tokenize(int argc, char** argv) {
  CLI::App app{"Print the token ids of a text under a model's tokenizer."};
  app.name(argv[0]);
  std::string model, prompt, file;
  bool no_bos = false, no_parse_special = false, json = false, no_escape = false;
  app.add_option("-m,--model", model, "GGUF file (a model or a vocabulary-only file)")->required();
  auto* p_opt = app.add_option("-p,--prompt", prompt, "text to tokenize");
  auto* f_opt = app.add_option("-f,--file", file, "file whose bytes are tokenized exactly");
  p_opt->excludes(f_opt);
  f_opt->excludes(p_opt);
  app.add_flag("--no-bos", no_bos, "do not add the BOS/EOS tokens the model asks for");
  app.add_flag("--no-parse-special", no_parse_special,
               "tokenize special-token text such as <|im_start|> as plain text");
  app.add_flag("--json", json, "print {\"ids\": [...], \"pieces\": [...]}");
  app.add_flag("--no-escape", no_escape, "take -p text literally (no \\n, \\t, \\xHH escapes)");
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;
  if (p_opt->count() == 0 && f_opt->count() == 0) {
    std::fprintf(stderr, "error: give the text with -p TEXT or -f FILE\nRun '%s --help' for usage.\n",
                 app.get_name().c_str());
    return 2;
  }

  std::string text;
  if (f_opt->count() > 0) {
    if (!read_file_bytes(file, &text)) return edgellm::cli::fail("cannot read '" + file + "'");
  } else {
    text = no_escape ? prompt : edgellm::tokenizer::process_escapes(prompt);
  }

  auto gguf = edgellm::gguf::File::open(model);
  if (!gguf.ok()) return edgellm::cli::fail(gguf.status().message());
  auto tok = Tokenizer::load(*gguf);
  if (!tok.ok()) return edgellm::cli::fail(tok.status().message());

  const std::vector<Token> ids = tok->encode(text, /*add_special=*/!no_bos, !no_parse_special);
  if (json) {
    nlohmann::json out;
    out["ids"] = ids;
    nlohmann::json pieces = nlohmann::json::array();
    for (Token id : ids) pieces.push_back(std::string(tok->token_to_piece(id)));
    out["pieces"] = std::move(pieces);
    // A piece can be part of a UTF-8 character (byte tokens); JSON shows it as U+FFFD.
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::string line = "[";
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) line += ", ";
      line += std::to_string(ids[i]);
    }
    line += "]\n";
    std::fputs(line.c_str(), stdout);
  }
  return 0;
}

edgellm::cli::CommandRegistration reg("tokenize", "Print the token ids of a text", &run_tokenize);

}  // namespace
