// Template::parse and Template::render: the public face of the interpreter.
#include "chat/template.h"

#include "chat/interp.h"
#include "chat/parser.h"

namespace edgellm::chat {

struct Template::Impl {
  NodeList body;
};

Result<Template> Template::parse(std::string_view source) {
  EDGELLM_ASSIGN_OR_RETURN(NodeList body, parse_template(source));
  auto impl = std::make_shared<Impl>();
  impl->body = std::move(body);
  Template t;
  t.impl_ = std::move(impl);
  return t;
}

namespace {

Result<std::string> render_value(const NodeList& body, const Value& ctx, const RenderOptions& opt) {
  if (!ctx.is_dict()) {
    return Status(ErrorCode::kInvalidArgument, "template context must be a JSON object");
  }
  Interp in(opt);
  auto root = std::make_shared<Scope>();
  add_globals(in, root.get());
  auto top = std::make_shared<Scope>();
  top->parent = root;
  for (const auto& kv : ctx.dict_obj().items) top->set(kv.first.str(), kv.second);
  std::string out;
  Flow flow = Flow::kNormal;
  EDGELLM_RETURN_IF_ERROR(in.render(body, top, &out, &flow));
  return out;
}

}  // namespace

Result<std::string> Template::render(const nlohmann::ordered_json& context,
                                     const RenderOptions& options) const {
  if (!impl_) return Status(ErrorCode::kInvalidArgument, "template was not parsed");
  return render_value(impl_->body, from_json(context), options);
}

Result<std::string> Template::render(const nlohmann::json& context,
                                     const RenderOptions& options) const {
  if (!impl_) return Status(ErrorCode::kInvalidArgument, "template was not parsed");
  return render_value(impl_->body, from_json(context), options);
}

}  // namespace edgellm::chat
