// Chat templates: a sandboxed Jinja2 interpreter that renders Hugging Face chat templates exactly
// as transformers does (trim_blocks, lstrip_blocks, loop controls, {% generation %}, tojson with
// ensure_ascii off, raise_exception, strftime_now).
//
//   EDGELLM_ASSIGN_OR_RETURN(Template t, Template::parse(source));
//   EDGELLM_ASSIGN_OR_RETURN(std::string text, t.render(context, {}));
//
// A Template is immutable after parse and may be rendered from several threads at once; each
// render owns its values. Errors never abort: a syntax error names the line and column, a
// template's raise_exception(msg) comes back as an error carrying msg, and hostile templates hit
// the recursion, loop and output limits in RenderOptions with a clear error.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgellm::chat {

struct Node;

struct RenderOptions {
  // The date strftime_now() reports, "YYYY-MM-DD" (time of day 00:00:00). Empty: the environment
  // variable EDGELLM_STRFTIME_NOW if set, else the current local time.
  std::string strftime_date;
  size_t max_output_bytes = 64u << 20;    // any one rendered string (output, macro, set block)
  size_t max_loop_iterations = 10000000;  // all loop iterations and range() items together
  int max_call_depth = 200;               // nested macro calls
};

class Template {
 public:
  // Parses Jinja source. Errors: "template syntax error at line L, column C: ...".
  static Result<Template> parse(std::string_view source);

  // Renders with the given variables (a JSON object; ordered_json keeps key order, which tojson
  // and dict iteration show; plain json gives sorted keys). Variables named in `context` shadow
  // the globals (range, namespace, dict, raise_exception, strftime_now).
  Result<std::string> render(const nlohmann::ordered_json& context,
                             const RenderOptions& options = {}) const;
  Result<std::string> render(const nlohmann::json& context,
                             const RenderOptions& options = {}) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace edgellm::chat
