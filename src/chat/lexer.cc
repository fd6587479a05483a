// Splits a template into text and tag tokens, applying Jinja's whitespace rules (trim_blocks,
// lstrip_blocks, '-' markers), and tokenizes the expressions inside tags.
#include "chat/lexer.h"

#include <algorithm>
#include <cstring>

#include "chat/utf8.h"

namespace edgellm::chat {
namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> run() {
    size_t pos = 0;
    bool strip_next = false;    // previous tag ended with '-'
    bool trim_next = false;     // previous block/comment tag ended without '+' (trim_blocks)
    bool line_starting = true;  // the previous tag ended at a line start
    while (pos <= src_.size()) {
      size_t at = find_tag(pos);
      std::string text(src_.substr(pos, (at == std::string_view::npos ? src_.size() : at) - pos));
      const size_t text_pos = pos;
      if (strip_next) {
        size_t k = 0;
        while (k < text.size() && is_ws(text[k])) ++k;
        text.erase(0, k);
      } else if (trim_next && !text.empty() && text[0] == '\n') {
        text.erase(0, 1);
      } else if (trim_next && text.size() >= 2 && text[0] == '\r' && text[1] == '\n') {
        text.erase(0, 2);
      }
      if (at == std::string_view::npos) {
        emit_text(std::move(text), text_pos);
        break;
      }
      const char type = src_[at + 1];
      const char mod = at + 2 < src_.size() ? src_[at + 2] : '\0';
      if (mod == '-') {
        size_t k = text.size();
        while (k > 0 && is_ws(text[k - 1])) --k;
        text.resize(k);
      } else if (type != '{' && mod != '+') {
        // lstrip_blocks: drop spaces and tabs between the line start and a block or comment.
        const size_t nl = text.rfind('\n');
        const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
        if (l_pos > 0 || line_starting) {
          bool only_ws = true;
          for (size_t k = l_pos; k < text.size(); ++k) {
            if (text[k] != ' ' && text[k] != '\t') only_ws = false;
          }
          if (only_ws) text.resize(l_pos);
        }
      }
      emit_text(std::move(text), text_pos);
      size_t p = at + 2 + ((mod == '-' || mod == '+') ? 1 : 0);
      size_t end_pos = 0;
      bool end_minus = false, end_plus = false;
      if (type == '#') {
        const size_t close = src_.find("#}", p);
        if (close == std::string_view::npos) return error_at(at, "unterminated comment");
        end_minus = close > p && src_[close - 1] == '-';
        end_plus = close > p && src_[close - 1] == '+';
        end_pos = close + 2;
      } else {
        const bool block = type == '%';
        if (block) {
          // {% raw %} ... {% endraw %}: the body is text.
          size_t q = p;
          while (q < src_.size() && is_ws(src_[q])) ++q;
          if (src_.compare(q, 3, "raw") == 0 &&
              (q + 3 >= src_.size() || !is_name_char(src_[q + 3]))) {
            EDGELLM_RETURN_IF_ERROR(lex_raw(at, q + 3, &pos, &strip_next, &trim_next));
            line_starting = false;
            continue;
          }
        }
        tokens_.push_back(make(block ? TokKind::kBlockBegin : TokKind::kVarBegin, "", at));
        EDGELLM_RETURN_IF_ERROR(lex_inside(&p, block, &end_minus, &end_plus));
        tokens_.push_back(make(block ? TokKind::kBlockEnd : TokKind::kVarEnd, "", p));
        end_pos = p + 2 + (end_minus || end_plus ? 1 : 0);
        if (!block) {
          strip_next = end_minus;
          trim_next = false;
          pos = end_pos;
          line_starting = false;
          continue;
        }
      }
      strip_next = end_minus;
      trim_next = !end_minus && !end_plus;
      line_starting = false;
      if (end_minus) {
        size_t k = end_pos;
        while (k < src_.size() && is_ws(src_[k])) ++k;
        line_starting = k > end_pos && src_[k - 1] == '\n';
      } else if (trim_next && end_pos < src_.size() && src_[end_pos] == '\n') {
        line_starting = true;
      }
      pos = end_pos;
    }
    tokens_.push_back(make(TokKind::kEof, "", src_.size()));
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t pos) const {
    while (true) {
      const size_t at = src_.find('{', pos);
      if (at == std::string_view::npos || at + 1 >= src_.size()) return std::string_view::npos;
      const char c = src_[at + 1];
      if (c == '{' || c == '%' || c == '#') return at;
      pos = at + 1;
    }
  }

  void line_col(size_t off, int* line, int* col) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
    const size_t li = static_cast<size_t>(it - line_starts_.begin()) - 1;
    *line = static_cast<int>(li) + 1;
    *col = static_cast<int>(utf8_length(src_.substr(line_starts_[li], off - line_starts_[li]))) + 1;
  }

  Token make(TokKind kind, std::string value, size_t off) const {
    Token t{kind, std::move(value), 0, 0};
    line_col(off, &t.line, &t.col);
    return t;
  }

  Status error_at(size_t off, const std::string& what) const {
    int line, col;
    line_col(off, &line, &col);
    return make_error(ErrorCode::kInvalidArgument,
                      "template syntax error at line %d, column %d: %s", line, col, what.c_str());
  }

  void emit_text(std::string text, size_t off) {
    if (!text.empty()) tokens_.push_back(make(TokKind::kText, std::move(text), off));
  }

  Status lex_raw(size_t at, size_t p, size_t* pos, bool* strip_next, bool* trim_next) {
    while (p < src_.size() && is_ws(src_[p])) ++p;
    bool open_minus = false;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) open_minus = src_[p++] == '-';
    if (src_.compare(p, 2, "%}") != 0) return error_at(p, "expected '%}' after 'raw'");
    p += 2;
    size_t body = p;
    if (open_minus) {
      while (body < src_.size() && is_ws(src_[body])) ++body;
    } else if (body < src_.size() && src_[body] == '\n') {
      ++body;
    }
    size_t search = body;
    while (true) {
      const size_t open = src_.find("{%", search);
      if (open == std::string_view::npos) return error_at(at, "missing {% endraw %}");
      size_t q = open + 2;
      bool minus = false;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) minus = src_[q++] == '-';
      while (q < src_.size() && is_ws(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0) {
        search = open + 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && is_ws(src_[q])) ++q;
      bool end_minus = false, end_plus = false;
      if (q < src_.size() && src_[q] == '-')
        end_minus = true, ++q;
      else if (q < src_.size() && src_[q] == '+')
        end_plus = true, ++q;
      if (src_.compare(q, 2, "%}") != 0) return error_at(q, "expected '%}' after 'endraw'");
      std::string text(src_.substr(body, open - body));
      if (minus) {
        while (!text.empty() && is_ws(text.back())) text.pop_back();
      } else {
        const size_t nl = text.rfind('\n');
        const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
        if (text.find_first_not_of(" \t", l_pos) == std::string::npos) text.resize(l_pos);
      }
      emit_text(std::move(text), body);
      *pos = q + 2;
      *strip_next = end_minus;
      *trim_next = !end_minus && !end_plus;
      return Status::Ok();
    }
  }

  Status lex_string(size_t* p) {
    const char quote = src_[*p];
    const size_t start = *p;
    size_t i = *p + 1;
    std::string out;
    while (true) {
      if (i >= src_.size()) return error_at(start, "unterminated string");
      const char c = src_[i];
      if (c == quote) break;
      if (c != '\\' || i + 1 >= src_.size()) {
        out.push_back(c);
        ++i;
        continue;
      }
      const char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '0':
          out.push_back('\0');
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        case '\n':
          break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + n > src_.size())
            return error_at(i - 2, "truncated \\" + std::string(1, e) + " escape");
          uint32_t cp = 0;
          for (size_t k = 0; k < n; ++k) {
            const char h = src_[i + k];
            if (!std::isxdigit(static_cast<unsigned char>(h))) {
              return error_at(i - 2, "bad \\" + std::string(1, e) + " escape");
            }
            cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                     ? h - '0'
                                                     : (std::tolower(h) - 'a' + 10));
          }
          i += n;
          utf8_append(&out, cp);
          break;
        }
        default:
          out.push_back('\\');
          out.push_back(e);
      }
    }
    tokens_.push_back(make(TokKind::kString, std::move(out), start));
    *p = i + 1;
    return Status::Ok();
  }

  Status lex_inside(size_t* pp, bool block, bool* end_minus, bool* end_plus) {
    size_t p = *pp;
    std::vector<char> brackets;
    const char* end = block ? "%}" : "}}";
    while (true) {
      while (p < src_.size() && is_ws(src_[p])) ++p;
      if (p >= src_.size())
        return error_at(p, std::string("expected '") + end + "' before end of template");
      if (brackets.empty()) {
        if ((src_[p] == '-' || src_[p] == '+') && src_.compare(p + 1, 2, end) == 0) {
          *end_minus = src_[p] == '-';
          *end_plus = src_[p] == '+';
          *pp = p;
          return Status::Ok();
        }
        if (src_.compare(p, 2, end) == 0) {
          *pp = p;
          return Status::Ok();
        }
      }
      const char c = src_[p];
      if (c == '\'' || c == '"') {
        EDGELLM_RETURN_IF_ERROR(lex_string(&p));
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(c))) {
        const size_t start = p;
        bool is_float = false;
        while (p < src_.size() &&
               (std::isdigit(static_cast<unsigned char>(src_[p])) || src_[p] == '_'))
          ++p;
        if (p + 1 < src_.size() && src_[p] == '.' &&
            std::isdigit(static_cast<unsigned char>(src_[p + 1]))) {
          is_float = true;
          ++p;
          while (p < src_.size() &&
                 (std::isdigit(static_cast<unsigned char>(src_[p])) || src_[p] == '_'))
            ++p;
        }
        if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
          size_t q = p + 1;
          if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
          if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
            is_float = true;
            p = q;
            while (p < src_.size() && std::isdigit(static_cast<unsigned char>(src_[p]))) ++p;
          }
        }
        std::string num;
        for (size_t k = start; k < p; ++k) {
          if (src_[k] != '_') num.push_back(src_[k]);
        }
        tokens_.push_back(make(is_float ? TokKind::kFloat : TokKind::kInt, std::move(num), start));
        continue;
      }
      if (is_name_start(c)) {
        const size_t start = p;
        while (p < src_.size() && is_name_char(src_[p])) ++p;
        tokens_.push_back(make(TokKind::kName, std::string(src_.substr(start, p - start)), start));
        continue;
      }
      static const char* kOps[] = {"**", "//", "==", "!=", ">=", "<=", "+", "-", "*",
                                   "/",  "%",  "~",  "<",  ">",  "=",  "(", ")", "[",
                                   "]",  "{",  "}",  ".",  ",",  ":",  "|"};
      bool matched = false;
      for (const char* op : kOps) {
        const size_t n = std::strlen(op);
        if (src_.compare(p, n, op) != 0) continue;
        if (n == 1 && (c == '(' || c == '[' || c == '{')) brackets.push_back(c);
        if (n == 1 && (c == ')' || c == ']' || c == '}')) {
          const char want = c == ')' ? '(' : c == ']' ? '[' : '{';
          if (brackets.empty() || brackets.back() != want) {
            return error_at(p, std::string("unexpected '") + c + "'");
          }
          brackets.pop_back();
        }
        tokens_.push_back(make(TokKind::kOp, op, p));
        p += n;
        matched = true;
        break;
      }
      if (!matched) return error_at(p, std::string("unexpected character '") + c + "'");
    }
  }

  std::string_view src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> lex_template(std::string_view src) {
  // Jinja drops one trailing newline of the source (keep_trailing_newline is off).
  if (!src.empty() && src.back() == '\n') {
    src.remove_suffix(1);
    if (!src.empty() && src.back() == '\r') src.remove_suffix(1);
  }
  return Lexer(src).run();
}

}  // namespace edgellm::chat
