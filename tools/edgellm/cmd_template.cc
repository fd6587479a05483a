// `edgellm template`: renders a chat template once and prints the result exactly.
//
//   edgellm template -t TEMPLATE_FILE -i INPUT.json
//
// INPUT.json is an object: messages, add_generation_prompt, bos_token, eos_token, optional tools,
// and any other keys, which become template variables (enable_thinking, ...). The output has
// nothing added (no trailing newline). Template errors, including raise_exception, exit 1 with
// "error: ..."; usage errors exit 2.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "chat/chat_format.h"
#include "chat/template.h"
#include "command.h"

namespace {

bool read_file_bytes(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

int run_template(int argc, char** argv) {
  CLI::App app{"Render a chat template with the messages and variables of a JSON file."};
  app.name(argv[0]);
  std::string template_path, input_path;
  app.add_option("-t,--template", template_path, "Jinja chat template file")->required();
  app.add_option("-i,--input", input_path,
                 "JSON object: messages, add_generation_prompt, bos_token, eos_token, tools, ...")
      ->required();
  const int rc = edgellm::cli::parse_args(app, argc, argv);
  if (rc >= 0) return rc;

  std::string source, input_text;
  if (!read_file_bytes(template_path, &source)) {
    return edgellm::cli::fail("cannot read '" + template_path + "'");
  }
  if (!read_file_bytes(input_path, &input_text)) {
    return edgellm::cli::fail("cannot read '" + input_path + "'");
  }
  auto input = nlohmann::ordered_json::parse(input_text, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded() || !input.is_object()) {
    return edgellm::cli::fail("'" + input_path + "' is not a JSON object");
  }
  auto tmpl = edgellm::chat::Template::parse(source);
  if (!tmpl.ok()) return edgellm::cli::fail(template_path + ": " + tmpl.status().message());

  nlohmann::ordered_json messages = input.value("messages", nlohmann::ordered_json::array());
  const bool add_gen = input.value("add_generation_prompt", false);
  const std::string bos = input.value("bos_token", std::string());
  const std::string eos = input.value("eos_token", std::string());
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  const nlohmann::ordered_json* tools = nullptr;
  for (auto it = input.begin(); it != input.end(); ++it) {
    const std::string& k = it.key();
    if (k == "tools") {
      if (!it.value().is_null()) tools = &it.value();
    } else if (k != "messages" && k != "add_generation_prompt" && k != "bos_token" &&
               k != "eos_token") {
      extra[k] = it.value();
    }
  }
  auto out = edgellm::chat::apply_chat_template(*tmpl, messages, add_gen, bos, eos, tools, extra);
  if (!out.ok()) return edgellm::cli::fail(out.status().message());
  std::fwrite(out->data(), 1, out->size(), stdout);
  std::fflush(stdout);
  return 0;
}

edgellm::cli::CommandRegistration reg("template", "Render a chat template", &run_template);

}  // namespace
