// Python semantics for template values: truthiness, str/repr, equality, ordering, and
// json.dumps-compatible serialization.
#include "chat/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/utf8.h"

namespace edgellm::chat {

Value Value::undefined(std::string hint) {
  Value v;
  v.s_ = std::move(hint);
  return v;
}
Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
Value Value::real(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.d_ = d;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
Value Value::markup(std::string s) {
  Value v = string(std::move(s));
  v.b_ = true;
  return v;
}
Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  auto obj = std::make_shared<ListObj>();
  obj->items = std::move(items);
  v.obj_ = std::move(obj);
  return v;
}
Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.list_obj().tuple = true;
  return v;
}
Value Value::generator(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.list_obj().generator = true;
  return v;
}
Value Value::dict() {
  Value v;
  v.kind_ = Kind::kDict;
  v.obj_ = std::make_shared<DictObj>();
  return v;
}
Value Value::namespace_() {
  Value v = dict();
  v.kind_ = Kind::kNamespace;
  return v;
}
Value Value::callable(std::string name, NativeFn fn) {
  Value v;
  v.kind_ = Kind::kCallable;
  auto obj = std::make_shared<CallableObj>();
  obj->name = std::move(name);
  obj->fn = std::move(fn);
  v.obj_ = std::move(obj);
  return v;
}

ListObj& Value::list_obj() const { return *static_cast<ListObj*>(obj_.get()); }
DictObj& Value::dict_obj() const { return *static_cast<DictObj*>(obj_.get()); }
CallableObj& Value::callable_obj() const { return *static_cast<CallableObj*>(obj_.get()); }

const Value* DictObj::find(const Value& key) const {
  for (const auto& kv : items) {
    if (equals(kv.first, key)) return &kv.second;
  }
  return nullptr;
}
const Value* DictObj::find(std::string_view key) const {
  for (const auto& kv : items) {
    if (kv.first.is_string() && kv.first.str() == key) return &kv.second;
  }
  return nullptr;
}
void DictObj::set(Value key, Value value) {
  for (auto& kv : items) {
    if (equals(kv.first, key)) {
      kv.second = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}
bool DictObj::erase(const Value& key) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (equals(items[i].first, key)) {
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return v.as_bool();
    case Kind::kInt:
      return v.as_int() != 0;
    case Kind::kFloat:
      return v.as_float() != 0.0;
    case Kind::kString:
      return !v.str().empty();
    case Kind::kList:
      return v.list_obj().generator || !v.list_obj().items.empty();
    case Kind::kDict:
      return !v.dict_obj().items.empty();
    case Kind::kNamespace:
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kList:
      return v.list_obj().generator ? "generator" : v.list_obj().tuple ? "tuple" : "list";
    case Kind::kDict:
      return "dict";
    case Kind::kNamespace:
      return "Namespace";
    case Kind::kCallable:
      return "function";
  }
  return "object";
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // [-]d[.ddd]e[+-]XX
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  const int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  const int nd = static_cast<int>(digits.size());
  std::string out;
  if (exp >= -5 + 1 && exp < 16) {  // Python repr: fixed when -4 <= exp < 16
    if (exp >= 0) {
      if (nd <= exp + 1) {
        out = digits + std::string(exp + 1 - nd, '0') + ".0";
      } else {
        out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
      }
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (nd > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += eb;
  }
  return sign + out;
}

namespace {

std::string str_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char q = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, q);
  size_t pos = 0;
  while (pos < s.size()) {
    const uint32_t cp = utf8_next(s, &pos);
    char buf[16];
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == static_cast<uint32_t>(q)) {
      out += '\\';
      out += q;
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (py_isprintable(cp)) {
      utf8_append(&out, cp);
    } else {
      if (cp < 0x100) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      } else if (cp < 0x10000) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      } else {
        std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
      }
      out += buf;
    }
  }
  out += q;
  return out;
}

}  // namespace

std::string to_repr(const Value& v) {
  // A namespace can hold itself; Python prints such cycles as "...".
  static thread_local int depth = 0;
  if (depth > 200) return "...";
  struct Guard {
    Guard() { ++depth; }
    ~Guard() { --depth; }
  } guard;
  switch (v.kind()) {
    case Kind::kString:
      return str_repr(v.str());
    case Kind::kList: {
      const ListObj& l = v.list_obj();
      if (l.generator) return "<generator object at 0x0>";
      std::string out = l.tuple ? "(" : "[";
      for (size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) out += ", ";
        out += to_repr(l.items[i]);
      }
      if (l.tuple && l.items.size() == 1) out += ",";
      out += l.tuple ? ")" : "]";
      return out;
    }
    case Kind::kDict: {
      std::string out = "{";
      bool first = true;
      for (const auto& kv : v.dict_obj().items) {
        if (!first) out += ", ";
        first = false;
        out += to_repr(kv.first) + ": " + to_repr(kv.second);
      }
      return out + "}";
    }
    case Kind::kNamespace: {
      std::string out = "<Namespace {";
      bool first = true;
      for (const auto& kv : v.dict_obj().items) {
        if (!first) out += ", ";
        first = false;
        out += to_repr(kv.first) + ": " + to_repr(kv.second);
      }
      return out + "}>";
    }
    case Kind::kUndefined:
      return "Undefined";
    default:
      return to_str(v);
  }
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return v.as_bool() ? "True" : "False";
    case Kind::kInt:
      return std::to_string(v.as_int());
    case Kind::kFloat:
      return float_repr(v.as_float());
    case Kind::kString:
      return v.str();
    case Kind::kCallable:
      return "<function " + v.callable_obj().name + ">";
    default:
      return to_repr(v);
  }
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList: {
      const ListObj& x = a.list_obj();
      const ListObj& y = b.list_obj();
      if (x.generator || y.generator) return a.identity() == b.identity();
      if (x.tuple != y.tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const DictObj& x = a.dict_obj();
      const DictObj& y = b.dict_obj();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& kv : x.items) {
        const Value* other = y.find(kv.first);
        if (other == nullptr || !equals(kv.second, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

Result<int> compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.str().compare(b.str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_list() && b.is_list() && !a.list_obj().generator && !b.list_obj().generator) {
    const auto& x = a.list_obj().items;
    const auto& y = b.list_obj().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equals(x[i], y[i])) continue;
      return compare(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "TypeError: '<' not supported between instances of '%s' and '%s'",
                    type_name(a).c_str(), type_name(b).c_str());
}

namespace {

template <class J>
Value from_json_impl(const J& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::integer(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return Value::integer(static_cast<int64_t>(j.template get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return Value::real(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_impl(e));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      auto& obj = d.dict_obj();
      for (auto it = j.begin(); it != j.end(); ++it) {
        obj.items.emplace_back(Value::string(it.key()), from_json_impl(it.value()));
      }
      return d;
    }
    default:
      return Value::none();
  }
}

void json_string(std::string* out, const std::string& s, bool ensure_ascii) {
  out->push_back('"');
  size_t pos = 0;
  while (pos < s.size()) {
    const uint32_t cp = utf8_next(s, &pos);
    char buf[16];
    switch (cp) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (cp < 0x20) {
          std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
          *out += buf;
        } else if (ensure_ascii && cp > 0x7e) {
          if (cp >= 0x10000) {
            const uint32_t c = cp - 0x10000;
            std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xd800 + (c >> 10),
                          0xdc00 + (c & 0x3ff));
          } else {
            std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
          }
          *out += buf;
        } else {
          utf8_append(out, cp);
        }
    }
  }
  out->push_back('"');
}

std::string json_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return float_repr(d);
}

Status json_value(std::string* out, const Value& v, const JsonOptions& opt, int depth) {
  if (depth > 500) {
    return make_error(ErrorCode::kOutOfRange, "ValueError: JSON nesting too deep");
  }
  const bool pretty = opt.indent >= 0;
  const std::string item_sep = !opt.item_sep.empty() ? opt.item_sep : pretty ? "," : ", ";
  auto newline = [&](int level) {
    out->push_back('\n');
    out->append(static_cast<size_t>(opt.indent) * level, ' ');
  };
  switch (v.kind()) {
    case Kind::kNone:
      *out += "null";
      return Status::Ok();
    case Kind::kBool:
      *out += v.as_bool() ? "true" : "false";
      return Status::Ok();
    case Kind::kInt:
      *out += std::to_string(v.as_int());
      return Status::Ok();
    case Kind::kFloat:
      *out += json_float(v.as_float());
      return Status::Ok();
    case Kind::kString:
      json_string(out, v.str(), opt.ensure_ascii);
      return Status::Ok();
    case Kind::kList: {
      if (v.list_obj().generator) break;
      const auto& items = v.list_obj().items;
      if (items.empty()) {
        *out += "[]";
        return Status::Ok();
      }
      out->push_back('[');
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) *out += item_sep;
        if (pretty) newline(depth + 1);
        EDGELLM_RETURN_IF_ERROR(json_value(out, items[i], opt, depth + 1));
      }
      if (pretty) newline(depth);
      out->push_back(']');
      return Status::Ok();
    }
    case Kind::kDict: {
      std::vector<std::pair<std::string, const Value*>> entries;
      for (const auto& kv : v.dict_obj().items) {
        std::string key;
        const Value& k = kv.first;
        if (k.is_string()) {
          key = k.str();
        } else if (k.is_bool()) {
          key = k.as_bool() ? "true" : "false";
        } else if (k.is_int()) {
          key = std::to_string(k.as_int());
        } else if (k.is_float()) {
          key = json_float(k.as_float());
        } else if (k.is_none()) {
          key = "null";
        } else {
          return make_error(ErrorCode::kInvalidArgument,
                            "TypeError: keys must be str, int, float, bool or None, not %s",
                            type_name(k).c_str());
        }
        entries.emplace_back(std::move(key), &kv.second);
      }
      if (opt.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      if (entries.empty()) {
        *out += "{}";
        return Status::Ok();
      }
      out->push_back('{');
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i > 0) *out += item_sep;
        if (pretty) newline(depth + 1);
        json_string(out, entries[i].first, opt.ensure_ascii);
        *out += opt.key_sep;
        EDGELLM_RETURN_IF_ERROR(json_value(out, *entries[i].second, opt, depth + 1));
      }
      if (pretty) newline(depth);
      out->push_back('}');
      return Status::Ok();
    }
    default:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "TypeError: Object of type %s is not JSON serializable", type_name(v).c_str());
}

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return from_json_impl(j); }
Value from_json(const nlohmann::json& j) { return from_json_impl(j); }

Result<std::string> to_json(const Value& v, const JsonOptions& opt) {
  std::string out;
  EDGELLM_RETURN_IF_ERROR(json_value(&out, v, opt, 0));
  return out;
}

}  // namespace edgellm::chat
