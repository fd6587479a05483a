// Syntax tree of a parsed Jinja template: expressions (Expr) and statements (Node). The parser
// builds it once; the interpreter walks it for every render without modifying it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace edgellm::chat {

enum class ExprKind {
  kLiteral,  // literal
  kName,     // name
  kList,     // children: elements
  kTuple,    // children: elements
  kDict,     // children: key0, value0, key1, value1, ...
  kGetAttr,  // children[0].name
  kGetItem,  // children[0][children[1]]
  kSlice,    // children[0][children[1]:children[2]:children[3]] (null parts allowed)
  kUnary,    // name ("-", "+", "not") applied to children[0]
  kBinary,   // children[0] name children[1]; name is "+", "-", "*", "/", "//", "%", "**", "~",
             // "and", "or"
  kCompare,  // children[0] ops[0] children[1] ops[1] children[2] ...
  kCond,     // children[0] if children[1] else children[2] (children[2] may be null)
  kFilter,   // children[0] | name(children[1:], kwargs); children[0] null inside filter blocks
  kTest,     // children[0] is [not] name(children[1:])
  kCall,     // children[0](children[1:], kwargs)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  int line = 0;
  int col = 0;
  Value literal;
  std::string name;
  bool negated = false;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
};

enum class NodeKind {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches (cond null for else)
  kFor,          // for targets in expr [if cond] [recursive]: body [else: else_body]
  kSet,          // set targets = expr; or set targets[0].attr = expr
  kSetBlock,     // set targets[0] [| filters] body endset
  kMacro,        // macro name(params=defaults) body
  kCallBlock,    // call(params) expr body
  kFilterBlock,  // filter filters body
  kWith,         // with targets = exprs (in defaults) body
  kBreak,
  kContinue,
  kScope,  // a block tag that just renders its body ({% generation %})
};

struct Node;
using NodePtr = std::unique_ptr<Node>;
using NodeList = std::vector<NodePtr>;

struct IfBranch {
  ExprPtr cond;  // null for the else branch
  NodeList body;
};

struct Node {
  NodeKind kind;
  int line = 0;
  int col = 0;
  std::string text;  // kText; macro name
  std::string attr;  // kSet on a namespace attribute
  ExprPtr expr;      // output, set value, for iterable, call expression
  ExprPtr cond;      // for-loop filter
  bool recursive = false;
  std::vector<std::string> targets;  // assigned names; macro/caller parameters
  std::vector<ExprPtr> defaults;     // parameter defaults (null when none); with values
  std::vector<ExprPtr> filters;      // kFilter exprs with null input
  std::vector<IfBranch> branches;
  NodeList body;
  NodeList else_body;
};

}  // namespace edgellm::chat
