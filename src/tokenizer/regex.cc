// Regex matching: a backtracking interpreter over the compiled program, leftmost-first search and
// the Isolated split that pre-tokenizers apply.
#include "tokenizer/regex.h"

#include <algorithm>
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
  // Compatibility with llama.cpp, whose regex engine sees every non-ASCII whitespace character
  // as U+000B: such a character is matched by \s (and negations) but by no literal, range or
  // category. This only shows in patterns that list whitespace explicitly (DeepSeek's "　-。").
  const bool wide_space = cp >= 0x80 && unicode::is_whitespace(cp);
  switch (item.kind) {
    case ClassItem::kRange:
      m = cp >= item.lo && cp <= item.hi && !wide_space;
      break;
    case ClassItem::kCategories:
      m = (unicode::category_mask(cp) & item.mask) != 0 && !wide_space;
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

// A hash map from (position, program/instruction) states to small values, cleared in O(1) by
// bumping a generation. Backs the matcher's memo tables.
class StateMap {
 public:
  void clear() {
    if (++gen_ == 0) {
      std::fill(gens_.begin(), gens_.end(), 0);
      gen_ = 1;
    }
    count_ = 0;
  }

  // The value slot for (a, b); *inserted tells whether it was just created (holding 0).
  uint64_t* slot(uint64_t a, uint64_t b, bool* inserted) {
    if ((count_ + 1) * 2 > keys_.size()) grow();
    for (size_t i = index(a, b);; i = (i + 1) & mask_) {
      Entry& e = keys_[i];
      if (gens_[i] != gen_) {
        gens_[i] = gen_;
        e = Entry{a, b, 0};
        ++count_;
        *inserted = true;
        return &e.value;
      }
      if (e.a == a && e.b == b) {
        *inserted = false;
        return &e.value;
      }
    }
  }

 private:
  struct Entry {
    uint64_t a, b, value;
  };

  size_t index(uint64_t a, uint64_t b) const {
    return ((a * 0x9E3779B97F4A7C15ULL) ^ (b * 0xC2B2AE3D27D4EB4FULL)) >> 17 & mask_;
  }

  void grow() {
    std::vector<Entry> old = std::move(keys_);
    std::vector<uint32_t> old_gens = std::move(gens_);
    const size_t cap = old.empty() ? 1024 : old.size() * 2;
    keys_.assign(cap, Entry{});
    gens_.assign(cap, 0);
    mask_ = cap - 1;
    const uint32_t live = gen_;
    gen_ = 1;
    count_ = 0;
    for (size_t i = 0; i < old.size(); ++i) {
      if (old_gens[i] != live) continue;
      bool inserted;
      *slot(old[i].a, old[i].b, &inserted) = old[i].value;
    }
  }

  std::vector<Entry> keys_;
  std::vector<uint32_t> gens_;
  size_t mask_ = 0;
  uint32_t gen_ = 1;
  size_t count_ = 0;
};

// Runs a compiled program over one text range. Three memo tables keep matching linear in
// practice without changing what matches:
//  - `visited_` (one search): a branch state (instruction, position) that was explored once has
//    failed -- a search stops at its first success -- and fails from every later start too, as
//    positions only move forward. This keeps patterns like \s+$ linear on long whitespace runs.
//  - `reach_` (one text range): whether a lookahead body can match from a state. A lookahead
//    only asks "is there a match", so this is plain reachability and can be shared between
//    lookaheads at different positions: (?=(\d{3})+\b) costs O(n) over a run, not O(n^2).
//  - `atomic_` (one text range): where an atomic group / possessive quantifier ends.
class Matcher {
 public:
  void reset(const Regex::Program* prog, const uint32_t* text, size_t begin, size_t end) {
    prog_ = prog;
    t_ = text;
    begin_ = begin;
    end_ = end;
    reach_.clear();
    atomic_.clear();
  }

  bool search(size_t from, bool not_empty_at_from, size_t* match_begin, size_t* match_end) {
    visited_.clear();
    for (size_t p = from; p <= end_; ++p) {
      // Most searches succeed at their first position; states are recorded from the second
      // attempt on, which is enough to make the later ones cheap.
      if (run_program(0, p, not_empty_at_from && p == from, match_end,
                      p == from ? nullptr : &visited_)) {
        *match_begin = p;
        return true;
      }
    }
    return false;
  }

 private:
  struct Frame {
    int32_t pc;
    size_t pos;
  };
  struct ReachFrame {
    int32_t pc;
    size_t pos;
    int child;  // next successor to look at
  };

  // Whether `in` (a character instruction) consumes t_[pos].
  bool consumes(const Inst& in, size_t pos) const {
    if (pos >= end_) return false;
    const uint32_t c = t_[pos];
    switch (in.op) {
      case Op::kChar: return c == in.cp;
      case Op::kCharI:
        return unicode::to_lower(c) == in.cp || unicode::to_upper(c) == static_cast<uint32_t>(in.x);
      case Op::kClass: return class_matches(*prog_, prog_->classes[static_cast<size_t>(in.x)], c);
      case Op::kAny: return c != '\n';
      default: return false;
    }
  }

  bool assertion_holds(uint8_t kind, size_t pos) const {
    switch (kind) {
      case regex_detail::kBegin: return pos == begin_;
      case regex_detail::kEnd: return pos == end_;
      default: {
        const bool before = pos > begin_ && regex_detail::is_word_char(t_[pos - 1]);
        const bool after = pos < end_ && regex_detail::is_word_char(t_[pos]);
        return (before != after) == (kind == regex_detail::kWordBoundary);
      }
    }
  }

  // Where sub-program `idx` (an atomic group) first matches from `pos`, in priority order.
  bool atomic_end(int idx, size_t pos, size_t* out) {
    bool inserted;
    uint64_t* v = atomic_.slot(pos, static_cast<uint64_t>(idx), &inserted);
    if (inserted) {
      size_t e;
      *v = run_program(idx, pos, false, &e, nullptr) ? e + 1 : 0;
    }
    if (*v == 0) return false;
    *out = *v - 1;
    return true;
  }

  // Whether sub-program `idx` (a lookahead body) can reach its end from (pc, pos): a depth-first
  // search over states, results memoized in reach_ (1 = yes, 2 = no). Programs have no cycles at
  // one position (empty loops are rejected at compile time), so the search terminates.
  bool reaches(int idx, int32_t start_pc, size_t start_pos) {
    const std::vector<Inst>& code = prog_->code[static_cast<size_t>(idx)];
    const uint64_t prog_bits = static_cast<uint64_t>(idx) << 32;
    auto memo = [&](int32_t pc, size_t pos) -> uint64_t* {
      bool inserted;
      return reach_.slot(pos, prog_bits | static_cast<uint32_t>(pc), &inserted);
    };
    const size_t base = reach_stack_.size();
    reach_stack_.push_back(ReachFrame{start_pc, start_pos, 0});
    bool answer = false;  // result of the frame most recently finished
    bool returning = false;
    auto finish = [&](bool yes) {
      const ReachFrame f = reach_stack_.back();
      *memo(f.pc, f.pos) = yes ? 1 : 2;
      reach_stack_.pop_back();
      answer = yes;
      returning = true;
    };
    while (reach_stack_.size() > base) {
      const ReachFrame f = reach_stack_.back();  // a copy: nested calls may grow the stack
      if (returning) {
        returning = false;
        if (answer) {
          finish(true);  // one successor reaches the end: so does this state
          continue;
        }
      } else if (f.child == 0) {
        const uint64_t known = *memo(f.pc, f.pos);
        if (known != 0) {
          reach_stack_.pop_back();
          answer = known == 1;
          returning = true;
          continue;
        }
      }
      const int k = reach_stack_.back().child++;
      const Inst& in = code[static_cast<size_t>(f.pc)];
      int32_t next_pc = -1;
      size_t next_pos = f.pos;
      switch (in.op) {
        case Op::kMatch:
          break;
        case Op::kSplit:
          if (k < 2) next_pc = k == 0 ? in.x : in.y;
          break;
        case Op::kJmp:
          if (k == 0) next_pc = in.x;
          break;
        case Op::kAssert:
          if (k == 0 && assertion_holds(in.flag, f.pos)) next_pc = f.pc + 1;
          break;
        case Op::kLook:
          if (k == 0 && reaches(in.x, 0, f.pos) != (in.flag != 0)) next_pc = f.pc + 1;
          break;
        case Op::kAtomic:
          if (k == 0 && atomic_end(in.x, f.pos, &next_pos)) next_pc = f.pc + 1;
          break;
        default:
          if (k == 0 && consumes(in, f.pos)) {
            next_pc = f.pc + 1;
            next_pos = f.pos + 1;
          }
          break;
      }
      if (in.op == Op::kMatch) {
        finish(true);
      } else if (next_pc < 0) {
        finish(false);  // no successor left
      } else {
        reach_stack_.push_back(ReachFrame{next_pc, next_pos, 0});
      }
    }
    return answer;
  }

  // Backtracking over program `idx` anchored at `start`: the first match in priority order.
  // Backtrack points go on stack_ above its current size (nested runs share it and leave it as
  // they found it). `visited` prunes explored branch states (main program only).
  bool run_program(int idx, size_t start, bool not_empty, size_t* match_end, StateMap* visited) {
    const std::vector<Inst>& code = prog_->code[static_cast<size_t>(idx)];
    const size_t base = stack_.size();
    stack_.push_back(Frame{0, start});
    while (stack_.size() > base) {
      int32_t pc = stack_.back().pc;
      size_t pos = stack_.back().pos;
      stack_.pop_back();
      for (bool alive = true; alive;) {
        const Inst& in = code[static_cast<size_t>(pc)];
        switch (in.op) {
          case Op::kSplit: {
            bool inserted = true;
            if (visited != nullptr) visited->slot(pos, static_cast<uint64_t>(pc), &inserted);
            if (!inserted) {
              alive = false;
              break;
            }
            stack_.push_back(Frame{in.y, pos});
            pc = in.x;
            break;
          }
          case Op::kJmp:
            pc = in.x;
            break;
          case Op::kAssert:
            alive = assertion_holds(in.flag, pos);
            ++pc;
            break;
          case Op::kLook:
            alive = reaches(in.x, 0, pos) != (in.flag != 0);
            ++pc;
            break;
          case Op::kAtomic: {
            size_t e = pos;
            alive = atomic_end(in.x, pos, &e);
            pos = e;
            ++pc;
            break;
          }
          case Op::kMatch:
            if (not_empty && pos == start) {
              alive = false;
              break;
            }
            *match_end = pos;
            stack_.resize(base);
            return true;
          default:
            alive = consumes(in, pos);
            ++pc;
            ++pos;
            break;
        }
      }
    }
    return false;
  }

  const Regex::Program* prog_ = nullptr;
  const uint32_t* t_ = nullptr;
  size_t begin_ = 0, end_ = 0;
  std::vector<Frame> stack_;
  std::vector<ReachFrame> reach_stack_;
  StateMap visited_, reach_, atomic_;
};

Matcher& thread_matcher() {
  thread_local Matcher m;
  return m;
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
  Matcher& m = thread_matcher();
  m.reset(program_.get(), text, begin, end);
  return m.search(from, not_empty_at_from, match_begin, match_end);
}

std::vector<size_t> Regex::split(const std::vector<uint32_t>& text,
                                 const std::vector<size_t>& pieces) const {
  Matcher& m = thread_matcher();
  std::vector<size_t> out;
  out.reserve(pieces.size() * 2);
  size_t start = 0;
  for (size_t len : pieces) {
    const size_t end = start + len;
    m.reset(program_.get(), text.data(), start, end);
    size_t pos = start, last = start;
    bool not_empty = false;
    while (pos <= end) {
      size_t mb, me;
      if (!m.search(pos, not_empty, &mb, &me)) break;
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
