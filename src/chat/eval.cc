// Expression evaluation for the template interpreter: names, literals, operators with Python
// semantics, attribute/item access, slicing, calls, filters and tests.
#include <cmath>

#include "chat/interp.h"
#include "chat/utf8.h"

namespace edgellm::chat {
namespace {

Status eval_args(Interp& in, const Expr& e, size_t first, const ScopePtr& scope, CallArgs* args) {
  for (size_t i = first; i < e.children.size(); ++i) {
    EDGELLM_ASSIGN_OR_RETURN(Value v, in.eval(*e.children[i], scope));
    args->pos.push_back(std::move(v));
  }
  for (const auto& kv : e.kwargs) {
    EDGELLM_ASSIGN_OR_RETURN(Value v, in.eval(*kv.second, scope));
    args->kw.emplace_back(kv.first, std::move(v));
  }
  return Status::Ok();
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Result<bool> contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (!item.is_string()) {
        return type_error("'in <string>' requires string as left operand, not " + type_name(item));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::kList:
      for (const auto& v : container.list_obj().items) {
        if (equals(v, item)) return true;
      }
      return false;
    case Kind::kDict:
      return container.dict_obj().find(item) != nullptr;
    case Kind::kUndefined:
      return false;
    default:
      return type_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

Result<Value> binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value::string(to_str(a) + to_str(b));
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  const char o = op[0];
  if (a.is_number() && b.is_number()) {
    const bool fl = a.is_float() || b.is_float();
    if (op == "/") {
      if (b.as_float() == 0)
        return Status(ErrorCode::kInvalidArgument, "ZeroDivisionError: division by zero");
      return Value::real(a.as_float() / b.as_float());
    }
    if (op == "**") {
      if (!fl && b.as_int() >= 0) {
        int64_t r = 1;
        for (int64_t i = 0; i < b.as_int() && i < 64; ++i) r *= a.as_int();
        return Value::integer(r);
      }
      return Value::real(std::pow(a.as_float(), b.as_float()));
    }
    if (op == "//" || o == '%') {
      if (b.as_float() == 0) {
        return Status(ErrorCode::kInvalidArgument,
                      "ZeroDivisionError: integer division or modulo by zero");
      }
      if (fl) {
        const double x = a.as_float(), y = b.as_float();
        const double q = std::floor(x / y);
        return op == "//" ? Value::real(q) : Value::real(x - q * y);
      }
      const int64_t q = floor_div(a.as_int(), b.as_int());
      return op == "//" ? Value::integer(q) : Value::integer(a.as_int() - q * b.as_int());
    }
    if (fl) {
      const double x = a.as_float(), y = b.as_float();
      return Value::real(o == '+' ? x + y : o == '-' ? x - y : x * y);
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return Value::integer(o == '+' ? x + y : o == '-' ? x - y : x * y);
  }
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (!a.is_markup() && !b.is_markup()) return Value::string(a.str() + b.str());
      return Value::markup((a.is_markup() ? a.str() : html_escape(a.str())) +
                           (b.is_markup() ? b.str() : html_escape(b.str())));
    }
    if (a.is_list() && b.is_list() && !a.list_obj().generator && !b.list_obj().generator &&
        a.list_obj().tuple == b.list_obj().tuple) {
      std::vector<Value> items = a.list_obj().items;
      items.insert(items.end(), b.list_obj().items.begin(), b.list_obj().items.end());
      return a.list_obj().tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string())
      return type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
    if (a.is_list())
      return type_error("can only concatenate list (not \"" + type_name(b) + "\") to list");
  }
  if (op == "*") {
    const Value* seq = (a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())   ? &a
                       : (b.is_string() || b.is_list()) && (a.is_int() || a.is_bool()) ? &b
                                                                                       : nullptr;
    if (seq != nullptr && !(seq->is_list() && seq->list_obj().generator)) {
      const int64_t n = std::max<int64_t>(0, (seq == &a ? b : a).as_int());
      const size_t unit = seq->is_string() ? seq->str().size() : seq->list_obj().items.size();
      if (unit != 0 && static_cast<uint64_t>(n) > (64u << 20) / unit) {
        return Status(ErrorCode::kOutOfRange, "template sequence repetition too large");
      }
      if (seq->is_string()) {
        std::string s;
        for (int64_t i = 0; i < n; ++i) s += seq->str();
        return seq->is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
      }
      std::vector<Value> items;
      for (int64_t i = 0; i < n; ++i) {
        items.insert(items.end(), seq->list_obj().items.begin(), seq->list_obj().items.end());
      }
      return Value::list(std::move(items));
    }
  }
  return type_error("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" +
                    type_name(b) + "'");
}

Result<Value> Interp::eval(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      return e.literal;
    case ExprKind::kName: {
      const Value* v = scope->find(e.name);
      if (v == nullptr) return Value::undefined("UndefinedError: '" + e.name + "' is undefined");
      return *v;
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      for (const auto& c : e.children) {
        EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*c, scope));
        items.push_back(std::move(v));
      }
      return e.kind == ExprKind::kList ? Value::list(std::move(items))
                                       : Value::tuple(std::move(items));
    }
    case ExprKind::kDict: {
      Value d = Value::dict();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        EDGELLM_ASSIGN_OR_RETURN(Value k, eval(*e.children[i], scope));
        EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*e.children[i + 1], scope));
        d.dict_obj().set(std::move(k), std::move(v));
      }
      return d;
    }
    case ExprKind::kGetAttr: {
      EDGELLM_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
      if (obj.is_undefined()) return undefined_error(obj);
      return get_attr(obj, e.name);
    }
    case ExprKind::kGetItem: {
      EDGELLM_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
      EDGELLM_ASSIGN_OR_RETURN(Value key, eval(*e.children[1], scope));
      if (obj.is_undefined()) return undefined_error(obj);
      return get_item(obj, key);
    }
    case ExprKind::kSlice: {
      EDGELLM_ASSIGN_OR_RETURN(Value obj, eval(*e.children[0], scope));
      Value parts[3] = {Value::none(), Value::none(), Value::none()};
      for (int i = 0; i < 3; ++i) {
        if (e.children[i + 1]) {
          EDGELLM_ASSIGN_OR_RETURN(parts[i], eval(*e.children[i + 1], scope));
        }
      }
      if (obj.is_undefined()) return undefined_error(obj);
      return slice(obj, parts[0], parts[1], parts[2]);
    }
    case ExprKind::kUnary: {
      EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*e.children[0], scope));
      if (e.name == "not") return Value::boolean(!truthy(v));
      if (v.is_undefined()) return undefined_error(v);
      if (!v.is_number())
        return type_error("bad operand type for unary " + e.name + ": '" + type_name(v) + "'");
      if (e.name == "+") return v.is_float() ? v : Value::integer(v.as_int());
      return v.is_float() ? Value::real(-v.as_float()) : Value::integer(-v.as_int());
    }
    case ExprKind::kBinary: {
      EDGELLM_ASSIGN_OR_RETURN(Value a, eval(*e.children[0], scope));
      if (e.name == "and") {
        if (!truthy(a)) return a;
        return eval(*e.children[1], scope);
      }
      if (e.name == "or") {
        if (truthy(a)) return a;
        return eval(*e.children[1], scope);
      }
      EDGELLM_ASSIGN_OR_RETURN(Value b, eval(*e.children[1], scope));
      return binary_op(e.name, a, b);
    }
    case ExprKind::kCompare: {
      EDGELLM_ASSIGN_OR_RETURN(Value left, eval(*e.children[0], scope));
      for (size_t i = 0; i < e.ops.size(); ++i) {
        EDGELLM_ASSIGN_OR_RETURN(Value right, eval(*e.children[i + 1], scope));
        const std::string& op = e.ops[i];
        bool r;
        if (op == "==") {
          r = equals(left, right);
        } else if (op == "!=") {
          r = !equals(left, right);
        } else if (op == "in" || op == "not in") {
          EDGELLM_ASSIGN_OR_RETURN(r, contains(right, left));
          if (op == "not in") r = !r;
        } else {
          if (left.is_undefined()) return undefined_error(left);
          if (right.is_undefined()) return undefined_error(right);
          EDGELLM_ASSIGN_OR_RETURN(int c, compare(left, right));
          r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
        }
        if (!r) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case ExprKind::kCond: {
      EDGELLM_ASSIGN_OR_RETURN(Value c, eval(*e.children[1], scope));
      if (truthy(c)) return eval(*e.children[0], scope);
      if (e.children[2]) return eval(*e.children[2], scope);
      return Value::undefined(
          "UndefinedError: the inline if-expression evaluated to false and no else section was "
          "defined");
    }
    case ExprKind::kFilter: {
      EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*e.children[0], scope));
      CallArgs args;
      EDGELLM_RETURN_IF_ERROR(eval_args(*this, e, 1, scope, &args));
      return apply_filter(*this, e.name, v, args);
    }
    case ExprKind::kTest: {
      EDGELLM_ASSIGN_OR_RETURN(Value v, eval(*e.children[0], scope));
      CallArgs args;
      EDGELLM_RETURN_IF_ERROR(eval_args(*this, e, 1, scope, &args));
      EDGELLM_ASSIGN_OR_RETURN(bool r, apply_test(*this, e.name, v, args));
      return Value::boolean(r != e.negated);
    }
    case ExprKind::kCall: {
      EDGELLM_ASSIGN_OR_RETURN(Value callee, eval(*e.children[0], scope));
      CallArgs args;
      EDGELLM_RETURN_IF_ERROR(eval_args(*this, e, 1, scope, &args));
      return call(callee, args);
    }
  }
  return Status(ErrorCode::kInternal, "unknown expression");
}

Result<std::vector<Value>> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return std::vector<Value>{};
    case Kind::kList:
      return v.list_obj().items;
    case Kind::kDict: {
      std::vector<Value> keys;
      for (const auto& kv : v.dict_obj().items) keys.push_back(kv.first);
      return keys;
    }
    case Kind::kString: {
      std::vector<Value> chars;
      const std::string& s = v.str();
      size_t pos = 0;
      while (pos < s.size()) {
        const size_t start = pos;
        utf8_next(s, &pos);
        chars.push_back(Value::string(s.substr(start, pos - start)));
      }
      return chars;
    }
    default:
      return type_error("'" + type_name(v) + "' object is not iterable");
  }
}

}  // namespace edgellm::chat
