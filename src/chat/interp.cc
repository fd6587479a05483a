// The tree-walking interpreter: statements (output, if, for, set, macro, call, filter blocks)
// and expressions, with Jinja's scoping (a scope per loop iteration and per macro call) and the
// render limits from RenderOptions.
#include "chat/interp.h"

namespace edgellm::chat {

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent.get()) {
    for (auto it = s->vars.rbegin(); it != s->vars.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
  }
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  for (auto& kv : vars) {
    if (kv.first == name) {
      kv.second = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

const Value* arg(const CallArgs& a, size_t i, const char* name) {
  if (i < a.pos.size()) return &a.pos[i];
  if (name != nullptr) {
    for (const auto& kv : a.kw) {
      if (kv.first == name) return &kv.second;
    }
  }
  return nullptr;
}

Status undefined_error(const Value& v) {
  return make_error(ErrorCode::kInvalidArgument, "%s",
                    v.str().empty() ? "UndefinedError: value is undefined" : v.str().c_str());
}

Status type_error(const std::string& msg) {
  return Status(ErrorCode::kInvalidArgument, "TypeError: " + msg);
}

Status Interp::count_iterations(size_t n) {
  iterations_ += n;
  if (iterations_ > opt_.max_loop_iterations) {
    return make_error(ErrorCode::kOutOfRange, "template exceeded the limit of %zu loop iterations",
                      opt_.max_loop_iterations);
  }
  return Status::Ok();
}

Status Interp::append(std::string* out, const std::string& s) {
  if (out->size() + s.size() > opt_.max_output_bytes) {
    return make_error(ErrorCode::kOutOfRange, "template output exceeded the limit of %zu bytes",
                      opt_.max_output_bytes);
  }
  out->append(s);
  return Status::Ok();
}

Status Interp::render(const NodeList& nodes, const ScopePtr& scope, std::string* out, Flow* flow) {
  for (const auto& n : nodes) {
    Status st = render_node(*n, scope, out, flow);
    if (!st.ok()) {
      if (!located_) {
        located_ = true;
        return st.with_context(strfmt("template error at line %d, column %d", n->line, n->col));
      }
      return st;
    }
    if (*flow != Flow::kNormal) return Status::Ok();
  }
  return Status::Ok();
}

Status Interp::assign(const Node& n, const ScopePtr& scope, Value v) {
  if (!n.attr.empty()) {
    const Value* ns = scope->find(n.targets[0]);
    if (ns == nullptr || !ns->is_namespace()) {
      return Status(ErrorCode::kInvalidArgument,
                    "TemplateRuntimeError: cannot assign attribute on non-namespace object");
    }
    ns->dict_obj().set(Value::string(n.attr), std::move(v));
    return Status::Ok();
  }
  if (n.targets.size() == 1) {
    scope->set(n.targets[0], std::move(v));
    return Status::Ok();
  }
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
  if (items.size() != n.targets.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ValueError: cannot unpack %zu values into %zu names", items.size(),
                      n.targets.size());
  }
  for (size_t i = 0; i < items.size(); ++i) scope->set(n.targets[i], std::move(items[i]));
  return Status::Ok();
}

Status Interp::render_node(const Node& n, const ScopePtr& scope, std::string* out, Flow* flow) {
  switch (n.kind) {
    case NodeKind::kText:
      return append(out, n.text);
    case NodeKind::kOutput: {
      EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*n.expr, scope));
      return append(out, to_str(v));
    }
    case NodeKind::kIf:
      for (const auto& br : n.branches) {
        bool take = true;
        if (br.cond) {
          EDGELLM_ASSIGN_OR_RETURN(Value c, eval(*br.cond, scope));
          take = truthy(c);
        }
        if (take) return render(br.body, scope, out, flow);
      }
      return Status::Ok();
    case NodeKind::kFor:
      return render_for(n, scope, out);
    case NodeKind::kSet: {
      EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*n.expr, scope));
      return assign(n, scope, std::move(v));
    }
    case NodeKind::kSetBlock:
    case NodeKind::kFilterBlock: {
      std::string body;
      Flow inner = Flow::kNormal;
      EDGELLM_RETURN_IF_ERROR(render(n.body, scope, &body, &inner));
      Value v = Value::string(std::move(body));
      for (const auto& f : n.filters) {
        CallArgs args;
        for (size_t i = 1; i < f->children.size(); ++i) {
          EDGELLM_ASSIGN_OR_RETURN(Value a, eval(*f->children[i], scope));
          args.pos.push_back(std::move(a));
        }
        for (const auto& kv : f->kwargs) {
          EDGELLM_ASSIGN_OR_RETURN(Value a, eval(*kv.second, scope));
          args.kw.emplace_back(kv.first, std::move(a));
        }
        EDGELLM_ASSIGN_OR_RETURN(v, apply_filter(*this, f->name, v, args));
      }
      if (n.kind == NodeKind::kSetBlock) return assign(n, scope, std::move(v));
      return append(out, to_str(v));
    }
    case NodeKind::kMacro:
      scope->set(n.text, make_macro(n, scope));
      return Status::Ok();
    case NodeKind::kCallBlock: {
      const Expr& call = *n.expr;
      EDGELLM_ASSIGN_OR_RETURN(Value callee, eval(*call.children[0], scope));
      CallArgs args;
      for (size_t i = 1; i < call.children.size(); ++i) {
        EDGELLM_ASSIGN_OR_RETURN(Value a, eval(*call.children[i], scope));
        args.pos.push_back(std::move(a));
      }
      for (const auto& kv : call.kwargs) {
        EDGELLM_ASSIGN_OR_RETURN(Value a, eval(*kv.second, scope));
        args.kw.emplace_back(kv.first, std::move(a));
      }
      args.kw.emplace_back("caller", make_macro(n, scope, &n));
      EDGELLM_ASSIGN_OR_RETURN(Value r, this->call(callee, args));
      return append(out, to_str(r));
    }
    case NodeKind::kWith: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope;
      for (size_t i = 0; i < n.targets.size(); ++i) {
        EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*n.defaults[i], scope));
        inner->set(n.targets[i], std::move(v));
      }
      return render(n.body, inner, out, flow);
    }
    case NodeKind::kScope:
      return render(n.body, scope, out, flow);
    case NodeKind::kBreak:
      *flow = Flow::kBreak;
      return Status::Ok();
    case NodeKind::kContinue:
      *flow = Flow::kContinue;
      return Status::Ok();
  }
  return Status::Ok();
}

Status Interp::render_for(const Node& n, const ScopePtr& scope, std::string* out) {
  EDGELLM_ASSIGN_OR_RETURN(Value seq, eval(*n.expr, scope));
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(seq));
  Node target;  // reuses assign() for unpacking
  target.targets = n.targets;
  if (n.cond) {
    std::vector<Value> kept;
    for (auto& item : items) {
      EDGELLM_RETURN_IF_ERROR(count_iterations(1));
      auto s = std::make_shared<Scope>();
      s->parent = scope;
      EDGELLM_RETURN_IF_ERROR(assign(target, s, item));
      EDGELLM_ASSIGN_OR_RETURN(Value c, eval(*n.cond, s));
      if (truthy(c)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    Flow flow = Flow::kNormal;
    return render(n.else_body, scope, out, &flow);
  }
  const int64_t len = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < len; ++i) {
    EDGELLM_RETURN_IF_ERROR(count_iterations(1));
    auto s = std::make_shared<Scope>();
    s->parent = scope;
    Value loop = Value::dict();
    auto& d = loop.dict_obj();
    auto put = [&](const char* k, Value v) {
      d.items.emplace_back(Value::string(k), std::move(v));
    };
    put("index", Value::integer(i + 1));
    put("index0", Value::integer(i));
    put("revindex", Value::integer(len - i));
    put("revindex0", Value::integer(len - i - 1));
    put("first", Value::boolean(i == 0));
    put("last", Value::boolean(i == len - 1));
    put("length", Value::integer(len));
    put("depth", Value::integer(1));
    put("depth0", Value::integer(0));
    put("previtem", i > 0 ? items[i - 1] : Value::undefined("'loop.previtem' is undefined"));
    put("nextitem", i + 1 < len ? items[i + 1] : Value::undefined("'loop.nextitem' is undefined"));
    put("cycle", Value::callable("loop.cycle", [i](const CallArgs& a) -> Result<Value> {
          if (a.pos.empty()) return type_error("no items for cycling given");
          return a.pos[static_cast<size_t>(i) % a.pos.size()];
        }));
    s->set("loop", std::move(loop));
    EDGELLM_RETURN_IF_ERROR(assign(target, s, items[i]));
    Flow flow = Flow::kNormal;
    EDGELLM_RETURN_IF_ERROR(render(n.body, s, out, &flow));
    if (flow == Flow::kBreak) break;
  }
  return Status::Ok();
}

Value Interp::make_macro(const Node& n, const ScopePtr& scope, const Node* caller_of) {
  const Node* node = &n;
  std::weak_ptr<Scope> weak_def = scope;
  // A macro defined at some scope keeps that scope alive only through the scope itself holding
  // the macro; the closure holds a weak reference to avoid a reference cycle.
  ScopePtr strong = caller_of != nullptr ? scope : nullptr;
  return Value::callable(
      caller_of ? "caller" : n.text,
      [this, node, weak_def, strong](const CallArgs& a) -> Result<Value> {
        ScopePtr def = strong ? strong : weak_def.lock();
        if (!def) return Status(ErrorCode::kInternal, "macro called after its scope ended");
        if (call_depth_ >= opt_.max_call_depth) {
          return make_error(ErrorCode::kOutOfRange,
                            "template exceeded the limit of %d nested macro calls",
                            opt_.max_call_depth);
        }
        auto s = std::make_shared<Scope>();
        s->parent = def;
        const auto& params = node->targets;
        std::vector<Value> extra_pos;
        for (size_t i = 0; i < a.pos.size(); ++i) {
          if (i < params.size()) {
            s->set(params[i], a.pos[i]);
          } else {
            extra_pos.push_back(a.pos[i]);
          }
        }
        Value kwargs = Value::dict();
        for (const auto& kv : a.kw) {
          bool is_param = false;
          for (const auto& p : params) is_param |= p == kv.first;
          if (is_param || kv.first == "caller") {
            s->set(kv.first, kv.second);
          } else {
            kwargs.dict_obj().set(Value::string(kv.first), kv.second);
          }
        }
        for (size_t i = 0; i < params.size(); ++i) {
          bool bound = false;
          for (const auto& kv : s->vars) bound |= kv.first == params[i];
          if (bound) continue;
          if (node->defaults[i]) {
            EDGELLM_ASSIGN_OR_RETURN(Value d, eval(*node->defaults[i], s));
            s->set(params[i], std::move(d));
          } else {
            s->set(params[i], Value::undefined("'" + params[i] + "' is undefined"));
          }
        }
        s->set("varargs", Value::tuple(std::move(extra_pos)));
        s->set("kwargs", std::move(kwargs));
        ++call_depth_;
        std::string out;
        Flow flow = Flow::kNormal;
        Status st = render(node->body, s, &out, &flow);
        --call_depth_;
        EDGELLM_RETURN_IF_ERROR(st);
        return Value::string(std::move(out));
      });
}

Result<Value> Interp::call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) return undefined_error(callee);
  if (!callee.is_callable())
    return type_error("'" + type_name(callee) + "' object is not callable");
  return callee.callable_obj().fn(args);
}

}  // namespace edgellm::chat
