// Recursive-descent parser following Jinja2's grammar and operator precedence:
// condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary < postfix/filters.
#include "chat/parser.h"

#include <cstdlib>

#include "chat/lexer.h"

namespace edgellm::chat {
namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and blocks; deeper templates are refused

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<NodeList> run() {
    std::string found;
    NodeList body;
    EDGELLM_RETURN_IF_ERROR(parse_body({}, &body, &found));
    return body;
  }

 private:
  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool is_op(const char* op) const { return cur().kind == TokKind::kOp && cur().value == op; }
  bool is_name(const char* n) const { return cur().kind == TokKind::kName && cur().value == n; }
  void advance() {
    if (i_ + 1 < t_.size()) ++i_;
  }

  Status error(const Token& t, const std::string& msg) const {
    return make_error(ErrorCode::kInvalidArgument,
                      "template syntax error at line %d, column %d: %s", t.line, t.col,
                      msg.c_str());
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokKind::kText:
        return "text";
      case TokKind::kVarBegin:
        return "'{{'";
      case TokKind::kVarEnd:
        return "'}}'";
      case TokKind::kBlockBegin:
        return "'{%'";
      case TokKind::kBlockEnd:
        return "'%}'";
      case TokKind::kString:
        return "string";
      case TokKind::kEof:
        return "end of template";
      default:
        return "'" + t.value + "'";
    }
  }
  Status expect_op(const char* op) {
    if (!is_op(op))
      return error(cur(), std::string("expected '") + op + "', got " + describe(cur()));
    advance();
    return Status::Ok();
  }
  Status expect_block_end() {
    if (cur().kind != TokKind::kBlockEnd) {
      return error(cur(), "expected end of statement '%}', got " + describe(cur()));
    }
    advance();
    return Status::Ok();
  }
  Result<std::string> expect_name() {
    if (cur().kind != TokKind::kName)
      return error(cur(), "expected a name, got " + describe(cur()));
    std::string n = cur().value;
    advance();
    return n;
  }

  ExprPtr make(ExprKind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->col = at.col;
    return e;
  }
  NodePtr node(NodeKind kind, const Token& at) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = at.line;
    n->col = at.col;
    return n;
  }

  struct DepthGuard {
    explicit DepthGuard(int* d) : d_(d) { ++*d_; }
    ~DepthGuard() { --*d_; }
    int* d_;
  };
  Status check_depth() {
    if (depth_ > kMaxDepth) return error(cur(), "template nested too deeply");
    return Status::Ok();
  }

  // ---- statements ----

  Status parse_body(const std::vector<std::string>& ends, NodeList* out, std::string* found) {
    DepthGuard g(&depth_);
    EDGELLM_RETURN_IF_ERROR(check_depth());
    while (true) {
      const Token& t = cur();
      switch (t.kind) {
        case TokKind::kText: {
          auto n = node(NodeKind::kText, t);
          n->text = t.value;
          out->push_back(std::move(n));
          advance();
          break;
        }
        case TokKind::kVarBegin: {
          auto n = node(NodeKind::kOutput, t);
          advance();
          EDGELLM_ASSIGN_OR_RETURN(n->expr, parse_tuple(true, false));
          if (cur().kind != TokKind::kVarEnd) {
            return error(cur(), "expected end of print statement '}}', got " + describe(cur()));
          }
          advance();
          out->push_back(std::move(n));
          break;
        }
        case TokKind::kBlockBegin: {
          const Token& name = peek();
          if (name.kind == TokKind::kName) {
            for (const auto& e : ends) {
              if (name.value == e) {
                advance();
                advance();
                *found = e;
                return Status::Ok();
              }
            }
          }
          advance();
          EDGELLM_RETURN_IF_ERROR(parse_statement(out));
          break;
        }
        case TokKind::kEof:
          if (!ends.empty()) {
            std::string want;
            for (const auto& e : ends) want += (want.empty() ? "'" : " or '") + e + "'";
            return error(t, "unexpected end of template, expected " + want);
          }
          return Status::Ok();
        default:
          return error(t, "unexpected " + describe(t));
      }
    }
  }

  Status parse_statement(NodeList* out) {
    const Token tag = cur();
    if (tag.kind != TokKind::kName)
      return error(tag, "expected a statement name, got " + describe(tag));
    const std::string& n = tag.value;
    advance();
    if (n == "if") return parse_if(tag, out);
    if (n == "for") return parse_for(tag, out);
    if (n == "set") return parse_set(tag, out);
    if (n == "macro") return parse_macro(tag, out);
    if (n == "call") return parse_call_block(tag, out);
    if (n == "filter") return parse_filter_block(tag, out);
    if (n == "with") return parse_with(tag, out);
    if (n == "generation") {
      auto nd = node(NodeKind::kScope, tag);
      EDGELLM_RETURN_IF_ERROR(expect_block_end());
      std::string found;
      EDGELLM_RETURN_IF_ERROR(parse_body({"endgeneration"}, &nd->body, &found));
      EDGELLM_RETURN_IF_ERROR(expect_block_end());
      out->push_back(std::move(nd));
      return Status::Ok();
    }
    if (n == "break" || n == "continue") {
      if (loop_depth_ == 0) return error(tag, "'" + n + "' outside of a loop");
      out->push_back(node(n == "break" ? NodeKind::kBreak : NodeKind::kContinue, tag));
      return expect_block_end();
    }
    return error(tag, "unknown or unexpected tag '" + n + "'");
  }

  Status parse_if(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kIf, tag);
    IfBranch br;
    EDGELLM_ASSIGN_OR_RETURN(br.cond, parse_tuple(false, false));
    while (true) {
      EDGELLM_RETURN_IF_ERROR(expect_block_end());
      std::string found;
      EDGELLM_RETURN_IF_ERROR(parse_body({"elif", "else", "endif"}, &br.body, &found));
      nd->branches.push_back(std::move(br));
      br = IfBranch();
      if (found == "endif") break;
      if (found == "else") {
        EDGELLM_RETURN_IF_ERROR(expect_block_end());
        EDGELLM_RETURN_IF_ERROR(parse_body({"endif"}, &br.body, &found));
        nd->branches.push_back(std::move(br));
        break;
      }
      EDGELLM_ASSIGN_OR_RETURN(br.cond, parse_tuple(false, false));
    }
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_targets(std::vector<std::string>* names) {
    const bool paren = is_op("(");
    if (paren) advance();
    while (true) {
      EDGELLM_ASSIGN_OR_RETURN(std::string n, expect_name());
      names->push_back(std::move(n));
      if (!is_op(",")) break;
      advance();
      if (cur().kind != TokKind::kName || is_name("in")) break;
    }
    if (paren) EDGELLM_RETURN_IF_ERROR(expect_op(")"));
    return Status::Ok();
  }

  Status parse_for(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kFor, tag);
    EDGELLM_RETURN_IF_ERROR(parse_targets(&nd->targets));
    if (!is_name("in")) return error(cur(), "expected 'in' in for loop, got " + describe(cur()));
    advance();
    EDGELLM_ASSIGN_OR_RETURN(nd->expr, parse_tuple(false, false));
    if (is_name("if")) {
      advance();
      EDGELLM_ASSIGN_OR_RETURN(nd->cond, parse_expression());
    }
    if (is_name("recursive")) {
      advance();
      nd->recursive = true;
    }
    EDGELLM_RETURN_IF_ERROR(expect_block_end());
    std::string found;
    ++loop_depth_;
    Status st = parse_body({"endfor", "else"}, &nd->body, &found);
    --loop_depth_;
    EDGELLM_RETURN_IF_ERROR(st);
    if (found == "else") {
      EDGELLM_RETURN_IF_ERROR(expect_block_end());
      EDGELLM_RETURN_IF_ERROR(parse_body({"endfor"}, &nd->else_body, &found));
    }
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_set(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kSet, tag);
    if (cur().kind == TokKind::kName && peek().kind == TokKind::kOp && peek().value == ".") {
      nd->targets.push_back(cur().value);
      advance();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(nd->attr, expect_name());
    } else {
      EDGELLM_RETURN_IF_ERROR(parse_targets(&nd->targets));
    }
    if (is_op("=")) {
      advance();
      EDGELLM_ASSIGN_OR_RETURN(nd->expr, parse_tuple(true, false));
      out->push_back(std::move(nd));
      return expect_block_end();
    }
    if (!nd->attr.empty() || nd->targets.size() != 1) {
      return error(cur(), "expected '=' in set statement, got " + describe(cur()));
    }
    nd->kind = NodeKind::kSetBlock;
    while (is_op("|")) {
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr f, parse_filter(nullptr));
      nd->filters.push_back(std::move(f));
    }
    EDGELLM_RETURN_IF_ERROR(expect_block_end());
    std::string found;
    EDGELLM_RETURN_IF_ERROR(parse_body({"endset"}, &nd->body, &found));
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_params(Node* nd) {
    EDGELLM_RETURN_IF_ERROR(expect_op("("));
    while (!is_op(")")) {
      if (!nd->targets.empty()) EDGELLM_RETURN_IF_ERROR(expect_op(","));
      if (is_op(")")) break;
      EDGELLM_ASSIGN_OR_RETURN(std::string n, expect_name());
      nd->targets.push_back(std::move(n));
      ExprPtr def;
      if (is_op("=")) {
        advance();
        EDGELLM_ASSIGN_OR_RETURN(def, parse_expression());
      }
      nd->defaults.push_back(std::move(def));
    }
    advance();
    return Status::Ok();
  }

  Status parse_macro(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kMacro, tag);
    EDGELLM_ASSIGN_OR_RETURN(nd->text, expect_name());
    EDGELLM_RETURN_IF_ERROR(parse_params(nd.get()));
    EDGELLM_RETURN_IF_ERROR(expect_block_end());
    std::string found;
    const int saved = loop_depth_;
    loop_depth_ = 0;
    Status st = parse_body({"endmacro"}, &nd->body, &found);
    loop_depth_ = saved;
    EDGELLM_RETURN_IF_ERROR(st);
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_call_block(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kCallBlock, tag);
    if (is_op("(")) EDGELLM_RETURN_IF_ERROR(parse_params(nd.get()));
    const Token at = cur();
    EDGELLM_ASSIGN_OR_RETURN(nd->expr, parse_expression());
    if (nd->expr->kind != ExprKind::kCall) return error(at, "expected a call after 'call'");
    EDGELLM_RETURN_IF_ERROR(expect_block_end());
    std::string found;
    EDGELLM_RETURN_IF_ERROR(parse_body({"endcall"}, &nd->body, &found));
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_filter_block(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kFilterBlock, tag);
    while (true) {
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr f, parse_filter(nullptr));
      nd->filters.push_back(std::move(f));
      if (!is_op("|")) break;
      advance();
    }
    EDGELLM_RETURN_IF_ERROR(expect_block_end());
    std::string found;
    EDGELLM_RETURN_IF_ERROR(parse_body({"endfilter"}, &nd->body, &found));
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  Status parse_with(const Token& tag, NodeList* out) {
    auto nd = node(NodeKind::kWith, tag);
    while (cur().kind != TokKind::kBlockEnd) {
      if (!nd->targets.empty()) EDGELLM_RETURN_IF_ERROR(expect_op(","));
      EDGELLM_ASSIGN_OR_RETURN(std::string n, expect_name());
      EDGELLM_RETURN_IF_ERROR(expect_op("="));
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
      nd->targets.push_back(std::move(n));
      nd->defaults.push_back(std::move(v));
    }
    advance();
    std::string found;
    EDGELLM_RETURN_IF_ERROR(parse_body({"endwith"}, &nd->body, &found));
    out->push_back(std::move(nd));
    return expect_block_end();
  }

  // ---- expressions ----

  bool is_tuple_end() const {
    const auto k = cur().kind;
    return k == TokKind::kVarEnd || k == TokKind::kBlockEnd || k == TokKind::kEof || is_op(")") ||
           is_name("in") || is_name("recursive") || is_name("if");
  }

  Result<ExprPtr> parse_tuple(bool with_condexpr, bool explicit_parens) {
    const Token at = cur();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) {
        if (!is_op(",")) break;
        advance();
        is_tuple = true;
      }
      if (is_tuple_end()) break;
      if (with_condexpr) {
        EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_expression());
        items.push_back(std::move(e));
      } else {
        EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_or());
        items.push_back(std::move(e));
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) return error(cur(), "expected an expression, got " + describe(cur()));
    }
    auto e = make(ExprKind::kTuple, at);
    e->children = std::move(items);
    return e;
  }

  Result<ExprPtr> parse_expression() {
    DepthGuard g(&depth_);
    EDGELLM_RETURN_IF_ERROR(check_depth());
    const Token at = cur();
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_or());
    while (is_name("if")) {
      advance();
      auto c = make(ExprKind::kCond, at);
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr cond, parse_or());
      ExprPtr other;
      if (is_name("else")) {
        advance();
        EDGELLM_ASSIGN_OR_RETURN(other, parse_expression());
      }
      c->children.push_back(std::move(e));
      c->children.push_back(std::move(cond));
      c->children.push_back(std::move(other));
      e = std::move(c);
    }
    return e;
  }

  Result<ExprPtr> binary(const char* op, const Token& at, ExprPtr l, ExprPtr r) {
    auto e = make(ExprKind::kBinary, at);
    e->name = op;
    e->children.push_back(std::move(l));
    e->children.push_back(std::move(r));
    return e;
  }

  Result<ExprPtr> parse_or() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_and());
    while (is_name("or")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_and());
      EDGELLM_ASSIGN_OR_RETURN(e, binary("or", at, std::move(e), std::move(r)));
    }
    return e;
  }

  Result<ExprPtr> parse_and() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_not());
    while (is_name("and")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_not());
      EDGELLM_ASSIGN_OR_RETURN(e, binary("and", at, std::move(e), std::move(r)));
    }
    return e;
  }

  Result<ExprPtr> parse_not() {
    if (is_name("not")) {
      DepthGuard g(&depth_);
      EDGELLM_RETURN_IF_ERROR(check_depth());
      auto e = make(ExprKind::kUnary, cur());
      e->name = "not";
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr inner, parse_not());
      e->children.push_back(std::move(inner));
      return e;
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    const Token at = cur();
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr first, parse_math1());
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().kind == TokKind::kOp &&
          (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == ">" ||
           cur().value == "<=" || cur().value == ">=")) {
        op = cur().value;
        advance();
      } else if (is_name("in")) {
        op = "in";
        advance();
      } else if (is_name("not") && peek().kind == TokKind::kName && peek().value == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(ExprKind::kCompare, at);
        cmp->children.push_back(std::move(first));
      }
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_math1());
      cmp->ops.push_back(op);
      cmp->children.push_back(std::move(r));
    }
    if (cmp) return cmp;
    return first;
  }

  Result<ExprPtr> parse_math1() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_concat());
    while (is_op("+") || is_op("-")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_concat());
      EDGELLM_ASSIGN_OR_RETURN(e,
                               binary(at.value == "+" ? "+" : "-", at, std::move(e), std::move(r)));
    }
    return e;
  }

  Result<ExprPtr> parse_concat() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_math2());
    while (is_op("~")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_math2());
      EDGELLM_ASSIGN_OR_RETURN(e, binary("~", at, std::move(e), std::move(r)));
    }
    return e;
  }

  Result<ExprPtr> parse_math2() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_pow());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_pow());
      auto b = make(ExprKind::kBinary, at);
      b->name = at.value;
      b->children.push_back(std::move(e));
      b->children.push_back(std::move(r));
      e = std::move(b);
    }
    return e;
  }

  Result<ExprPtr> parse_pow() {
    EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_unary(true));
    while (is_op("**")) {
      const Token at = cur();
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr r, parse_unary(true));
      EDGELLM_ASSIGN_OR_RETURN(e, binary("**", at, std::move(e), std::move(r)));
    }
    return e;
  }

  Result<ExprPtr> parse_unary(bool with_filter) {
    DepthGuard g(&depth_);
    EDGELLM_RETURN_IF_ERROR(check_depth());
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      e = make(ExprKind::kUnary, cur());
      e->name = cur().value;
      advance();
      EDGELLM_ASSIGN_OR_RETURN(ExprPtr inner, parse_unary(false));
      e->children.push_back(std::move(inner));
    } else {
      EDGELLM_ASSIGN_OR_RETURN(e, parse_primary());
    }
    EDGELLM_ASSIGN_OR_RETURN(e, parse_postfix(std::move(e)));
    if (with_filter) {
      EDGELLM_ASSIGN_OR_RETURN(e, parse_filter_expr(std::move(e)));
    }
    return e;
  }

  Result<ExprPtr> parse_primary() {
    const Token t = cur();
    switch (t.kind) {
      case TokKind::kName: {
        advance();
        auto e = make(ExprKind::kLiteral, t);
        if (t.value == "true" || t.value == "True") {
          e->literal = Value::boolean(true);
        } else if (t.value == "false" || t.value == "False") {
          e->literal = Value::boolean(false);
        } else if (t.value == "none" || t.value == "None") {
          e->literal = Value::none();
        } else {
          e->kind = ExprKind::kName;
          e->name = t.value;
        }
        return e;
      }
      case TokKind::kString: {
        std::string s;
        while (cur().kind == TokKind::kString) {
          s += cur().value;
          advance();
        }
        auto e = make(ExprKind::kLiteral, t);
        e->literal = Value::string(std::move(s));
        return e;
      }
      case TokKind::kInt: {
        advance();
        auto e = make(ExprKind::kLiteral, t);
        errno = 0;
        const long long v = std::strtoll(t.value.c_str(), nullptr, 10);
        if (errno == ERANGE) return error(t, "integer literal out of range");
        e->literal = Value::integer(v);
        return e;
      }
      case TokKind::kFloat: {
        advance();
        auto e = make(ExprKind::kLiteral, t);
        e->literal = Value::real(std::strtod(t.value.c_str(), nullptr));
        return e;
      }
      case TokKind::kOp:
        if (t.value == "(") {
          advance();
          EDGELLM_ASSIGN_OR_RETURN(ExprPtr e, parse_tuple(true, true));
          EDGELLM_RETURN_IF_ERROR(expect_op(")"));
          return e;
        }
        if (t.value == "[" || t.value == "{") {
          const bool is_list = t.value == "[";
          const char* close = is_list ? "]" : "}";
          advance();
          auto e = make(is_list ? ExprKind::kList : ExprKind::kDict, t);
          while (!is_op(close)) {
            if (!e->children.empty()) {
              EDGELLM_RETURN_IF_ERROR(expect_op(","));
              if (is_op(close)) break;
            }
            EDGELLM_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
            e->children.push_back(std::move(item));
            if (!is_list) {
              EDGELLM_RETURN_IF_ERROR(expect_op(":"));
              EDGELLM_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
              e->children.push_back(std::move(value));
            }
          }
          advance();
          return e;
        }
        break;
      default:
        break;
    }
    return error(t, "unexpected " + describe(t) + " in expression");
  }

  Result<ExprPtr> parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const Token at = cur();
        advance();
        if (cur().kind == TokKind::kName) {
          auto g = make(ExprKind::kGetAttr, at);
          g->name = cur().value;
          g->children.push_back(std::move(e));
          e = std::move(g);
        } else if (cur().kind == TokKind::kInt) {
          auto g = make(ExprKind::kGetItem, at);
          auto idx = make(ExprKind::kLiteral, cur());
          idx->literal = Value::integer(std::strtoll(cur().value.c_str(), nullptr, 10));
          g->children.push_back(std::move(e));
          g->children.push_back(std::move(idx));
          e = std::move(g);
        } else {
          return error(cur(), "expected an attribute name after '.', got " + describe(cur()));
        }
        advance();
      } else if (is_op("[")) {
        EDGELLM_ASSIGN_OR_RETURN(e, parse_subscript(std::move(e)));
      } else if (is_op("(")) {
        EDGELLM_ASSIGN_OR_RETURN(e, parse_call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  bool at_slice_end() const { return is_op("]") || is_op(","); }

  Result<ExprPtr> parse_subscript(ExprPtr obj) {
    const Token at = cur();
    advance();  // [
    ExprPtr start;
    if (!is_op(":")) {
      EDGELLM_ASSIGN_OR_RETURN(start, parse_expression());
      if (!is_op(":")) {
        EDGELLM_RETURN_IF_ERROR(expect_op("]"));
        auto g = make(ExprKind::kGetItem, at);
        g->children.push_back(std::move(obj));
        g->children.push_back(std::move(start));
        return g;
      }
    }
    advance();  // first ':'
    ExprPtr stop, step;
    if (!is_op(":") && !at_slice_end()) {
      EDGELLM_ASSIGN_OR_RETURN(stop, parse_expression());
    }
    if (is_op(":")) {
      advance();
      if (!at_slice_end()) {
        EDGELLM_ASSIGN_OR_RETURN(step, parse_expression());
      }
    }
    EDGELLM_RETURN_IF_ERROR(expect_op("]"));
    auto s = make(ExprKind::kSlice, at);
    s->children.push_back(std::move(obj));
    s->children.push_back(std::move(start));
    s->children.push_back(std::move(stop));
    s->children.push_back(std::move(step));
    return s;
  }

  // Parses "(args, kw=value)" into e's children (after any already there) and kwargs.
  Status parse_args(Expr* e) {
    EDGELLM_RETURN_IF_ERROR(expect_op("("));
    bool first = true;
    while (!is_op(")")) {
      if (!first) {
        EDGELLM_RETURN_IF_ERROR(expect_op(","));
        if (is_op(")")) break;
      }
      first = false;
      if (cur().kind == TokKind::kName && peek().kind == TokKind::kOp && peek().value == "=") {
        std::string key = cur().value;
        advance();
        advance();
        EDGELLM_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
        e->kwargs.emplace_back(std::move(key), std::move(v));
      } else {
        if (!e->kwargs.empty()) return error(cur(), "positional argument follows keyword argument");
        EDGELLM_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
        e->children.push_back(std::move(v));
      }
    }
    advance();
    return Status::Ok();
  }

  Result<ExprPtr> parse_call(ExprPtr callee) {
    auto c = make(ExprKind::kCall, cur());
    c->children.push_back(std::move(callee));
    EDGELLM_RETURN_IF_ERROR(parse_args(c.get()));
    return c;
  }

  Result<std::string> dotted_name() {
    EDGELLM_ASSIGN_OR_RETURN(std::string n, expect_name());
    while (is_op(".") && peek().kind == TokKind::kName) {
      advance();
      n += "." + cur().value;
      advance();
    }
    return n;
  }

  // After '|': name [args]. `input` may be null (filter blocks, set blocks).
  Result<ExprPtr> parse_filter(ExprPtr input) {
    auto f = make(ExprKind::kFilter, cur());
    EDGELLM_ASSIGN_OR_RETURN(f->name, dotted_name());
    f->children.push_back(std::move(input));
    if (is_op("(")) EDGELLM_RETURN_IF_ERROR(parse_args(f.get()));
    return f;
  }

  Result<ExprPtr> parse_filter_expr(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        advance();
        EDGELLM_ASSIGN_OR_RETURN(e, parse_filter(std::move(e)));
      } else if (is_name("is")) {
        auto t = make(ExprKind::kTest, cur());
        advance();
        if (is_name("not")) {
          t->negated = true;
          advance();
        }
        EDGELLM_ASSIGN_OR_RETURN(t->name, dotted_name());
        t->children.push_back(std::move(e));
        const Token& c = cur();
        if (is_op("(")) {
          EDGELLM_RETURN_IF_ERROR(parse_args(t.get()));
        } else if ((c.kind == TokKind::kName || c.kind == TokKind::kString ||
                    c.kind == TokKind::kInt || c.kind == TokKind::kFloat || is_op("[") ||
                    is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and")) {
          EDGELLM_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
          EDGELLM_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
          t->children.push_back(std::move(arg));
        }
        e = std::move(t);
      } else if (is_op("(")) {
        EDGELLM_ASSIGN_OR_RETURN(e, parse_call(std::move(e)));
      } else {
        return e;
      }
    }
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Result<NodeList> parse_template(std::string_view source) {
  EDGELLM_ASSIGN_OR_RETURN(std::vector<Token> toks, lex_template(source));
  return Parser(std::move(toks)).run();
}

}  // namespace edgellm::chat
