// Internal interface of the template interpreter, shared by the statement/expression walker
// (interp.cc), attribute and method access (methods.cc), filters and tests (filters.cc) and the
// globals (globals.cc). Not part of the public API.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/ast.h"
#include "chat/template.h"
#include "chat/value.h"

namespace edgellm::chat {

// One level of variables; lookups walk to the parent. Loops and macros get their own scope.
struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value v);
};
using ScopePtr = std::shared_ptr<Scope>;

enum class Flow { kNormal, kBreak, kContinue };

class Interp {
 public:
  explicit Interp(const RenderOptions& opt) : opt_(opt) {}

  Status render(const NodeList& nodes, const ScopePtr& scope, std::string* out, Flow* flow);
  Result<Value> eval(const Expr& e, const ScopePtr& scope);
  // Calls a callable value; undefined and non-callables are errors.
  Result<Value> call(const Value& callee, const CallArgs& args);
  // Counts loop iterations against the budget.
  Status count_iterations(size_t n);
  const RenderOptions& options() const { return opt_; }

 private:
  Status render_node(const Node& n, const ScopePtr& scope, std::string* out, Flow* flow);
  Status render_for(const Node& n, const ScopePtr& scope, std::string* out);
  Status assign(const Node& n, const ScopePtr& scope, Value v);
  Value make_macro(const Node& n, const ScopePtr& scope, const Node* caller_of = nullptr);
  Status append(std::string* out, const std::string& s);

  const RenderOptions& opt_;
  size_t iterations_ = 0;
  int call_depth_ = 0;
  bool located_ = false;  // the error being returned already names its line
};

// ---- helpers shared by the interpreter files ----

Status undefined_error(const Value& v);
Status type_error(const std::string& msg);
// Items a for loop or filter sees: list items, dict keys, string characters; undefined is empty.
Result<std::vector<Value>> iterate(const Value& v);
// Jinja's getattr (`.name`): Python attribute (methods) first, then item; failures are undefined.
Result<Value> get_attr(const Value& obj, const std::string& name);
// Jinja's getitem (`[key]`): item first, then attribute.
Result<Value> get_item(const Value& obj, const Value& key);
Result<Value> slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
Result<Value> binary_op(const std::string& op, const Value& a, const Value& b);
Result<bool> contains(const Value& container, const Value& item);
// Python str methods: strip, split, ...
Result<Value> call_str_method(const std::string& s, const std::string& name, const CallArgs& args);
bool is_str_method(const std::string& name);
std::vector<std::string> py_split(const std::string& s, const Value& sep, int64_t maxsplit,
                                  bool from_right, Status* st);
std::string py_strip(const std::string& s, const Value& chars, bool left, bool right);
std::vector<std::string> py_splitlines(const std::string& s, bool keepends);
std::string ascii_upper(std::string s);
// markupsafe.escape: & < > " ' as HTML entities.
std::string html_escape(const std::string& s);
std::string ascii_lower(std::string s);
std::string py_title(const std::string& s);
std::string py_capitalize(const std::string& s);

Result<Value> apply_filter(Interp& in, const std::string& name, const Value& v, const CallArgs& a);
Result<bool> apply_test(Interp& in, const std::string& name, const Value& v, const CallArgs& a);
bool has_filter(const std::string& name);

// The globals every render starts with.
void add_globals(Interp& in, Scope* root);

// Argument access: positional index `i` or keyword `name`; null when absent.
const Value* arg(const CallArgs& a, size_t i, const char* name);

}  // namespace edgellm::chat
