// Python str methods for templates: strip family, split/rsplit/splitlines, startswith/endswith,
// replace, find/index/count, case changes, join, format and the is*() predicates.
#include <algorithm>
#include <cctype>

#include "chat/interp.h"
#include "chat/utf8.h"

namespace edgellm::chat {
namespace {

const char* const kStrMethods[] = {
    "strip",     "lstrip",    "rstrip",       "split",        "rsplit",  "splitlines", "startswith",
    "endswith",  "replace",   "upper",        "lower",        "title",   "capitalize", "swapcase",
    "casefold",  "find",      "rfind",        "index",        "rindex",  "count",      "join",
    "format",    "isdigit",   "isalpha",      "isalnum",      "isspace", "isupper",    "islower",
    "isnumeric", "isdecimal", "removeprefix", "removesuffix", "zfill",   "center",     "ljust",
    "rjust",     "partition", "rpartition"};

Result<Value> list_of(const std::vector<std::string>& parts) {
  std::vector<Value> items;
  for (const auto& p : parts) items.push_back(Value::string(p));
  return Value::list(std::move(items));
}

bool all_cps(const std::string& s, bool (*pred)(uint32_t)) {
  if (s.empty()) return false;
  size_t p = 0;
  while (p < s.size()) {
    if (!pred(utf8_next(s, &p))) return false;
  }
  return true;
}

}  // namespace

bool is_str_method(const std::string& name) {
  for (const char* m : kStrMethods) {
    if (name == m) return true;
  }
  return false;
}

std::string py_title(const std::string& s) {
  std::string out = s;
  bool prev_cased = false;
  for (auto& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      c = static_cast<char>(prev_cased ? std::tolower(u) : std::toupper(u));
      prev_cased = true;
    } else {
      prev_cased = u >= 0x80 && prev_cased;
    }
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::string out = ascii_lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

Result<Value> call_str_method(const std::string& s, const std::string& name, const CallArgs& a) {
  const Value none = Value::none();
  auto at = [&](size_t i, const char* kw) -> const Value& {
    const Value* v = arg(a, i, kw);
    return v ? *v : none;
  };
  auto need_str = [&](size_t i, const char* kw) -> Result<std::string> {
    const Value& v = at(i, kw);
    if (!v.is_string()) return type_error(name + "() argument must be str, not " + type_name(v));
    return v.str();
  };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return Value::string(py_strip(s, at(0, "chars"), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    const Value& ms = at(1, "maxsplit");
    Status st;
    auto parts = py_split(s, at(0, "sep"), ms.is_none() ? -1 : ms.as_int(), name == "rsplit", &st);
    EDGELLM_RETURN_IF_ERROR(st);
    return list_of(parts);
  }
  if (name == "splitlines") return list_of(py_splitlines(s, truthy(at(0, "keepends"))));
  if (name == "startswith" || name == "endswith") {
    const Value& p = at(0, nullptr);
    std::vector<std::string> cands;
    if (p.is_string()) {
      cands.push_back(p.str());
    } else if (p.is_list() && p.list_obj().tuple) {
      for (const auto& v : p.list_obj().items) {
        if (!v.is_string()) return type_error("tuple for " + name + " must only contain str");
        cands.push_back(v.str());
      }
    } else {
      return type_error(name + " first arg must be str or a tuple of str, not " + type_name(p));
    }
    for (const auto& c : cands) {
      const bool hit = name == "startswith" ? s.compare(0, c.size(), c) == 0
                                            : s.size() >= c.size() &&
                                                  s.compare(s.size() - c.size(), c.size(), c) == 0;
      if (hit) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "replace") {
    EDGELLM_ASSIGN_OR_RETURN(std::string from, need_str(0, "old"));
    EDGELLM_ASSIGN_OR_RETURN(std::string to, need_str(1, "new"));
    const Value& cnt = at(2, "count");
    int64_t left = cnt.is_none() ? -1 : cnt.as_int();
    std::string out;
    if (from.empty()) {
      // Python inserts `to` between characters and at both ends.
      const std::vector<size_t> offs = utf8_offsets(s);
      for (size_t i = 0; i + 1 < offs.size(); ++i) {
        if (left != 0) out += to, --left;
        out += s.substr(offs[i], offs[i + 1] - offs[i]);
      }
      if (left != 0) out += to;
      return Value::string(std::move(out));
    }
    size_t pos = 0;
    while (left != 0) {
      const size_t f = s.find(from, pos);
      if (f == std::string::npos) break;
      out += s.substr(pos, f - pos) + to;
      pos = f + from.size();
      --left;
    }
    out += s.substr(pos);
    return Value::string(std::move(out));
  }
  if (name == "upper") return Value::string(ascii_upper(s));
  if (name == "lower" || name == "casefold") return Value::string(ascii_lower(s));
  if (name == "title") return Value::string(py_title(s));
  if (name == "capitalize") return Value::string(py_capitalize(s));
  if (name == "swapcase") {
    std::string out = s;
    for (auto& c : out) {
      const auto u = static_cast<unsigned char>(c);
      c = static_cast<char>(std::isupper(u) ? std::tolower(u) : std::toupper(u));
    }
    return Value::string(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    EDGELLM_ASSIGN_OR_RETURN(std::string sub, need_str(0, nullptr));
    if (name == "count") {
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(s)) + 1);
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
      return Value::integer(n);
    }
    const size_t p = (name == "find" || name == "index") ? s.find(sub) : s.rfind(sub);
    if (p == std::string::npos) {
      if (name == "index" || name == "rindex") {
        return Status(ErrorCode::kInvalidArgument, "ValueError: substring not found");
      }
      return Value::integer(-1);
    }
    return Value::integer(static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, p))));
  }
  if (name == "join") {
    EDGELLM_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(at(0, nullptr)));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return type_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                          type_name(items[i]) + " found");
      }
      if (i > 0) out += s;
      out += items[i].str();
    }
    return Value::string(std::move(out));
  }
  if (name == "format") {
    std::string out;
    size_t auto_idx = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
        out += '{', ++i;
      } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
        out += '}', ++i;
      } else if (s[i] == '{') {
        const size_t close = s.find('}', i);
        if (close == std::string::npos)
          return Status(ErrorCode::kInvalidArgument, "ValueError: unmatched '{' in format string");
        const std::string field = s.substr(i + 1, close - i - 1);
        const Value* v = nullptr;
        if (field.empty()) {
          v = arg(a, auto_idx++, nullptr);
        } else if (std::all_of(field.begin(), field.end(), ::isdigit)) {
          v = arg(a, static_cast<size_t>(std::stoul(field)), nullptr);
        } else {
          v = arg(a, static_cast<size_t>(-1), field.c_str());
        }
        if (v == nullptr)
          return Status(ErrorCode::kInvalidArgument,
                        "IndexError: format field '" + field + "' has no value");
        out += to_str(*v);
        i = close;
      } else {
        out += s[i];
      }
    }
    return Value::string(std::move(out));
  }
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
    return Value::boolean(all_cps(s, [](uint32_t c) { return c >= '0' && c <= '9'; }));
  }
  if (name == "isalpha") {
    return Value::boolean(
        all_cps(s, [](uint32_t c) { return c >= 0x80 || std::isalpha(static_cast<int>(c)) != 0; }));
  }
  if (name == "isalnum") {
    return Value::boolean(
        all_cps(s, [](uint32_t c) { return c >= 0x80 || std::isalnum(static_cast<int>(c)) != 0; }));
  }
  if (name == "isspace") return Value::boolean(all_cps(s, py_isspace));
  if (name == "isupper" || name == "islower") {
    bool cased = false, ok = true;
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isupper(u)) cased = true, ok &= name == "isupper";
      if (std::islower(u)) cased = true, ok &= name == "islower";
    }
    return Value::boolean(cased && ok);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    EDGELLM_ASSIGN_OR_RETURN(std::string x, need_str(0, nullptr));
    if (name == "removeprefix" && s.compare(0, x.size(), x) == 0)
      return Value::string(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && s.size() >= x.size() &&
        s.compare(s.size() - x.size(), x.size(), x) == 0) {
      return Value::string(s.substr(0, s.size() - x.size()));
    }
    return Value::string(s);
  }
  if (name == "partition" || name == "rpartition") {
    EDGELLM_ASSIGN_OR_RETURN(std::string sep, need_str(0, nullptr));
    const size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (p == std::string::npos) {
      return name == "partition"
                 ? Value::tuple({Value::string(s), Value::string(""), Value::string("")})
                 : Value::tuple({Value::string(""), Value::string(""), Value::string(s)});
    }
    return Value::tuple({Value::string(s.substr(0, p)), Value::string(sep),
                         Value::string(s.substr(p + sep.size()))});
  }
  // zfill, center, ljust, rjust: padding to a width in characters.
  const Value& w = at(0, "width");
  if (!w.is_int()) return type_error(name + "() width must be an integer");
  const int64_t len = static_cast<int64_t>(utf8_length(s));
  const int64_t pad = std::max<int64_t>(0, w.as_int() - len);
  const Value& fill_v = at(1, "fillchar");
  const std::string fill = fill_v.is_string() ? fill_v.str() : " ";
  auto rep = [&](int64_t n) {
    std::string r;
    for (int64_t i = 0; i < n; ++i) r += fill;
    return r;
  };
  if (name == "zfill") {
    if (!s.empty() && (s[0] == '-' || s[0] == '+'))
      return Value::string(s.substr(0, 1) + std::string(pad, '0') + s.substr(1));
    return Value::string(std::string(pad, '0') + s);
  }
  if (name == "ljust") return Value::string(s + rep(pad));
  if (name == "rjust") return Value::string(rep(pad) + s);
  // center: Python puts the extra space on the right when the string length is even... on the
  // left when pad and width are odd.
  const int64_t left = pad / 2 + (pad & w.as_int() & 1);
  return Value::string(rep(left) + s + rep(pad - left));
}

}  // namespace edgellm::chat
