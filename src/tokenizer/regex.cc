// Regex matching: a backtracking interpreter over the compiled program, leftmost-first search and
// the Isolated split that pre-tokenizers apply.
#include "tokenizer/regex.h"

#include <utility>

#include "tokenizer/regex_internal.h"

namespace edgellm::tokenizer {

namespace regex_detail {

bool is_word_char(uint32_t cp) {
  if (cp < 128) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
           cp == '_';
  }
  const auto mask = unicode::category_mask(cp);
  return (mask & (unicode::kLetter | unicode::kMark | unicode::kNumber |
                  unicode::category_bit(unicode::Category::Pc))) != 0;
}

bool is_han(uint32_t cp) {
  // The Han script (Scripts.txt): ideographs, radicals and the iteration/numeral marks.
  // utf8proc has no script property, so the ranges are listed here.
  static const uint32_t kRanges[][2] = {
      {0x2E80, 0x2E99},   {0x2E9B, 0x2EF3},   {0x2F00, 0x2FD5},   {0x3005, 0x3005},
      {0x3007, 0x3007},   {0x3021, 0x3029},   {0x3038, 0x303B},   {0x3400, 0x4DBF},
      {0x4E00, 0x9FFF},   {0xF900, 0xFA6D},   {0xFA70, 0xFAD9},   {0x16FE2, 0x16FE3},
      {0x16FF0, 0x16FF1}, {0x20000, 0x2A6DF}, {0x2A700, 0x2B739}, {0x2B740, 0x2B81D},
      {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
      {0x31350, 0x323AF},
  };
  if (cp < 0x2E80) return false;
  for (const auto& r : kRanges) {
    if (cp >= r[0] && cp <= r[1]) return true;
  }
  return false;
}

namespace {

bool item_matches(const Regex::Program& prog, const ClassItem& item, uint32_t cp) {
  bool m = false;
  switch (item.kind) {
    case ClassItem::kRange:
      m = cp >= item.lo && cp <= item.hi;
      break;
    case ClassItem::kCategories:
      m = (unicode::category_mask(cp) & item.mask) != 0;
      break;
    case ClassItem::kSpace:
      m = unicode::is_whitespace(cp);
      break;
    case ClassItem::kDigit:
      m = unicode::category(cp) == unicode::Category::Nd;
      break;
    case ClassItem::kWord:
      m = is_word_char(cp);
      break;
    case ClassItem::kHan:
      m = is_han(cp);
      break;
    case ClassItem::kNested:
      m = class_matches_slow(prog, prog.classes[static_cast<size_t>(item.nested)], cp);
      break;
  }
  return m != item.negated;
}

bool class_matches_exact(const Regex::Program& prog, const CharClass& cls, uint32_t cp) {
  bool m = false;
  for (const auto& item : cls.items) {
    if (item_matches(prog, item, cp)) {
      m = true;
      break;
    }
  }
  if (m) {
    for (int other : cls.intersect) {
      if (!class_matches_slow(prog, prog.classes[static_cast<size_t>(other)], cp)) {
        m = false;
        break;
      }
    }
  }
  return m;
}

}  // namespace

bool class_matches_slow(const Regex::Program& prog, const CharClass& cls, uint32_t cp) {
  bool m = class_matches_exact(prog, cls, cp);
  if (!m && cls.icase) {
    const uint32_t lo = unicode::to_lower(cp), up = unicode::to_upper(cp);
    m = (lo != cp && class_matches_exact(prog, cls, lo)) ||
        (up != cp && class_matches_exact(prog, cls, up));
  }
  return m != cls.negated;
}

}  // namespace regex_detail

namespace {

using regex_detail::Inst;
using regex_detail::Op;

inline bool class_matches(const Regex::Program& prog, const regex_detail::CharClass& cls,
                          uint32_t cp) {
  if (cp < 128) return (cls.ascii[cp >> 6] >> (cp & 63)) & 1;
  return regex_detail::class_matches_slow(prog, cls, cp);
}

struct Frame {
  int32_t pc;
  size_t pos;
};

// Runs program `idx` anchored at `start`. Returns true and the end of the first match in
// priority order; `not_empty` rejects a match that ends where it started.
// Backtrack points go on `stack` above its current size, which nested runs (lookaheads, atomic
// groups) share; each run leaves the stack as it found it.
bool run(const Regex::Program& prog, int idx, const uint32_t* t, size_t begin, size_t end,
         size_t start, bool not_empty, size_t* match_end, std::vector<Frame>& stack) {
  const std::vector<Inst>& code = prog.code[static_cast<size_t>(idx)];
  const size_t base = stack.size();
  stack.push_back(Frame{0, start});
  while (stack.size() > base) {
    int32_t pc = stack.back().pc;
    size_t pos = stack.back().pos;
    stack.pop_back();
    bool alive = true;
    while (alive) {
      const Inst& in = code[static_cast<size_t>(pc)];
      switch (in.op) {
        case Op::kChar:
          if (pos < end && t[pos] == in.cp) {
            ++pos;
            ++pc;
          } else {
            alive = false;
          }
          break;
        case Op::kCharI:
          if (pos < end && (unicode::to_lower(t[pos]) == in.cp ||
                            unicode::to_upper(t[pos]) == static_cast<uint32_t>(in.x))) {
            ++pos;
            ++pc;
          } else {
            alive = false;
          }
          break;
        case Op::kClass:
          if (pos < end && class_matches(prog, prog.classes[static_cast<size_t>(in.x)], t[pos])) {
            ++pos;
            ++pc;
          } else {
            alive = false;
          }
          break;
        case Op::kAny:
          if (pos < end && t[pos] != '\n') {
            ++pos;
            ++pc;
          } else {
            alive = false;
          }
          break;
        case Op::kSplit:
          stack.push_back(Frame{in.y, pos});
          pc = in.x;
          break;
        case Op::kJmp:
          pc = in.x;
          break;
        case Op::kAssert: {
          bool ok = false;
          switch (in.flag) {
            case regex_detail::kBegin:
              ok = pos == begin;
              break;
            case regex_detail::kEnd:
              ok = pos == end;
              break;
            default: {
              const bool before = pos > begin && regex_detail::is_word_char(t[pos - 1]);
              const bool after = pos < end && regex_detail::is_word_char(t[pos]);
              ok = (before != after) == (in.flag == regex_detail::kWordBoundary);
              break;
            }
          }
          if (ok) {
            ++pc;
          } else {
            alive = false;
          }
          break;
        }
        case Op::kLook: {
          size_t unused;
          const bool found = run(prog, in.x, t, begin, end, pos, false, &unused, stack);
          if (found != (in.flag != 0)) {
            ++pc;
          } else {
            alive = false;
          }
          break;
        }
        case Op::kAtomic: {
          size_t sub_end;
          if (run(prog, in.x, t, begin, end, pos, false, &sub_end, stack)) {
            pos = sub_end;
            ++pc;
          } else {
            alive = false;
          }
          break;
        }
        case Op::kMatch:
          if (not_empty && pos == start) {
            alive = false;
          } else {
            *match_end = pos;
            stack.resize(base);
            return true;
          }
          break;
      }
    }
  }
  return false;
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern) {
  EDGELLM_ASSIGN_OR_RETURN(Program prog, regex_detail::compile_program(pattern));
  Regex re;
  re.pattern_ = std::string(pattern);
  re.program_ = std::make_shared<const Program>(std::move(prog));
  return re;
}

bool Regex::search(const uint32_t* text, size_t begin, size_t end, size_t from,
                   bool not_empty_at_from, size_t* match_begin, size_t* match_end) const {
  thread_local std::vector<Frame> stack;
  for (size_t p = from; p <= end; ++p) {
    stack.clear();
    if (run(*program_, 0, text, begin, end, p, not_empty_at_from && p == from, match_end, stack)) {
      *match_begin = p;
      return true;
    }
  }
  return false;
}

std::vector<size_t> Regex::split(const std::vector<uint32_t>& text,
                                 const std::vector<size_t>& pieces) const {
  std::vector<size_t> out;
  out.reserve(pieces.size() * 2);
  size_t start = 0;
  for (size_t len : pieces) {
    const size_t end = start + len;
    size_t pos = start, last = start;
    bool not_empty = false;
    while (pos <= end) {
      size_t mb, me;
      if (!search(text.data(), start, end, pos, not_empty, &mb, &me)) break;
      if (mb > last) out.push_back(mb - last);
      if (me > mb) out.push_back(me - mb);
      last = me;
      // After an empty match, look for a non-empty one at the same place before moving on.
      not_empty = me == mb;
      pos = me;
    }
    if (end > last) out.push_back(end - last);
    start = end;
  }
  return out;
}

}  // namespace edgellm::tokenizer
