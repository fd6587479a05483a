// Python-like values for the chat-template interpreter: none, bool, int, float, str, list/tuple,
// dict (insertion-ordered), namespace, callable and Jinja's undefined. Lists, dicts and namespaces
// are shared by reference as in Python; everything else is copied. Not thread-safe to mutate a
// shared container from several threads; a render owns all values it creates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace edgellm::chat {

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,  // also tuples and generators (flags on the list object)
  kDict,
  kNamespace,
  kCallable,
};

class Value;
struct ListObj;
struct DictObj;
struct CallableObj;

// Arguments of a call: positional, then keyword in source order.
struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
};

using NativeFn = std::function<Result<Value>(const CallArgs&)>;

class Value {
 public:
  Value() = default;  // undefined
  static Value undefined(std::string hint = {});
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value real(double d);
  static Value string(std::string s);
  // A markupsafe.Markup string (from |safe, |escape): `+` HTML-escapes plain strings joined to it.
  static Value markup(std::string s);
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value generator(std::vector<Value> items);
  static Value dict();
  static Value namespace_();
  static Value callable(std::string name, NativeFn fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || is_bool(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_markup() const { return kind_ == Kind::kString && b_; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool is_mapping() const { return kind_ == Kind::kDict || kind_ == Kind::kNamespace; }
  bool is_callable() const { return kind_ == Kind::kCallable; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return is_bool() ? (b_ ? 1 : 0) : i_; }
  double as_float() const { return is_float() ? d_ : static_cast<double>(as_int()); }
  const std::string& str() const { return s_; }  // string contents, or undefined's hint
  ListObj& list_obj() const;
  DictObj& dict_obj() const;  // dicts and namespaces
  CallableObj& callable_obj() const;
  // Identity of the shared object (lists, dicts, namespaces, callables), else null.
  const void* identity() const { return obj_.get(); }

 private:
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;  // bool value; for strings, the Markup flag
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::shared_ptr<void> obj_;
};

struct ListObj {
  std::vector<Value> items;
  bool tuple = false;
  bool generator = false;  // produced by map/select/...: iterable, but no len() and no JSON
};

// Insertion-ordered mapping; lookups are linear, which suits template-sized dicts.
struct DictObj {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
  bool erase(const Value& key);
};

struct CallableObj {
  std::string name;
  NativeFn fn;
};

// Python truthiness (undefined is false).
bool truthy(const Value& v);
// Python type name for messages: "str", "int", "list", "dict", "NoneType", ...
std::string type_name(const Value& v);
// str(v) as Jinja prints it: None -> "None", True -> "True", undefined -> "", lists as repr.
std::string to_str(const Value& v);
// repr(v): strings quoted as Python does.
std::string to_repr(const Value& v);
// Python's repr of a float: shortest round-trip digits, "1.0", "1e-05", "inf", "nan".
std::string float_repr(double d);
// Python ==.
bool equals(const Value& a, const Value& b);
// Python ordering for <, <=, >, >=, sort: negative, zero or positive; error for mixed types.
Result<int> compare(const Value& a, const Value& b);

// JSON in, keeping object key order (ordered_json) or the sorted order of plain json.
Value from_json(const nlohmann::ordered_json& j);
Value from_json(const nlohmann::json& j);

// json.dumps as transformers' tojson calls it (ensure_ascii=False). indent < 0 means None.
struct JsonOptions {
  int indent = -1;
  std::string item_sep;  // empty: ", " without indent, "," with indent
  std::string key_sep = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};
Result<std::string> to_json(const Value& v, const JsonOptions& opt);

}  // namespace edgellm::chat
