// A small backtracking regular-expression engine over code points, for the pre-tokenizer
// patterns that tokenizer.json files carry (Oniguruma / Rust-regex dialect).
//
// Supported: literals, `.`, classes `[...]` with ranges and negation, \s \S \d \D \w \W,
// Unicode categories \p{L} \p{Lu} ... \P{..}, \p{Han}, alternation, groups (capturing groups
// match like non-capturing ones; captures are never needed), (?:...), (?i:...) case-insensitive
// groups, lookahead (?=...) (?!...), atomic groups (?>...), greedy, lazy and possessive
// quantifiers * + ? {n} {n,} {n,m}, and the anchors ^ $ \A \z \b \B. Lookbehind and
// backreferences are rejected with an error.
//
// Semantics follow Perl-style leftmost-first matching: alternatives are tried in order and
// quantifiers are greedy unless marked lazy. `^` and `$` match only at the start and end of the
// text being searched (no multi-line mode); `.` matches anything but '\n'. \s is the Unicode
// White_Space property, \d is \p{Nd}, \w is letters, marks, numbers and connector punctuation.
// One deliberate difference, for identical results with llama.cpp: a non-ASCII whitespace
// character (U+00A0, U+3000, ...) is matched by \s, \S-style negations and negated classes, but
// never by a literal character, a range or a \p{..} category.
//
// A compiled Regex is immutable and safe to use from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgellm::tokenizer {

class Regex {
 public:
  // Compiles `pattern` (UTF-8). Errors name the pattern and the offending position.
  static Result<Regex> compile(std::string_view pattern);

  const std::string& pattern() const { return pattern_; }

  // Searches text[begin, end) for the leftmost match that starts at or after `from`. Anchors and
  // lookarounds see only [begin, end). When `not_empty_at_from` is set, an empty match at `from`
  // is not accepted (used to step past empty matches). On success stores the match bounds.
  bool search(const uint32_t* text, size_t begin, size_t end, size_t from, bool not_empty_at_from,
              size_t* match_begin, size_t* match_end) const;

  // Splits each piece of `text` (consecutive lengths in `pieces`, summing to the text length)
  // into its matches and the unmatched runs between them, as tokenizers' "Isolated" split does.
  // Empty matches only mark a boundary.
  std::vector<size_t> split(const std::vector<uint32_t>& text,
                            const std::vector<size_t>& pieces) const;

  struct Program;  // compiled form, defined in regex.cc

 private:
  std::string pattern_;
  std::shared_ptr<const Program> program_;
};

}  // namespace edgellm::tokenizer
