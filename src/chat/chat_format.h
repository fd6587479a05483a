// Formatting a conversation with a model's chat template, setting the variables exactly as Hugging
// Face transformers' apply_chat_template does: messages, add_generation_prompt, bos_token,
// eos_token, tools (null when there are none), documents (null), plus any extra variables.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "chat/template.h"

namespace edgellm::chat {

// `tools` null passes tools=None as transformers does. `extra_vars` (a JSON object, or null) adds
// template variables such as enable_thinking; they override the ones above. Key order inside the
// JSON values is kept (tojson shows it).
Result<std::string> apply_chat_template(
    const Template& tmpl, const nlohmann::ordered_json& messages, bool add_generation_prompt,
    const std::string& bos_token, const std::string& eos_token, const nlohmann::ordered_json* tools,
    const nlohmann::ordered_json& extra_vars, const RenderOptions& options = {});

}  // namespace edgellm::chat
