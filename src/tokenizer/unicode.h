// Unicode helpers for the tokenizers: UTF-8 decoding that never fails, general categories, case
// mapping and canonical decomposition (all from utf8proc), the White_Space property, and the
// GPT-2 byte-to-character mapping that byte-level BPE vocabularies are written in.
//
// Everything here is a pure function of its arguments and safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgellm::tokenizer::unicode {

// Unicode general categories, numbered as utf8proc numbers them.
enum class Category : uint8_t {
  Cn = 0, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po,
  Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co,
};
constexpr int kCategoryCount = 30;

// Category sets as bit masks (bit i = Category i), for regex classes such as \p{L}.
using CategoryMask = uint32_t;
constexpr CategoryMask category_bit(Category c) { return 1u << static_cast<unsigned>(c); }
constexpr CategoryMask kLetter = category_bit(Category::Lu) | category_bit(Category::Ll) |
                                 category_bit(Category::Lt) | category_bit(Category::Lm) |
                                 category_bit(Category::Lo);
constexpr CategoryMask kMark =
    category_bit(Category::Mn) | category_bit(Category::Mc) | category_bit(Category::Me);
constexpr CategoryMask kNumber =
    category_bit(Category::Nd) | category_bit(Category::Nl) | category_bit(Category::No);
constexpr CategoryMask kPunctuation =
    category_bit(Category::Pc) | category_bit(Category::Pd) | category_bit(Category::Ps) |
    category_bit(Category::Pe) | category_bit(Category::Pi) | category_bit(Category::Pf) |
    category_bit(Category::Po);
constexpr CategoryMask kSymbol = category_bit(Category::Sm) | category_bit(Category::Sc) |
                                 category_bit(Category::Sk) | category_bit(Category::So);
constexpr CategoryMask kSeparator =
    category_bit(Category::Zs) | category_bit(Category::Zl) | category_bit(Category::Zp);
constexpr CategoryMask kOther = category_bit(Category::Cn) | category_bit(Category::Cc) |
                                category_bit(Category::Cf) | category_bit(Category::Cs) |
                                category_bit(Category::Co);

// Malformed UTF-8 bytes are carried through the tokenizers as "code points" above the Unicode
// range, kRawByteBase + byte, so that byte-level BPE can still encode them exactly. For
// classification they behave like U+FFFD (the replacement character).
constexpr uint32_t kRawByteBase = 0x110000;
constexpr uint32_t kReplacement = 0xFFFD;
inline bool is_raw_byte(uint32_t cp) { return cp >= kRawByteBase && cp < kRawByteBase + 256; }

Category category(uint32_t cp);
inline CategoryMask category_mask(uint32_t cp) { return category_bit(category(cp)); }
inline bool is_letter(uint32_t cp) { return (category_mask(cp) & kLetter) != 0; }
inline bool is_number(uint32_t cp) { return (category_mask(cp) & kNumber) != 0; }
inline bool is_mark(uint32_t cp) { return (category_mask(cp) & kMark) != 0; }
inline bool is_punctuation(uint32_t cp) { return (category_mask(cp) & kPunctuation) != 0; }
inline bool is_symbol(uint32_t cp) { return (category_mask(cp) & kSymbol) != 0; }
inline bool is_control(uint32_t cp) { return (category_mask(cp) & kOther) != 0 && category(cp) != Category::Cn; }
// The White_Space property (what \s matches in Unicode regex engines).
bool is_whitespace(uint32_t cp);
// Simple (one-to-one) case mappings; code points without one map to themselves.
uint32_t to_lower(uint32_t cp);
uint32_t to_upper(uint32_t cp);
// The first code point of the canonical decomposition (NFD): the base letter of a precomposed
// character ("é" -> "e"), the code point itself when it does not decompose.
uint32_t nfd_base(uint32_t cp);
// The CJK ideograph blocks that BERT's basic tokenizer splits into single characters.
bool is_cjk_ideograph(uint32_t cp);

// --- UTF-8 ---

// Length of the sequence a lead byte announces, by its high bits: 1 for ASCII and continuation
// bytes, 2 for C0..DF, 3 for E0..EF, 4 for F0..FF.
size_t utf8_sequence_length(uint8_t lead);
// Decodes the code point at s[*pos] and advances *pos. A malformed sequence (bad lead byte,
// missing continuation, overlong form, surrogate, beyond U+10FFFF) consumes one byte and yields
// kRawByteBase + that byte.
uint32_t decode_utf8(std::string_view s, size_t* pos);
std::vector<uint32_t> decode_utf8(std::string_view s);
// Appends the UTF-8 form of `cp`; a raw-byte code point appends its byte unchanged.
void append_utf8(std::string& out, uint32_t cp);
std::string to_utf8(uint32_t cp);
// Number of bytes at the end of `s` that begin a UTF-8 sequence still missing continuation bytes
// (0 when `s` ends on a character boundary or with bytes that can never become valid).
size_t incomplete_utf8_suffix(std::string_view s);
bool is_valid_utf8(std::string_view s);

// --- GPT-2 byte-level encoding ---

// The printable character that stands for byte `b` in byte-level BPE vocabularies.
uint32_t byte_to_char(uint8_t b);
// The byte that `cp` stands for, or -1 if `cp` is not one of the 256 byte characters.
int char_to_byte(uint32_t cp);

}  // namespace edgellm::tokenizer::unicode
