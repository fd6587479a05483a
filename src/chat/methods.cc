// Attribute and item access with Jinja's sandbox rules, slicing, and the Python str/dict/list
// methods templates call. Methods that would mutate a list or dict are refused as
// ImmutableSandboxedEnvironment refuses them (SecurityError when used).
#include <algorithm>

#include "chat/interp.h"
#include "chat/utf8.h"

namespace edgellm::chat {
namespace {

Value security_undefined(const std::string& attr, const char* type) {
  return Value::undefined("SecurityError: access to attribute '" + attr + "' of '" + type +
                          "' object is unsafe.");
}

Value no_attr(const Value& obj, const std::string& name) {
  return Value::undefined("UndefinedError: '" + type_name(obj) + " object' has no attribute '" +
                          name + "'");
}

int64_t norm_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

bool int_like(const Value& v) { return v.is_int() || v.is_bool(); }

}  // namespace

std::string ascii_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string py_strip(const std::string& s, const Value& chars, bool left, bool right) {
  std::vector<uint32_t> set;
  const bool ws = !chars.is_string();
  if (!ws) {
    size_t p = 0;
    while (p < chars.str().size()) set.push_back(utf8_next(chars.str(), &p));
  }
  auto strip_cp = [&](uint32_t cp) {
    return ws ? py_isspace(cp) : std::find(set.begin(), set.end(), cp) != set.end();
  };
  const std::vector<size_t> offs = utf8_offsets(s);
  size_t b = 0, e = offs.size() - 1;  // code point range [b, e)
  auto cp_at = [&](size_t i) {
    size_t p = offs[i];
    return utf8_next(s, &p);
  };
  if (left) {
    while (b < e && strip_cp(cp_at(b))) ++b;
  }
  if (right) {
    while (e > b && strip_cp(cp_at(e - 1))) --e;
  }
  return s.substr(offs[b], offs[e] - offs[b]);
}

std::vector<std::string> py_split(const std::string& s, const Value& sep, int64_t maxsplit,
                                  bool from_right, Status* st) {
  std::vector<std::string> out;
  if (sep.is_string()) {
    const std::string& d = sep.str();
    if (d.empty()) {
      *st = Status(ErrorCode::kInvalidArgument, "ValueError: empty separator");
      return out;
    }
    if (!from_right) {
      size_t pos = 0;
      while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
        const size_t at = s.find(d, pos);
        if (at == std::string::npos) break;
        out.push_back(s.substr(pos, at - pos));
        pos = at + d.size();
      }
      out.push_back(s.substr(pos));
    } else {
      size_t end = s.size();
      std::vector<std::string> rev;
      while (maxsplit < 0 || static_cast<int64_t>(rev.size()) < maxsplit) {
        if (end < d.size()) break;
        const size_t at = s.rfind(d, end - d.size());
        if (at == std::string::npos) break;
        rev.push_back(s.substr(at + d.size(), end - at - d.size()));
        end = at;
      }
      rev.push_back(s.substr(0, end));
      out.assign(rev.rbegin(), rev.rend());
    }
    return out;
  }
  // Whitespace split: runs of whitespace separate, no empty strings.
  const std::vector<size_t> offs = utf8_offsets(s);
  const size_t n = offs.size() - 1;
  auto space = [&](size_t i) {
    size_t p = offs[i];
    return py_isspace(utf8_next(s, &p));
  };
  if (!from_right) {
    size_t i = 0;
    while (true) {
      while (i < n && space(i)) ++i;
      if (i >= n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
        size_t e = n;
        while (e > i && space(e - 1)) --e;
        out.push_back(s.substr(offs[i], offs[e] - offs[i]));
        break;
      }
      size_t j = i;
      while (j < n && !space(j)) ++j;
      out.push_back(s.substr(offs[i], offs[j] - offs[i]));
      i = j;
    }
  } else {
    size_t e = n;
    std::vector<std::string> rev;
    while (true) {
      while (e > 0 && space(e - 1)) --e;
      if (e == 0) break;
      if (maxsplit >= 0 && static_cast<int64_t>(rev.size()) >= maxsplit) {
        size_t b = 0;
        while (b < e && space(b)) ++b;
        rev.push_back(s.substr(offs[b], offs[e] - offs[b]));
        break;
      }
      size_t j = e;
      while (j > 0 && !space(j - 1)) --j;
      rev.push_back(s.substr(offs[j], offs[e] - offs[j]));
      e = j;
    }
    out.assign(rev.rbegin(), rev.rend());
  }
  return out;
}

std::vector<std::string> py_splitlines(const std::string& s, bool keepends) {
  std::vector<std::string> out;
  size_t start = 0, pos = 0;
  while (pos < s.size()) {
    const size_t at = pos;
    const uint32_t cp = utf8_next(s, &pos);
    const bool brk = cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c || cp == 0x1c ||
                     cp == 0x1d || cp == 0x1e || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
    if (!brk) continue;
    if (cp == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
    out.push_back(s.substr(start, (keepends ? pos : at) - start));
    start = pos;
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

Result<Value> slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  auto get = [](const Value& v, int64_t def) -> Result<int64_t> {
    if (v.is_none() || v.is_undefined()) return def;
    if (!int_like(v)) return type_error("slice indices must be integers or None");
    return v.as_int();
  };
  EDGELLM_ASSIGN_OR_RETURN(int64_t st, get(step, 1));
  if (st == 0) return Status(ErrorCode::kInvalidArgument, "ValueError: slice step cannot be zero");
  std::vector<size_t> offs;
  int64_t n;
  if (obj.is_string()) {
    offs = utf8_offsets(obj.str());
    n = static_cast<int64_t>(offs.size()) - 1;
  } else if (obj.is_list() && !obj.list_obj().generator) {
    n = static_cast<int64_t>(obj.list_obj().items.size());
  } else {
    return type_error("'" + type_name(obj) + "' object is not subscriptable");
  }
  auto clamp = [&](const Value& v, int64_t def) -> Result<int64_t> {
    if (v.is_none() || v.is_undefined()) return def;
    EDGELLM_ASSIGN_OR_RETURN(int64_t i, get(v, def));
    if (i < 0) i += n;
    if (st > 0) return std::clamp<int64_t>(i, 0, n);
    return std::clamp<int64_t>(i, -1, n - 1);
  };
  EDGELLM_ASSIGN_OR_RETURN(int64_t b, clamp(start, st > 0 ? 0 : n - 1));
  EDGELLM_ASSIGN_OR_RETURN(int64_t e, clamp(stop, st > 0 ? n : -1));
  std::vector<int64_t> idx;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) idx.push_back(i);
  if (obj.is_string()) {
    std::string out;
    for (int64_t i : idx) out += obj.str().substr(offs[i], offs[i + 1] - offs[i]);
    return Value::string(std::move(out));
  }
  std::vector<Value> items;
  for (int64_t i : idx) items.push_back(obj.list_obj().items[static_cast<size_t>(i)]);
  return obj.list_obj().tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

Result<Value> get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::kDict: {
      if (const Value* v = obj.dict_obj().find(key)) return *v;
      if (key.is_string()) return get_attr(obj, key.str());
      return Value::undefined("UndefinedError: 'dict object' has no attribute " + to_repr(key));
    }
    case Kind::kNamespace:
      if (key.is_string()) return get_attr(obj, key.str());
      break;
    case Kind::kList: {
      const ListObj& l = obj.list_obj();
      if (int_like(key) && !l.generator) {
        const int64_t n = static_cast<int64_t>(l.items.size());
        const int64_t i = norm_index(key.as_int(), n);
        if (i >= 0 && i < n) return l.items[static_cast<size_t>(i)];
        return Value::undefined("UndefinedError: " + type_name(obj) + " object has no element " +
                                to_str(key));
      }
      if (key.is_string()) return get_attr(obj, key.str());
      break;
    }
    case Kind::kString:
      if (int_like(key)) {
        const std::vector<size_t> offs = utf8_offsets(obj.str());
        const int64_t n = static_cast<int64_t>(offs.size()) - 1;
        const int64_t i = norm_index(key.as_int(), n);
        if (i >= 0 && i < n) return Value::string(obj.str().substr(offs[i], offs[i + 1] - offs[i]));
        return Value::undefined("UndefinedError: str object has no element " + to_str(key));
      }
      if (key.is_string()) return get_attr(obj, key.str());
      break;
    default:
      if (key.is_string()) return get_attr(obj, key.str());
      break;
  }
  return Value::undefined("UndefinedError: " + type_name(obj) + " object has no element " +
                          to_repr(key));
}

Result<Value> get_attr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Kind::kDict: {
      if (name == "pop" || name == "popitem" || name == "update" || name == "setdefault" ||
          name == "clear") {
        return security_undefined(name, "dict");
      }
      if (name == "get" || name == "items" || name == "keys" || name == "values" ||
          name == "copy") {
        Value self = obj;
        return Value::callable("dict." + name, [self, name](const CallArgs& a) -> Result<Value> {
          const DictObj& d = self.dict_obj();
          if (name == "get") {
            const Value* k = arg(a, 0, "key");
            if (k == nullptr) return type_error("get expected at least 1 argument, got 0");
            if (const Value* v = d.find(*k)) return *v;
            const Value* def = arg(a, 1, "default");
            return def ? *def : Value::none();
          }
          if (name == "copy") {
            Value c = Value::dict();
            c.dict_obj().items = d.items;
            return c;
          }
          std::vector<Value> out;
          for (const auto& kv : d.items) {
            if (name == "items") out.push_back(Value::tuple({kv.first, kv.second}));
            if (name == "keys") out.push_back(kv.first);
            if (name == "values") out.push_back(kv.second);
          }
          return Value::list(std::move(out));
        });
      }
      if (const Value* v = obj.dict_obj().find(name)) return *v;
      return no_attr(obj, name);
    }
    case Kind::kNamespace:
      if (const Value* v = obj.dict_obj().find(name)) return *v;
      return no_attr(obj, name);
    case Kind::kString:
      if (is_str_method(name)) {
        std::string self = obj.str();
        const bool markup = obj.is_markup();
        return Value::callable("str." + name,
                               [self, name, markup](const CallArgs& a) -> Result<Value> {
                                 EDGELLM_ASSIGN_OR_RETURN(Value r, call_str_method(self, name, a));
                                 if (markup && r.is_string())
                                   return Value::markup(r.str());  // markupsafe keeps Markup
                                 return r;
                               });
      }
      return no_attr(obj, name);
    case Kind::kList: {
      static const char* kUnsafe[] = {"append", "pop",     "insert", "extend",
                                      "remove", "reverse", "sort",   "clear"};
      for (const char* u : kUnsafe) {
        if (name == u) return security_undefined(name, "list");
      }
      if (name == "index" || name == "count") {
        Value self = obj;
        return Value::callable("list." + name, [self, name](const CallArgs& a) -> Result<Value> {
          const Value* x = arg(a, 0, nullptr);
          if (x == nullptr) return type_error(name + "() takes exactly one argument");
          int64_t count = 0;
          const auto& items = self.list_obj().items;
          for (size_t i = 0; i < items.size(); ++i) {
            if (!equals(items[i], *x)) continue;
            if (name == "index") return Value::integer(static_cast<int64_t>(i));
            ++count;
          }
          if (name == "index")
            return Status(ErrorCode::kInvalidArgument, "ValueError: value is not in list");
          return Value::integer(count);
        });
      }
      return no_attr(obj, name);
    }
    default:
      return no_attr(obj, name);
  }
}

}  // namespace edgellm::chat
