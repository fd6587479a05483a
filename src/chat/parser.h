// Parser for Jinja templates: token stream (lexer.h) to syntax tree (ast.h). Errors name the
// line and column of the offending token.
#pragma once

#include <string_view>

#include "base/status.h"
#include "chat/ast.h"

namespace edgellm::chat {

Result<NodeList> parse_template(std::string_view source);

}  // namespace edgellm::chat
