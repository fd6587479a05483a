// Regex parsing and compilation: pattern text -> syntax tree -> backtracking program.
#include <string>
#include <utility>

#include "tokenizer/regex_internal.h"

namespace edgellm::tokenizer::regex_detail {

namespace {

using unicode::Category;
using unicode::category_bit;

struct Node {
  enum Kind { kEmpty, kChar, kClass, kAny, kConcat, kAlt, kRepeat, kLook, kAtomic, kAssert };
  enum Greed { kGreedy, kLazy, kPossessive };
  Kind kind = kEmpty;
  uint32_t cp = 0;
  bool icase = false;
  int cls = -1;
  std::vector<Node> kids;
  int min = 0, max = -1;  // kRepeat; max -1 = unbounded
  Greed greed = kGreedy;
  bool negate = false;    // kLook
  AssertKind assertion = kBegin;
};

// Unicode property names accepted in \p{...}.
bool property_mask(const std::string& name, unicode::CategoryMask* mask) {
  struct Entry {
    const char* name;
    unicode::CategoryMask mask;
  };
  static const Entry kEntries[] = {
      {"L", unicode::kLetter}, {"Letter", unicode::kLetter},
      {"Lu", category_bit(Category::Lu)}, {"Ll", category_bit(Category::Ll)},
      {"Lt", category_bit(Category::Lt)}, {"Lm", category_bit(Category::Lm)},
      {"Lo", category_bit(Category::Lo)},
      {"LC", category_bit(Category::Lu) | category_bit(Category::Ll) | category_bit(Category::Lt)},
      {"L&", category_bit(Category::Lu) | category_bit(Category::Ll) | category_bit(Category::Lt)},
      {"M", unicode::kMark}, {"Mark", unicode::kMark},
      {"Mn", category_bit(Category::Mn)}, {"Mc", category_bit(Category::Mc)},
      {"Me", category_bit(Category::Me)},
      {"N", unicode::kNumber}, {"Number", unicode::kNumber},
      {"Nd", category_bit(Category::Nd)}, {"Nl", category_bit(Category::Nl)},
      {"No", category_bit(Category::No)},
      {"P", unicode::kPunctuation}, {"Punctuation", unicode::kPunctuation},
      {"Pc", category_bit(Category::Pc)}, {"Pd", category_bit(Category::Pd)},
      {"Ps", category_bit(Category::Ps)}, {"Pe", category_bit(Category::Pe)},
      {"Pi", category_bit(Category::Pi)}, {"Pf", category_bit(Category::Pf)},
      {"Po", category_bit(Category::Po)},
      {"S", unicode::kSymbol}, {"Symbol", unicode::kSymbol},
      {"Sm", category_bit(Category::Sm)}, {"Sc", category_bit(Category::Sc)},
      {"Sk", category_bit(Category::Sk)}, {"So", category_bit(Category::So)},
      {"Z", unicode::kSeparator}, {"Separator", unicode::kSeparator},
      {"Zs", category_bit(Category::Zs)}, {"Zl", category_bit(Category::Zl)},
      {"Zp", category_bit(Category::Zp)},
      {"C", unicode::kOther}, {"Other", unicode::kOther},
      {"Cc", category_bit(Category::Cc)}, {"Cf", category_bit(Category::Cf)},
      {"Cs", category_bit(Category::Cs)}, {"Co", category_bit(Category::Co)},
      {"Cn", category_bit(Category::Cn)},
  };
  for (const auto& e : kEntries) {
    if (name == e.name) {
      *mask = e.mask;
      return true;
    }
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view pattern, Regex::Program* prog)
      : text_(pattern), pat_(unicode::decode_utf8(pattern)), prog_(prog) {}

  Result<Node> parse() {
    EDGELLM_ASSIGN_OR_RETURN(Node root, parse_alt());
    if (i_ < pat_.size()) return error("unmatched ')'");
    return root;
  }

 private:
  bool eof() const { return i_ >= pat_.size(); }
  uint32_t peek(size_t ahead = 0) const { return i_ + ahead < pat_.size() ? pat_[i_ + ahead] : 0; }
  bool accept(uint32_t c) {
    if (!eof() && pat_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  Status error(const char* what) const {
    return make_error(ErrorCode::kInvalidArgument, "regex '%s': %s at code point %zu", text_.c_str(),
                      what, i_);
  }

  Result<Node> parse_alt() {
    Node alt;
    alt.kind = Node::kAlt;
    do {
      EDGELLM_ASSIGN_OR_RETURN(Node branch, parse_concat());
      alt.kids.push_back(std::move(branch));
    } while (accept('|'));
    if (alt.kids.size() == 1) return std::move(alt.kids[0]);
    return alt;
  }

  Result<Node> parse_concat() {
    Node cat;
    cat.kind = Node::kConcat;
    while (!eof() && peek() != '|' && peek() != ')') {
      // An inline flag group "(?i)" changes the rest of the enclosing group.
      if (peek() == '(' && peek(1) == '?' && peek(2) == 'i' && peek(3) == ')') {
        i_ += 4;
        icase_ = true;
        continue;
      }
      EDGELLM_ASSIGN_OR_RETURN(Node item, parse_quantified());
      cat.kids.push_back(std::move(item));
    }
    if (cat.kids.empty()) return Node{};
    if (cat.kids.size() == 1) return std::move(cat.kids[0]);
    return cat;
  }

  // Reads a decimal number; false if there is none.
  bool read_int(int* out) {
    if (eof() || peek() < '0' || peek() > '9') return false;
    long v = 0;
    while (!eof() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<long>(peek() - '0');
      if (v > 100000) return false;
      ++i_;
    }
    *out = static_cast<int>(v);
    return true;
  }

  // Parses "{n}", "{n,}" or "{n,m}" at '{'; leaves i_ unchanged and returns false if the brace
  // does not start a quantifier (then it is a literal, as in Perl).
  bool parse_braces(int* min, int* max) {
    const size_t save = i_;
    ++i_;  // '{'
    if (!read_int(min)) {
      i_ = save;
      return false;
    }
    *max = *min;
    if (accept(',')) {
      if (!read_int(max)) *max = -1;
    }
    if (!accept('}')) {
      i_ = save;
      return false;
    }
    return true;
  }

  Result<Node> parse_quantified() {
    EDGELLM_ASSIGN_OR_RETURN(Node atom, parse_atom());
    for (;;) {
      int min, max;
      if (accept('*')) {
        min = 0, max = -1;
      } else if (accept('+')) {
        min = 1, max = -1;
      } else if (accept('?')) {
        min = 0, max = 1;
      } else if (peek() == '{' && parse_braces(&min, &max)) {
        if (max != -1 && max < min) return error("repetition {n,m} with m < n");
      } else {
        break;
      }
      if (atom.kind == Node::kAssert || atom.kind == Node::kLook) {
        return error("quantifier after an assertion");
      }
      Node rep;
      rep.kind = Node::kRepeat;
      rep.min = min;
      rep.max = max;
      if (accept('?')) {
        rep.greed = Node::kLazy;
      } else if (accept('+')) {
        rep.greed = Node::kPossessive;
      }
      rep.kids.push_back(std::move(atom));
      atom = std::move(rep);
    }
    return atom;
  }

  Result<Node> parse_group() {
    // At '('.
    ++i_;
    Node group;
    bool restore_icase = icase_;
    enum { kPlain, kLookahead, kNegLookahead, kAtomicGroup } type = kPlain;
    if (accept('?')) {
      if (accept(':')) {
      } else if (accept('=')) {
        type = kLookahead;
      } else if (accept('!')) {
        type = kNegLookahead;
      } else if (accept('>')) {
        type = kAtomicGroup;
      } else if (peek() == 'i' && peek(1) == ':') {
        i_ += 2;
        icase_ = true;
      } else if (peek() == '<' && (peek(1) == '=' || peek(1) == '!')) {
        return error("lookbehind is not supported");
      } else if (accept('P') || peek() == '<') {
        // Named group: (?<name>...) or (?P<name>...), matched like a plain group.
        if (!accept('<')) return error("bad group name");
        while (!eof() && peek() != '>') ++i_;
        if (!accept('>')) return error("unterminated group name");
      } else {
        return error("unsupported group flag");
      }
    }
    EDGELLM_ASSIGN_OR_RETURN(Node inner, parse_alt());
    icase_ = restore_icase;
    if (!accept(')')) return error("missing ')'");
    if (type == kPlain) return inner;
    group.kids.push_back(std::move(inner));
    if (type == kAtomicGroup) {
      group.kind = Node::kAtomic;
    } else {
      group.kind = Node::kLook;
      group.negate = type == kNegLookahead;
    }
    return group;
  }

  Result<uint32_t> parse_hex(size_t min_digits, size_t max_digits) {
    uint32_t v = 0;
    size_t n = 0;
    while (n < max_digits && !eof()) {
      const uint32_t c = peek();
      int d;
      if (c >= '0' && c <= '9') {
        d = static_cast<int>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<int>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<int>(c - 'A' + 10);
      } else {
        break;
      }
      v = v * 16 + static_cast<uint32_t>(d);
      ++i_;
      ++n;
    }
    if (n < min_digits || v > 0x10FFFF) return error("bad hexadecimal escape");
    return v;
  }

  // Parses a class escape (\s \d \w \p{..} and negations) after the backslash; returns false
  // (consuming nothing) if the escape is not one.
  Result<bool> parse_class_escape(ClassItem* item) {
    const uint32_t c = peek();
    switch (c) {
      case 's': case 'S': item->kind = ClassItem::kSpace; break;
      case 'd': case 'D': item->kind = ClassItem::kDigit; break;
      case 'w': case 'W': item->kind = ClassItem::kWord; break;
      case 'p': case 'P': {
        ++i_;
        std::string name;
        if (accept('{')) {
          while (!eof() && peek() != '}') {
            if (peek() >= 0x80) return error("bad property name");
            name.push_back(static_cast<char>(peek()));
            ++i_;
          }
          if (!accept('}')) return error("unterminated \\p{");
        } else if (!eof() && peek() < 0x80) {
          name.push_back(static_cast<char>(peek()));
          ++i_;
        }
        bool negated = c == 'P';
        if (!name.empty() && name[0] == '^') {
          negated = !negated;
          name.erase(0, 1);
        }
        item->negated = negated;
        if (name == "Han") {
          item->kind = ClassItem::kHan;
          return true;
        }
        item->kind = ClassItem::kCategories;
        if (!property_mask(name, &item->mask)) return error("unknown Unicode property");
        return true;
      }
      default:
        return false;
    }
    item->negated = c == 'S' || c == 'D' || c == 'W';
    ++i_;
    return true;
  }

  // A single escaped character after the backslash (\n, \x41, \., ...).
  Result<uint32_t> parse_char_escape() {
    if (eof()) return error("trailing backslash");
    const uint32_t c = pat_[i_++];
    switch (c) {
      case 'n': return uint32_t{'\n'};
      case 'r': return uint32_t{'\r'};
      case 't': return uint32_t{'\t'};
      case 'f': return uint32_t{'\f'};
      case 'v': return uint32_t{0x0B};
      case 'a': return uint32_t{0x07};
      case 'e': return uint32_t{0x1B};
      case '0': return uint32_t{0};
      case 'x':
        if (accept('{')) {
          EDGELLM_ASSIGN_OR_RETURN(uint32_t v, parse_hex(1, 6));
          if (!accept('}')) return error("unterminated \\x{");
          return v;
        }
        return parse_hex(2, 2);
      case 'u': return parse_hex(4, 4);
      default:
        break;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9')) {
      --i_;
      return error("unsupported escape");
    }
    return c;  // an escaped punctuation character stands for itself
  }

  int add_class(CharClass cls) {
    prog_->classes.push_back(std::move(cls));
    return static_cast<int>(prog_->classes.size() - 1);
  }

  // Parses a bracket class at '['; returns its index.
  Result<int> parse_class() {
    ++i_;  // '['
    CharClass cls;
    cls.icase = icase_;
    cls.negated = accept('^');
    bool first = true;
    for (;;) {
      if (eof()) return error("unterminated character class");
      uint32_t c = peek();
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      if (c == '[') {
        EDGELLM_ASSIGN_OR_RETURN(int nested, parse_class());
        ClassItem item;
        item.kind = ClassItem::kNested;
        item.nested = nested;
        cls.items.push_back(item);
        continue;
      }
      if (c == '&' && peek(1) == '&') {
        // Intersection: the rest of this class is a second operand.
        // Parse it as a nested class by turning the second '&' into its opening bracket; its
        // closing bracket is this class's.
        ++i_;
        pat_[i_] = '[';
        EDGELLM_ASSIGN_OR_RETURN(int rhs, parse_class());
        cls.intersect.push_back(rhs);
        break;
      }
      uint32_t lo;
      if (c == '\\') {
        ++i_;
        ClassItem item;
        EDGELLM_ASSIGN_OR_RETURN(bool is_class, parse_class_escape(&item));
        if (is_class) {
          cls.items.push_back(item);
          continue;
        }
        if (peek() == 'b') {  // \b inside a class is a backspace
          ++i_;
          lo = 0x08;
        } else {
          EDGELLM_ASSIGN_OR_RETURN(lo, parse_char_escape());
        }
      } else {
        lo = c;
        ++i_;
      }
      uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && i_ + 1 < pat_.size()) {
        ++i_;
        if (peek() == '\\') {
          ++i_;
          EDGELLM_ASSIGN_OR_RETURN(hi, parse_char_escape());
        } else {
          hi = peek();
          ++i_;
        }
        if (hi < lo) return error("class range out of order");
      }
      ClassItem item;
      item.kind = ClassItem::kRange;
      item.lo = lo;
      item.hi = hi;
      cls.items.push_back(item);
    }
    return add_class(std::move(cls));
  }

  Node literal(uint32_t cp) {
    Node n;
    if (cp >= 0x80 && unicode::is_whitespace(cp)) {
      // As in a class (see item_matches): a literal non-ASCII space matches nothing, the way
      // llama.cpp's engine sees the text. An empty class says so.
      n.kind = Node::kClass;
      n.cls = add_class(CharClass{});
      return n;
    }
    n.kind = Node::kChar;
    n.cp = cp;
    n.icase = icase_;
    return n;
  }

  Result<Node> parse_atom() {
    Node n;
    const uint32_t c = peek();
    switch (c) {
      case '(':
        return parse_group();
      case '[': {
        EDGELLM_ASSIGN_OR_RETURN(n.cls, parse_class());
        n.kind = Node::kClass;
        return n;
      }
      case '.':
        ++i_;
        n.kind = Node::kAny;
        return n;
      case '^':
        ++i_;
        n.kind = Node::kAssert;
        n.assertion = kBegin;
        return n;
      case '$':
        ++i_;
        n.kind = Node::kAssert;
        n.assertion = kEnd;
        return n;
      case '*': case '+': case '?':
        return error("nothing to repeat");
      case '\\': {
        ++i_;
        const uint32_t e = peek();
        if (e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z') {
          ++i_;
          n.kind = Node::kAssert;
          n.assertion = e == 'b' ? kWordBoundary : e == 'B' ? kNotWordBoundary
                        : e == 'A' ? kBegin : kEnd;
          return n;
        }
        ClassItem item;
        EDGELLM_ASSIGN_OR_RETURN(bool is_class, parse_class_escape(&item));
        if (is_class) {
          CharClass cls;
          cls.items.push_back(item);
          n.kind = Node::kClass;
          n.cls = add_class(std::move(cls));
          return n;
        }
        EDGELLM_ASSIGN_OR_RETURN(n.cp, parse_char_escape());
        return literal(n.cp);
      }
      default:
        ++i_;
        return literal(c);
    }
  }

  std::string text_;
  std::vector<uint32_t> pat_;
  Regex::Program* prog_;
  size_t i_ = 0;
  bool icase_ = false;
};

bool nullable(const Node& n) {
  switch (n.kind) {
    case Node::kChar: case Node::kClass: case Node::kAny:
      return false;
    case Node::kConcat:
      for (const auto& k : n.kids) {
        if (!nullable(k)) return false;
      }
      return true;
    case Node::kAlt:
      for (const auto& k : n.kids) {
        if (nullable(k)) return true;
      }
      return false;
    case Node::kRepeat:
      return n.min == 0 || nullable(n.kids[0]);
    case Node::kAtomic:
      return nullable(n.kids[0]);
    default:
      return true;
  }
}

class Compiler {
 public:
  explicit Compiler(Regex::Program* prog) : prog_(prog) {}

  // Compiles `n` into a new program ending in kMatch; returns its index.
  Result<int> compile(const Node& n) {
    const int idx = static_cast<int>(prog_->code.size());
    prog_->code.emplace_back();
    std::vector<Inst> code;
    EDGELLM_RETURN_IF_ERROR(emit(n, code));
    code.push_back(Inst{Op::kMatch});
    prog_->code[idx] = std::move(code);
    return idx;
  }

 private:
  static int32_t here(const std::vector<Inst>& code) { return static_cast<int32_t>(code.size()); }

  Status emit(const Node& n, std::vector<Inst>& code) {
    switch (n.kind) {
      case Node::kEmpty:
        return Status::Ok();
      case Node::kChar: {
        const uint32_t lo = unicode::to_lower(n.cp), up = unicode::to_upper(n.cp);
        if (n.icase && (lo != n.cp || up != n.cp)) {
          code.push_back(Inst{Op::kCharI, 0, static_cast<int32_t>(up), 0, lo});
        } else {
          code.push_back(Inst{Op::kChar, 0, 0, 0, n.cp});
        }
        return Status::Ok();
      }
      case Node::kClass:
        code.push_back(Inst{Op::kClass, 0, n.cls});
        return Status::Ok();
      case Node::kAny:
        code.push_back(Inst{Op::kAny});
        return Status::Ok();
      case Node::kAssert:
        code.push_back(Inst{Op::kAssert, static_cast<uint8_t>(n.assertion)});
        return Status::Ok();
      case Node::kConcat:
        for (const auto& k : n.kids) EDGELLM_RETURN_IF_ERROR(emit(k, code));
        return Status::Ok();
      case Node::kAlt: {
        std::vector<size_t> jumps;
        for (size_t i = 0; i < n.kids.size(); ++i) {
          if (i + 1 < n.kids.size()) {
            const size_t split = code.size();
            code.push_back(Inst{Op::kSplit, 0, here(code) + 1, 0});
            EDGELLM_RETURN_IF_ERROR(emit(n.kids[i], code));
            jumps.push_back(code.size());
            code.push_back(Inst{Op::kJmp});
            code[split].y = here(code);
          } else {
            EDGELLM_RETURN_IF_ERROR(emit(n.kids[i], code));
          }
        }
        for (size_t j : jumps) code[j].x = here(code);
        return Status::Ok();
      }
      case Node::kLook:
      case Node::kAtomic: {
        EDGELLM_ASSIGN_OR_RETURN(int sub, compile(n.kids[0]));
        if (n.kind == Node::kLook) {
          code.push_back(Inst{Op::kLook, static_cast<uint8_t>(n.negate ? 1 : 0), sub});
        } else {
          code.push_back(Inst{Op::kAtomic, 0, sub});
        }
        return Status::Ok();
      }
      case Node::kRepeat:
        return emit_repeat(n, code);
    }
    return Status::Ok();
  }

  Status emit_repeat(const Node& n, std::vector<Inst>& code) {
    const Node& body = n.kids[0];
    if (n.max == -1 && nullable(body)) {
      return make_error(ErrorCode::kUnsupported,
                        "regex: unbounded repetition of an expression that can match empty text");
    }
    if (n.greed == Node::kPossessive) {
      Node greedy = n;
      greedy.greed = Node::kGreedy;
      EDGELLM_ASSIGN_OR_RETURN(int sub, compile(greedy));
      code.push_back(Inst{Op::kAtomic, 0, sub});
      return Status::Ok();
    }
    if (static_cast<size_t>(n.min) + (n.max > n.min ? static_cast<size_t>(n.max - n.min) : 0) >
        4096) {
      return make_error(ErrorCode::kUnsupported, "regex: repetition count too large");
    }
    const bool lazy = n.greed == Node::kLazy;
    for (int i = 0; i < n.min; ++i) EDGELLM_RETURN_IF_ERROR(emit(body, code));
    if (n.max == -1) {
      const int32_t loop = here(code);
      code.push_back(Inst{Op::kSplit});
      EDGELLM_RETURN_IF_ERROR(emit(body, code));
      code.push_back(Inst{Op::kJmp, 0, loop});
      set_split(code[loop], loop + 1, here(code), lazy);
      return Status::Ok();
    }
    std::vector<int32_t> splits;
    for (int i = n.min; i < n.max; ++i) {
      splits.push_back(here(code));
      code.push_back(Inst{Op::kSplit});
      EDGELLM_RETURN_IF_ERROR(emit(body, code));
    }
    for (int32_t s : splits) set_split(code[s], s + 1, here(code), lazy);
    return Status::Ok();
  }

  // A split that enters `body` first (greedy) or skips to `after` first (lazy).
  static void set_split(Inst& in, int32_t body, int32_t after, bool lazy) {
    in.x = lazy ? after : body;
    in.y = lazy ? body : after;
  }

  Regex::Program* prog_;
};

void build_ascii_tables(Regex::Program* prog) {
  for (auto& cls : prog->classes) {
    cls.ascii = {0, 0};
    for (uint32_t c = 0; c < 128; ++c) {
      if (class_matches_slow(*prog, cls, c)) cls.ascii[c >> 6] |= uint64_t{1} << (c & 63);
    }
  }
}

}  // namespace

Result<Regex::Program> compile_program(std::string_view pattern) {
  Regex::Program prog;
  Parser parser(pattern, &prog);
  EDGELLM_ASSIGN_OR_RETURN(Node root, parser.parse());
  Compiler compiler(&prog);
  Result<int> main_idx = compiler.compile(root);
  if (!main_idx.ok()) {
    return main_idx.status().with_context("regex '" + std::string(pattern) + "'");
  }
  // compile() appends sub-programs while compiling the main one; the main program went in first.
  build_ascii_tables(&prog);
  return prog;
}

}  // namespace edgellm::tokenizer::regex_detail
