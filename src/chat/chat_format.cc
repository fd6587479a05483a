// apply_chat_template: builds the template context as transformers does and renders it.
#include "chat/chat_format.h"

namespace edgellm::chat {

Result<std::string> apply_chat_template(
    const Template& tmpl, const nlohmann::ordered_json& messages, bool add_generation_prompt,
    const std::string& bos_token, const std::string& eos_token, const nlohmann::ordered_json* tools,
    const nlohmann::ordered_json& extra_vars, const RenderOptions& options) {
  if (!messages.is_array()) {
    return Status(ErrorCode::kInvalidArgument, "chat messages must be a JSON array");
  }
  if (!extra_vars.is_null() && !extra_vars.is_object()) {
    return Status(ErrorCode::kInvalidArgument, "extra template variables must be a JSON object");
  }
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["messages"] = messages;
  ctx["tools"] = tools != nullptr ? *tools : nlohmann::ordered_json(nullptr);
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = add_generation_prompt;
  ctx["bos_token"] = bos_token;
  ctx["eos_token"] = eos_token;
  if (extra_vars.is_object()) {
    for (auto it = extra_vars.begin(); it != extra_vars.end(); ++it) ctx[it.key()] = it.value();
  }
  return tmpl.render(ctx, options);
}

}  // namespace edgellm::chat
