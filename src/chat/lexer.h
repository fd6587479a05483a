// Lexer for Jinja templates as transformers configures them: trim_blocks and lstrip_blocks on,
// '-' and '+' whitespace control, comments dropped, {% raw %} bodies kept as text. Produces one
// flat token stream; text between tags is already whitespace-adjusted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgellm::chat {

enum class TokKind {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // value holds the decoded contents
  kInt,
  kFloat,
  kOp,  // value holds the operator: "+", "//", "(", ...
  kEof,
};

struct Token {
  TokKind kind;
  std::string value;
  int line = 0;
  int col = 0;
};

Result<std::vector<Token>> lex_template(std::string_view src);

}  // namespace edgellm::chat
