// Internal representation of a compiled Regex, shared by the parser (regex_parse.cc) and the
// matcher (regex.cc). Not part of the tokenizer's API.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer::regex_detail {

// One alternative inside a character class.
struct ClassItem {
  enum Kind : uint8_t { kRange, kCategories, kSpace, kDigit, kWord, kHan, kNested };
  Kind kind = kRange;
  bool negated = false;  // \S, \D, \W, \P{..}
  uint32_t lo = 0, hi = 0;            // kRange
  unicode::CategoryMask mask = 0;     // kCategories
  int nested = -1;                    // kNested: index of another class
};

struct CharClass {
  std::vector<ClassItem> items;  // a code point is in the class if any item matches...
  std::vector<int> intersect;    // ...and it is in every class listed here ([a&&[b]])
  bool negated = false;
  bool icase = false;
  std::array<uint64_t, 2> ascii{};  // the final answer for code points below 128
};

enum class Op : uint8_t {
  kChar,    // cp
  kCharI,   // cp = lowercase, x = uppercase: case-insensitive literal
  kClass,   // x = class index
  kAny,     // anything but '\n'
  kSplit,   // try x, then y
  kJmp,     // x
  kAssert,  // flag = AssertKind
  kLook,    // x = sub-program, flag = 1 for negative lookahead
  kAtomic,  // x = sub-program: run it, keep its first match, never backtrack into it
  kMatch,
};

enum AssertKind : uint8_t { kBegin, kEnd, kWordBoundary, kNotWordBoundary };

struct Inst {
  Op op;
  uint8_t flag = 0;
  int32_t x = 0;
  int32_t y = 0;
  uint32_t cp = 0;
};

}  // namespace edgellm::tokenizer::regex_detail

namespace edgellm::tokenizer {

struct Regex::Program {
  std::vector<std::vector<regex_detail::Inst>> code;  // code[0] is the main program
  std::vector<regex_detail::CharClass> classes;
};

namespace regex_detail {
// Parses and compiles a pattern (regex_parse.cc).
Result<Regex::Program> compile_program(std::string_view pattern);
// Class membership without the ASCII shortcut (used to build it).
bool class_matches_slow(const Regex::Program& prog, const CharClass& cls, uint32_t cp);
bool is_word_char(uint32_t cp);
bool is_han(uint32_t cp);
}  // namespace regex_detail

}  // namespace edgellm::tokenizer
