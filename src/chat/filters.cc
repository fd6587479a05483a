// Jinja's built-in filters and tests as templates use them, with transformers' tojson
// (json.dumps with ensure_ascii off). Filters that return generators in Jinja (map, select,
// items, unique, ...) return generator values here too, so that |length or |tojson on them
// fails as it does in Python.
#include <algorithm>
#include <cmath>
#include <map>

#include "chat/interp.h"
#include "chat/utf8.h"

namespace edgellm::chat {
namespace {

const Value kNone = Value::none();

const Value& at(const CallArgs& a, size_t i, const char* kw, const Value& def = kNone) {
  const Value* v = arg(a, i, kw);
  return v ? *v : def;
}

// Attribute lookup as Jinja's make_attrgetter does: "a.b" and "0" path parts.
Result<Value> attr_path(const Value& v, const std::string& path) {
  Value cur = v;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    Value key = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)
                    ? Value::integer(std::stoll(part))
                    : Value::string(part);
    if (cur.is_undefined()) return undefined_error(cur);
    EDGELLM_ASSIGN_OR_RETURN(cur, get_item(cur, key));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Result<std::vector<Value>> items_of(const Value& v) {
  if (v.is_list() || v.is_undefined() || v.is_dict() || v.is_string()) return iterate(v);
  return type_error("'" + type_name(v) + "' object is not iterable");
}

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(ascii_lower(v.str()));
  return v;
}

Status sort_values(std::vector<Value>* items, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Status st;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    if (!st.ok()) return false;
    auto c = reverse ? compare(keys[y], keys[x]) : compare(keys[x], keys[y]);
    if (!c.ok()) {
      st = c.status();
      return false;
    }
    return *c < 0;
  });
  EDGELLM_RETURN_IF_ERROR(st);
  std::vector<Value> out;
  for (size_t i : order) out.push_back((*items)[i]);
  *items = std::move(out);
  return Status::Ok();
}

// select/reject/selectattr/rejectattr: `args` start with the test name (and for *attr, the attr).
Result<Value> select(Interp& in, const Value& v, const CallArgs& a, bool attr, bool keep) {
  if (!truthy(v)) return Value::generator({});  // Jinja: `if value:` before iterating
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
  size_t next = 0;
  std::string attribute;
  if (attr) {
    const Value& an = at(a, next++, nullptr);
    if (!an.is_string()) return type_error("selectattr needs an attribute name");
    attribute = an.str();
  }
  const Value& tn = at(a, next++, nullptr);
  CallArgs targs;
  for (size_t i = next; i < a.pos.size(); ++i) targs.pos.push_back(a.pos[i]);
  std::vector<Value> out;
  for (const auto& item : items) {
    Value subject = item;
    if (attr) {
      EDGELLM_ASSIGN_OR_RETURN(subject, attr_path(item, attribute));
    }
    bool r;
    if (tn.is_none() || tn.is_undefined()) {
      r = truthy(subject);
    } else {
      if (!tn.is_string()) return type_error("test name must be a string");
      EDGELLM_ASSIGN_OR_RETURN(r, apply_test(in, tn.str(), subject, targs));
    }
    if (r == keep) out.push_back(item);
  }
  return Value::generator(std::move(out));
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Python's "%s" % args for the format filter: %s %r %d %i %f %%.
Result<Value> percent_format(const std::string& fmt, const CallArgs& a) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 >= fmt.size()) {
      out += fmt[i];
      continue;
    }
    const char c = fmt[++i];
    if (c == '%') {
      out += '%';
      continue;
    }
    const Value* v = arg(a, next++, nullptr);
    if (v == nullptr) return type_error("not enough arguments for format string");
    if (c == 's')
      out += to_str(*v);
    else if (c == 'r')
      out += to_repr(*v);
    else if (c == 'd' || c == 'i')
      out += std::to_string(v->is_float() ? static_cast<int64_t>(v->as_float()) : v->as_int());
    else if (c == 'f')
      out += strfmt("%f", v->as_float());
    else
      return Status(ErrorCode::kInvalidArgument,
                    std::string("ValueError: unsupported format character '") + c + "'");
  }
  return Value::string(std::move(out));
}

Result<Value> do_tojson(const Value& v, const CallArgs& a) {
  JsonOptions opt;
  opt.ensure_ascii = truthy(at(a, 0, "ensure_ascii"));
  const Value& indent = at(a, 1, "indent");
  if (indent.is_int()) opt.indent = static_cast<int>(std::clamp<int64_t>(indent.as_int(), 0, 64));
  const Value& seps = at(a, 2, "separators");
  if (seps.is_list() && seps.list_obj().items.size() == 2) {
    opt.item_sep = to_str(seps.list_obj().items[0]);
    opt.key_sep = to_str(seps.list_obj().items[1]);
  }
  opt.sort_keys = truthy(at(a, 3, "sort_keys"));
  EDGELLM_ASSIGN_OR_RETURN(std::string s, to_json(v, opt));
  return Value::string(std::move(s));
}

Result<Value> do_indent(const Value& v, const CallArgs& a) {
  const Value four = Value::integer(4);
  const Value& width = at(a, 0, "width", four);
  const std::string ind =
      width.is_string()
          ? width.str()
          : std::string(static_cast<size_t>(std::max<int64_t>(0, width.as_int())), ' ');
  const bool first = truthy(at(a, 1, "first")), blank = truthy(at(a, 2, "blank"));
  std::vector<std::string> lines = py_splitlines(to_str(v) + "\n", false);
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + ind : "") + lines[i];
  } else if (!lines.empty()) {
    rv = lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? "" : ind + lines[i]);
  }
  if (first) rv = ind + rv;
  return Value::string(std::move(rv));
}

Result<Value> do_map(Interp& in, const Value& v, const CallArgs& a) {
  if (!truthy(v)) return Value::generator({});  // Jinja: `if value:` before iterating
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
  std::vector<Value> out;
  if (const Value* attr = arg(a, static_cast<size_t>(-1), "attribute")) {
    const Value* def = arg(a, static_cast<size_t>(-1), "default");
    for (const auto& item : items) {
      EDGELLM_ASSIGN_OR_RETURN(Value r, attr_path(item, to_str(*attr)));
      if (r.is_undefined() && def != nullptr) r = *def;
      out.push_back(std::move(r));
    }
    return Value::generator(std::move(out));
  }
  const Value& fname = at(a, 0, nullptr);
  if (!fname.is_string()) return type_error("map needs a filter name or attribute=");
  CallArgs rest;
  for (size_t i = 1; i < a.pos.size(); ++i) rest.pos.push_back(a.pos[i]);
  rest.kw = a.kw;
  for (const auto& item : items) {
    EDGELLM_ASSIGN_OR_RETURN(Value r, apply_filter(in, fname.str(), item, rest));
    out.push_back(std::move(r));
  }
  return Value::generator(std::move(out));
}

Result<Value> do_minmax(const Value& v, const CallArgs& a, bool want_max) {
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
  if (items.empty())
    return Value::undefined("UndefinedError: No aggregated item, sequence was empty.");
  const bool cs = truthy(at(a, 0, "case_sensitive"));
  const Value& attr = at(a, 1, "attribute");
  size_t best = 0;
  Value best_key;
  for (size_t i = 0; i < items.size(); ++i) {
    Value k = items[i];
    if (attr.is_string()) {
      EDGELLM_ASSIGN_OR_RETURN(k, attr_path(k, attr.str()));
    }
    k = sort_key(k, cs);
    if (i == 0) {
      best_key = k;
      continue;
    }
    EDGELLM_ASSIGN_OR_RETURN(int c, compare(k, best_key));
    if (want_max ? c > 0 : c < 0) best = i, best_key = k;
  }
  return items[best];
}

Result<Value> to_int(const Value& v, const CallArgs& a) {
  const Value zero = Value::integer(0);
  const Value& def = at(a, 0, "default", zero);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) return Value::integer(static_cast<int64_t>(v.as_float()));
  if (v.is_string()) {
    const std::string s = py_strip(v.str(), Value::none(), true, true);
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && errno == 0) return Value::integer(i);
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0') return Value::integer(static_cast<int64_t>(d));
  }
  return def;
}

}  // namespace

bool has_filter(const std::string& name);

namespace {

Result<Value> filter_impl(Interp& in, const std::string& name, const Value& v, const CallArgs& a);

}  // namespace

// Filters that keep a Markup input Markup, as markupsafe's str methods do.
Result<Value> apply_filter(Interp& in, const std::string& name, const Value& v, const CallArgs& a) {
  EDGELLM_ASSIGN_OR_RETURN(Value r, filter_impl(in, name, v, a));
  if (v.is_markup() && r.is_string() && !r.is_markup() &&
      (name == "trim" || name == "upper" || name == "lower" || name == "title" ||
       name == "capitalize" || name == "string" || name == "indent" || name == "center")) {
    return Value::markup(r.str());
  }
  return r;
}

namespace {

Result<Value> filter_impl(Interp& in, const std::string& name, const Value& v, const CallArgs& a) {
  if (name == "tojson") return do_tojson(v, a);
  if (name == "length" || name == "count") {
    if (v.is_string()) return Value::integer(static_cast<int64_t>(utf8_length(v.str())));
    if (v.is_list() && !v.list_obj().generator)
      return Value::integer(static_cast<int64_t>(v.list_obj().items.size()));
    if (v.is_dict()) return Value::integer(static_cast<int64_t>(v.dict_obj().items.size()));
    if (v.is_undefined()) return Value::integer(0);
    return type_error("object of type '" + type_name(v) + "' has no len()");
  }
  if (name == "default" || name == "d") {
    const Value empty = Value::string("");
    if (v.is_undefined() || (truthy(at(a, 1, "boolean")) && !truthy(v)))
      return at(a, 0, "default_value", empty);
    return v;
  }
  if (name == "trim") return Value::string(py_strip(to_str(v), at(a, 0, "chars"), true, true));
  if (name == "upper") return Value::string(ascii_upper(to_str(v)));
  if (name == "lower") return Value::string(ascii_lower(to_str(v)));
  if (name == "title") return Value::string(py_title(to_str(v)));
  if (name == "capitalize") return Value::string(py_capitalize(to_str(v)));
  if (name == "string") return Value::string(to_str(v));
  if (name == "safe") return v.is_markup() ? v : Value::markup(to_str(v));
  if (name == "pprint") return Value::string(to_repr(v));
  if (name == "escape" || name == "e")
    return v.is_markup() ? v : Value::markup(html_escape(to_str(v)));
  if (name == "forceescape") return Value::markup(html_escape(to_str(v)));
  if (name == "replace") {
    CallArgs ra;
    ra.pos = {Value::string(to_str(at(a, 0, "old"))), Value::string(to_str(at(a, 1, "new")))};
    if (const Value* c = arg(a, 2, "count")) ra.pos.push_back(*c);
    return call_str_method(to_str(v), "replace", ra);
  }
  if (name == "join") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    const Value& attr = at(a, 1, "attribute");
    const Value empty = Value::string("");
    const std::string sep = to_str(at(a, 0, "d", empty));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += sep;
      Value item = items[i];
      if (attr.is_string()) {
        EDGELLM_ASSIGN_OR_RETURN(item, attr_path(item, attr.str()));
      }
      out += to_str(item);
    }
    return Value::string(std::move(out));
  }
  if (name == "map") return do_map(in, v, a);
  if (name == "select") return select(in, v, a, false, true);
  if (name == "reject") return select(in, v, a, false, false);
  if (name == "selectattr") return select(in, v, a, true, true);
  if (name == "rejectattr") return select(in, v, a, true, false);
  if (name == "first" || name == "last") {
    if (name == "last" && v.is_list() && v.list_obj().generator) {
      return type_error("'generator' object is not reversible");
    }
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    if (items.empty())
      return Value::undefined("UndefinedError: No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "items") {
    if (v.is_undefined()) return Value::generator({});
    if (!v.is_dict()) return type_error("can only get item pairs from a mapping.");
    std::vector<Value> out;
    for (const auto& kv : v.dict_obj().items) out.push_back(Value::tuple({kv.first, kv.second}));
    return Value::generator(std::move(out));
  }
  if (name == "list") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    return Value::list(std::move(items));
  }
  if (name == "unique") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    const bool cs = truthy(at(a, 0, "case_sensitive"));
    const Value& attr = at(a, 1, "attribute");
    std::vector<Value> seen, out;
    for (const auto& item : items) {
      Value k = item;
      if (attr.is_string()) {
        EDGELLM_ASSIGN_OR_RETURN(k, attr_path(item, attr.str()));
      }
      k = sort_key(k, cs);
      if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, k); }))
        continue;
      seen.push_back(k);
      out.push_back(item);
    }
    return Value::generator(std::move(out));
  }
  if (name == "dictsort") {
    if (!v.is_dict()) return type_error("you can only sort by either \"key\" or \"value\"");
    const bool cs = truthy(at(a, 0, "case_sensitive"));
    const Value& by = at(a, 1, "by");
    const bool by_value = by.is_string() && by.str() == "value";
    std::vector<Value> items, keys;
    for (const auto& kv : v.dict_obj().items) {
      items.push_back(Value::tuple({kv.first, kv.second}));
      keys.push_back(sort_key(by_value ? kv.second : kv.first, cs));
    }
    EDGELLM_RETURN_IF_ERROR(sort_values(&items, keys, truthy(at(a, 2, "reverse"))));
    return Value::list(std::move(items));
  }
  if (name == "sort") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    const bool cs = truthy(at(a, 1, "case_sensitive"));
    const Value& attr = at(a, 2, "attribute");
    std::vector<Value> keys;
    for (const auto& item : items) {
      Value k = item;
      if (attr.is_string()) {
        EDGELLM_ASSIGN_OR_RETURN(k, attr_path(item, attr.str()));
      }
      keys.push_back(sort_key(k, cs));
    }
    EDGELLM_RETURN_IF_ERROR(sort_values(&items, keys, truthy(at(a, 0, "reverse"))));
    return Value::list(std::move(items));
  }
  if (name == "reverse") {
    if (v.is_string()) return slice(v, Value::none(), Value::none(), Value::integer(-1));
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    std::reverse(items.begin(), items.end());
    return Value::generator(std::move(items));
  }
  if (name == "sum") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    const Value& attr = at(a, 0, "attribute");
    Value total = at(a, 1, "start", Value::integer(0));
    for (const auto& item : items) {
      Value x = item;
      if (attr.is_string()) {
        EDGELLM_ASSIGN_OR_RETURN(x, attr_path(item, attr.str()));
      }
      EDGELLM_ASSIGN_OR_RETURN(total, binary_op("+", total, x));
    }
    return total;
  }
  if (name == "min" || name == "max") return do_minmax(v, a, name == "max");
  if (name == "int") return to_int(v, a);
  if (name == "float") {
    if (v.is_number()) return Value::real(v.as_float());
    if (v.is_string()) {
      const std::string s = py_strip(v.str(), Value::none(), true, true);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && *end == '\0') return Value::real(d);
    }
    return at(a, 0, "default", Value::real(0.0));
  }
  if (name == "abs") {
    if (v.is_float()) return Value::real(std::fabs(v.as_float()));
    if (v.is_number()) return Value::integer(std::llabs(v.as_int()));
    return type_error("bad operand type for abs(): '" + type_name(v) + "'");
  }
  if (name == "round") {
    if (!v.is_number())
      return type_error("type " + type_name(v) + " doesn't define __round__ method");
    const int64_t prec = at(a, 0, "precision", Value::integer(0)).as_int();
    const Value& method = at(a, 1, "method");
    const double scale = std::pow(10.0, static_cast<double>(prec));
    const double x = v.as_float() * scale;
    double r;
    if (method.is_string() && method.str() == "floor")
      r = std::floor(x);
    else if (method.is_string() && method.str() == "ceil")
      r = std::ceil(x);
    else
      r = std::nearbyint(x);  // Python rounds half to even
    return Value::real(r / scale);
  }
  if (name == "indent") return do_indent(v, a);
  if (name == "center") {
    CallArgs ca;
    ca.pos.push_back(at(a, 0, "width", Value::integer(80)));
    return call_str_method(to_str(v), "center", ca);
  }
  if (name == "wordcount") {
    Status st;
    return Value::integer(
        static_cast<int64_t>(py_split(to_str(v), Value::none(), -1, false, &st).size()));
  }
  if (name == "striptags") {
    std::string s = to_str(v), out;
    bool in_tag = false;
    for (char c : s) {
      if (c == '<')
        in_tag = true;
      else if (c == '>' && in_tag)
        in_tag = false;
      else if (!in_tag)
        out += c;
    }
    Status st;
    std::string joined;
    for (const auto& w : py_split(out, Value::none(), -1, false, &st))
      joined += (joined.empty() ? "" : " ") + w;
    return Value::string(std::move(joined));
  }
  if (name == "format") return percent_format(to_str(v), a);
  if (name == "batch") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, items_of(v));
    const int64_t n = at(a, 0, "linecount").as_int();
    if (n <= 0) return Status(ErrorCode::kInvalidArgument, "batch size must be positive");
    const Value* fill = arg(a, 1, "fill_with");
    std::vector<Value> out;
    for (size_t i = 0; i < items.size(); i += static_cast<size_t>(n)) {
      std::vector<Value> chunk(items.begin() + static_cast<std::ptrdiff_t>(i),
                               items.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                   items.size(), i + static_cast<size_t>(n))));
      while (fill != nullptr && static_cast<int64_t>(chunk.size()) < n) chunk.push_back(*fill);
      out.push_back(Value::list(std::move(chunk)));
    }
    return Value::generator(std::move(out));
  }
  if (name == "attr") {
    const Value& n = at(a, 0, "name");
    if (v.is_undefined()) return undefined_error(v);
    return get_attr(v, to_str(n));
  }
  return Status(ErrorCode::kInvalidArgument,
                "TemplateAssertionError: No filter named '" + name + "'.");
}

}  // namespace

Result<bool> apply_test(Interp& in, const std::string& name, const Value& v, const CallArgs& a) {
  (void)in;
  const Value& x = at(a, 0, nullptr);
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
  if (name == "sequence") {
    return (v.is_list() && !v.list_obj().generator) || v.is_dict() || v.is_string() ||
           v.is_undefined();
  }
  if (name == "callable") return v.is_callable();
  if (name == "sameas") {
    if (v.identity() != nullptr || x.identity() != nullptr) return v.identity() == x.identity();
    return v.kind() == x.kind() &&
           (v.is_none() || v.is_undefined() || (v.is_bool() && v.as_bool() == x.as_bool()) ||
            (v.is_int() && v.as_int() == x.as_int()));
  }
  if (name == "escaped") return false;
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    return truthy(*call_str_method(v.str(), name == "lower" ? "islower" : "isupper", {}));
  }
  if (name == "even" || name == "odd" || name == "divisibleby") {
    if (!v.is_number()) return type_error("unsupported operand type for %: '" + type_name(v) + "'");
    const Value two = Value::integer(2);
    EDGELLM_ASSIGN_OR_RETURN(Value r, binary_op("%", v, name == "divisibleby" ? x : two));
    const bool zero = !truthy(r);
    return name == "odd" ? !zero : zero;
  }
  if (name == "eq" || name == "equalto" || name == "==") return equals(v, x);
  if (name == "ne" || name == "!=") return !equals(v, x);
  if (name == "in") return contains(x, v);
  if (name == "lt" || name == "lessthan" || name == "<" || name == "le" || name == "<=" ||
      name == "gt" || name == "greaterthan" || name == ">" || name == "ge" || name == ">=") {
    if (v.is_undefined()) return undefined_error(v);
    if (x.is_undefined()) return undefined_error(x);
    EDGELLM_ASSIGN_OR_RETURN(int c, compare(v, x));
    if (name == "lt" || name == "lessthan" || name == "<") return c < 0;
    if (name == "le" || name == "<=") return c <= 0;
    if (name == "gt" || name == "greaterthan" || name == ">") return c > 0;
    return c >= 0;
  }
  if (name == "filter") return x.is_string() && has_filter(x.str());
  if (name == "test") return x.is_string();
  return Status(ErrorCode::kInvalidArgument,
                "TemplateAssertionError: No test named '" + name + "'.");
}

bool has_filter(const std::string& name) {
  static const char* kNames[] = {
      "tojson",     "length",      "count",      "default", "d",      "trim",      "upper",
      "lower",      "title",       "capitalize", "string",  "safe",   "pprint",    "escape",
      "e",          "forceescape", "replace",    "join",    "map",    "select",    "reject",
      "selectattr", "rejectattr",  "first",      "last",    "items",  "list",      "unique",
      "dictsort",   "sort",        "reverse",    "sum",     "min",    "max",       "int",
      "float",      "abs",         "round",      "indent",  "center", "wordcount", "striptags",
      "format",     "batch",       "attr"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace edgellm::chat
