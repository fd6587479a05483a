// Unicode helpers: UTF-8 decoding of malformed input, categories, whitespace, case, NFD base
// letters, incomplete-sequence detection and the GPT-2 byte alphabet.
#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <set>

namespace edgellm::tokenizer::unicode {
namespace {

TEST(Unicode, DecodesValidUtf8) {
  const auto cps = decode_utf8("aé€😀");
  ASSERT_EQ(cps.size(), 4u);
  EXPECT_EQ(cps[0], 0x61u);
  EXPECT_EQ(cps[1], 0xE9u);
  EXPECT_EQ(cps[2], 0x20ACu);
  EXPECT_EQ(cps[3], 0x1F600u);
  std::string back;
  for (uint32_t cp : cps) append_utf8(back, cp);
  EXPECT_EQ(back, "aé€😀");
}

TEST(Unicode, MalformedBytesBecomeRawBytesAndRoundTrip) {
  // Lone continuation, truncated sequence, overlong '/', a surrogate, beyond U+10FFFF, 0xFF.
  const std::string bad = std::string("\x80") + "\xE2\x82" + "x" + "\xC0\xAF" + "\xED\xA0\x80" +
                          "\xF4\x90\x80\x80" + "\xFF";
  const auto cps = decode_utf8(bad);
  std::string back;
  for (uint32_t cp : cps) {
    if (cp != 'x') EXPECT_TRUE(is_raw_byte(cp)) << std::hex << cp;
    append_utf8(back, cp);
  }
  EXPECT_EQ(back, bad);
  EXPECT_FALSE(is_valid_utf8(bad));
  EXPECT_TRUE(is_valid_utf8("plain ✓"));
  // Raw bytes classify like U+FFFD, a symbol.
  EXPECT_EQ(category(kRawByteBase + 0x80), Category::So);
}

TEST(Unicode, CategoriesComeFromUtf8proc) {
  EXPECT_EQ(category('A'), Category::Lu);
  EXPECT_EQ(category(0x3B1), Category::Ll);  // α
  EXPECT_EQ(category(0x4E2D), Category::Lo);  // 中
  EXPECT_EQ(category(0x301), Category::Mn);   // combining acute
  EXPECT_EQ(category(0x661), Category::Nd);   // Arabic-Indic one
  EXPECT_EQ(category(0x2163), Category::Nl);  // Ⅳ
  EXPECT_EQ(category('_'), Category::Pc);
  EXPECT_EQ(category('$'), Category::Sc);
  EXPECT_EQ(category('~'), Category::Sm);
  EXPECT_EQ(category(0x1F999), Category::So);  // llama emoji
  EXPECT_EQ(category(0x200B), Category::Cf);   // zero width space
  EXPECT_TRUE(is_letter(0x00E9));
  EXPECT_TRUE(is_number(0x00BD));  // ½
  EXPECT_TRUE(is_punctuation(0x3002));
  EXPECT_TRUE(is_symbol(0x20AC));
  EXPECT_TRUE(is_mark(0x0308));
  EXPECT_TRUE(is_control(0xFEFF));
  EXPECT_FALSE(is_control(0x0378));  // unassigned is not "control"
}

TEST(Unicode, WhitespaceIsTheWhiteSpaceProperty) {
  for (uint32_t cp : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u,
                      0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(is_whitespace(cp)) << std::hex << cp;
  }
  for (uint32_t cp : {0x200Bu, 0xFEFFu, 0x1Fu, 0x61u, 0x180Eu}) {
    EXPECT_FALSE(is_whitespace(cp)) << std::hex << cp;
  }
}

TEST(Unicode, CaseAndDecomposition) {
  EXPECT_EQ(to_lower('A'), static_cast<uint32_t>('a'));
  EXPECT_EQ(to_lower(0xC9), 0xE9u);    // É -> é
  EXPECT_EQ(to_upper(0x3C9), 0x3A9u);  // ω -> Ω
  EXPECT_EQ(to_lower(0x4E2D), 0x4E2Du);
  EXPECT_EQ(nfd_base(0xE9), static_cast<uint32_t>('e'));   // é
  EXPECT_EQ(nfd_base(0x1EC7), static_cast<uint32_t>('e'));  // ệ (two marks)
  EXPECT_EQ(nfd_base(0xAC00), 0x1100u);  // 가 -> its leading jamo
  EXPECT_EQ(nfd_base(0x212B), static_cast<uint32_t>('A'));  // Angstrom sign
  EXPECT_EQ(nfd_base('e'), static_cast<uint32_t>('e'));
  EXPECT_TRUE(is_cjk_ideograph(0x4E2D));
  EXPECT_FALSE(is_cjk_ideograph(0x3042));  // hiragana
}

TEST(Unicode, IncompleteSuffixFindsOnlyCharactersThatCanStillComplete) {
  EXPECT_EQ(incomplete_utf8_suffix(""), 0u);
  EXPECT_EQ(incomplete_utf8_suffix("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_suffix("a\xF0"), 1u);
  EXPECT_EQ(incomplete_utf8_suffix("a\xF0\x9F"), 2u);
  EXPECT_EQ(incomplete_utf8_suffix("a\xF0\x9F\xA6"), 3u);
  EXPECT_EQ(incomplete_utf8_suffix("a\xF0\x9F\xA6\x99"), 0u);  // complete
  EXPECT_EQ(incomplete_utf8_suffix("\xC3"), 1u);
  EXPECT_EQ(incomplete_utf8_suffix("\xC3\xA9"), 0u);
  EXPECT_EQ(incomplete_utf8_suffix("\x80"), 0u);      // stray continuation: never completes
  EXPECT_EQ(incomplete_utf8_suffix("a\xFF"), 0u);     // not a lead byte
  EXPECT_EQ(incomplete_utf8_suffix("a\xC0"), 0u);     // overlong lead
}

TEST(Unicode, ByteAlphabetIsABijectionOntoPrintableCharacters) {
  std::set<uint32_t> seen;
  for (int b = 0; b < 256; ++b) {
    const uint32_t c = byte_to_char(static_cast<uint8_t>(b));
    EXPECT_FALSE(is_whitespace(c)) << b;
    EXPECT_EQ(char_to_byte(c), b);
    seen.insert(c);
  }
  EXPECT_EQ(seen.size(), 256u);
  EXPECT_EQ(byte_to_char(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(byte_to_char('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(byte_to_char('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(char_to_byte(0x4E2D), -1);
}

}  // namespace
}  // namespace edgellm::tokenizer::unicode
