// The regex engine: syntax, leftmost-first semantics, Unicode classes, lookahead, possessive
// quantifiers, case-insensitive groups, empty matches in splits, and pattern errors.
#include "tokenizer/regex.h"

#include <gtest/gtest.h>

#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {
namespace {

// Splits `text` with `pattern` (matches and gaps) and returns the pieces as UTF-8.
std::vector<std::string> split(const std::string& pattern, const std::string& text) {
  auto re = Regex::compile(pattern);
  EXPECT_TRUE(re.ok()) << re.status().message();
  if (!re.ok()) return {};
  const auto cps = unicode::decode_utf8(text);
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t len : re->split(cps, {cps.size()})) {
    std::string s;
    for (size_t i = pos; i < pos + len; ++i) unicode::append_utf8(s, cps[i]);
    out.push_back(s);
    pos += len;
  }
  return out;
}

// The first match of `pattern` in `text`, or "<none>".
std::string first_match(const std::string& pattern, const std::string& text) {
  auto re = Regex::compile(pattern);
  EXPECT_TRUE(re.ok()) << re.status().message();
  if (!re.ok()) return "<error>";
  const auto cps = unicode::decode_utf8(text);
  size_t b, e;
  if (!re->search(cps.data(), 0, cps.size(), 0, false, &b, &e)) return "<none>";
  std::string s;
  for (size_t i = b; i < e; ++i) unicode::append_utf8(s, cps[i]);
  return s;
}

using V = std::vector<std::string>;

TEST(Regex, LiteralsClassesAndQuantifiers) {
  EXPECT_EQ(first_match("abc", "xxabcx"), "abc");
  EXPECT_EQ(first_match("a+", "baaab"), "aaa");
  EXPECT_EQ(first_match("a+?", "baaab"), "a");
  EXPECT_EQ(first_match("ba*?b", "baab"), "baab");
  EXPECT_EQ(first_match("[a-c]{2,3}", "xabcdx"), "abc");
  EXPECT_EQ(first_match("[a-c]{2}", "xabcdx"), "ab");
  EXPECT_EQ(first_match("x{2,}", "xxxxy"), "xxxx");
  EXPECT_EQ(first_match("[^a-z]+", "abc123def"), "123");
  EXPECT_EQ(first_match("a.c", "a\nc abc"), "abc");  // '.' does not match a newline
  EXPECT_EQ(first_match("a{,2}", "a{,2}"), "a{,2}");  // not a quantifier: literal braces
  EXPECT_EQ(first_match(R"(\x41\x{1F999}\u00e9)", "A🦙é"), "A🦙é");
  EXPECT_EQ(first_match("[\\]\\-]+", "a-]-b"), "-]-");
}

TEST(Regex, AlternationIsLeftmostFirstNotLongest) {
  EXPECT_EQ(first_match("a|ab", "ab"), "a");
  EXPECT_EQ(first_match("ab|a", "ab"), "ab");
  EXPECT_EQ(first_match("(?:x|xy)z", "xyz"), "xyz");  // backtracks into the group
}

TEST(Regex, UnicodeCategoriesAndEscapes) {
  EXPECT_EQ(first_match(R"(\p{L}+)", "12héllo wörld"), "héllo");
  EXPECT_EQ(first_match(R"(\p{Lu}\p{Ll}+)", "abc Δέλτα"), "Δέλτα");
  EXPECT_EQ(first_match(R"(\p{N}+)", "x ٣٤½ y"), "٣٤½");
  EXPECT_EQ(first_match(R"(\d+)", "x ٣٤½ y"), "٣٤");  // \d is decimal digits only
  EXPECT_EQ(first_match(R"(\P{L}+)", "ab, cd"), ", ");
  EXPECT_EQ(first_match(R"([\p{P}\p{S}]+)", "hi!?$€ x"), "!?$€");
  EXPECT_EQ(first_match(R"(\s+)", "a\u3000\u00a0\tb"), "\u3000\u00a0\t");
  EXPECT_EQ(first_match(R"(\S+)", "  ab\u200bc "), "ab\u200bc");
  EXPECT_EQ(first_match(R"(\w+)", "¿qué_tal?"), "qué_tal");
  EXPECT_EQ(first_match(R"(\p{Han}+)", "abc中文かな"), "中文");
  EXPECT_EQ(first_match(R"([\p{L}&&[^\p{Han}]]+)", "中文かな字"), "かな");
  EXPECT_EQ(first_match(R"([^\s\p{L}\p{N}]+)", "ab 🦙🔥! cd"), "🦙🔥!");
}

TEST(Regex, NonAsciiSpacesMatchOnlyAsWhitespace) {
  // As llama.cpp's engine sees them (see regex.h): \s matches U+3000, a range that contains it
  // does not, a negated class does.
  EXPECT_EQ(first_match(R"(\s)", "a\u3000"), "\u3000");
  EXPECT_EQ(first_match(R"([\x{3000}-\x{3002}]+)", "\u3000\u3001\u3002"), "\u3001\u3002");
  EXPECT_EQ(first_match("\u3000", "\u3000"), "<none>");
  EXPECT_EQ(first_match(R"([^a]+)", "\u3000b"), "\u3000b");
  EXPECT_EQ(first_match(R"(\p{Z}+)", "\u3000\u00a0"), "<none>");
}

TEST(Regex, CaseInsensitiveGroups) {
  EXPECT_EQ(first_match("(?i:'s|'ll)", "IT'LL"), "'LL");
  EXPECT_EQ(first_match("(?i:abc)d", "ABCd ABCD"), "ABCd");
  EXPECT_EQ(first_match("(?i)straße", "STRAßE"), "STRAßE");
  EXPECT_EQ(first_match("(?i:[a-c]+)", "xxBaCx"), "BaC");
  EXPECT_EQ(first_match("(?i:é)", "É"), "É");
}

TEST(Regex, LookaheadAnchorsAndBoundaries) {
  EXPECT_EQ(first_match(R"(\s+(?!\S))", "a   b"), "  ");
  EXPECT_EQ(first_match(R"(\d(?=px))", "1em 2px"), "2");
  EXPECT_EQ(first_match(R"(^ab)", "xab"), "<none>");
  EXPECT_EQ(first_match(R"(\s+$)", "a  b   "), "   ");
  EXPECT_EQ(first_match(R"(\bcat\b)", "concat cat"), "cat");
  EXPECT_EQ(first_match(R"(\Bcat)", "cat concat"), "cat");
}

TEST(Regex, PossessiveAndAtomicDoNotBacktrack) {
  EXPECT_EQ(first_match("a++a", "aaaa"), "<none>");
  EXPECT_EQ(first_match("a+a", "aaaa"), "aaaa");
  EXPECT_EQ(first_match("(?>a+)b", "aaab"), "aaab");
  EXPECT_EQ(first_match("(?>ab|a)bc", "abc"), "<none>");
}

TEST(Regex, SplitKeepsMatchesAndGaps) {
  EXPECT_EQ(split(R"(\p{N}+)", "ab12cd345"), (V{"ab", "12", "cd", "345"}));
  EXPECT_EQ(split("x", "axbxx"), (V{"a", "x", "b", "x", "x"}));
  EXPECT_EQ(split("q", "abc"), (V{"abc"}));
  EXPECT_EQ(split("q", ""), (V{}));
  // Empty matches only mark boundaries: digits grouped by threes from the right.
  EXPECT_EQ(split(R"((?=(\d{3})+(?!\d)))", "1234567"), (V{"1", "234", "567"}));
}

TEST(Regex, SplitOnlySeesEachPiece) {
  auto re = Regex::compile(R"(^\w+)");
  ASSERT_TRUE(re.ok());
  const auto cps = unicode::decode_utf8("ab cd");
  // Two pieces "ab " and "cd": ^ matches at the start of each.
  EXPECT_EQ(re->split(cps, {3, 2}), (std::vector<size_t>{2, 1, 2}));
}

TEST(Regex, Gpt2PatternSplitsLikeTheReference) {
  const std::string gpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  EXPECT_EQ(split(gpt2, "Hello world, it's 2024!  Yes"),
            (V{"Hello", " world", ",", " it", "'s", " 2024", "!", " ", " Yes"}));
  EXPECT_EQ(split(gpt2, "a\n\n b   "), (V{"a", "\n\n", " b", "   "}));
}

TEST(Regex, BadPatternsAreErrorsNamingThePattern) {
  for (const char* bad : {"(ab", "ab)", "[abc", "*a", "a{3,2}", R"(\p{Nope})", "(?<=a)b", R"(\1)",
                          "[z-a]", "(?:)*", "(a*)+"}) {
    auto re = Regex::compile(bad);
    EXPECT_FALSE(re.ok()) << bad;
    if (!re.ok()) {
      EXPECT_NE(re.status().message().find(bad), std::string::npos) << re.status().message();
    }
  }
}

}  // namespace
}  // namespace edgellm::tokenizer
