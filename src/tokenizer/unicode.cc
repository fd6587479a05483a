// Unicode helpers: categories, case and decomposition come from utf8proc; the UTF-8 codec and
// the byte-level BPE alphabet are small enough to write out.
#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <array>

namespace edgellm::tokenizer::unicode {

Category category(uint32_t cp) {
  if (cp >= kRawByteBase) cp = kReplacement;
  return static_cast<Category>(utf8proc_category(static_cast<utf8proc_int32_t>(cp)));
}

bool is_whitespace(uint32_t cp) {
  // The White_Space property of PropList.txt. utf8proc exposes categories but not this property,
  // and it differs from the Z categories (it includes tab, newline and U+0085, and excludes
  // U+200B), so the 25 code points are listed here.
  if (cp >= 0x09 && cp <= 0x0D) return true;
  if (cp >= 0x2000 && cp <= 0x200A) return true;
  switch (cp) {
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
      return true;
    default:
      return false;
  }
}

uint32_t to_lower(uint32_t cp) {
  if (cp >= kRawByteBase) return cp;
  return static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

uint32_t to_upper(uint32_t cp) {
  if (cp >= kRawByteBase) return cp;
  return static_cast<uint32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
}

uint32_t nfd_base(uint32_t cp) {
  if (cp < 0xC0 || cp >= kRawByteBase) return cp;  // nothing below U+00C0 decomposes canonically
  utf8proc_int32_t buf[8];
  const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 8,
                                                     UTF8PROC_DECOMPOSE, nullptr);
  if (n <= 0) return cp;
  return static_cast<uint32_t>(buf[0]);
}

bool is_cjk_ideograph(uint32_t cp) {
  // The ranges of BERT's _is_chinese_char, including its 0x2B920 start of the block that Unicode
  // starts at 0x2B820: vocabularies were trained with this table.
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

size_t utf8_sequence_length(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;  // by the high nibble, as SentencePiece splits; F8..FF are malformed anyway
}

uint32_t decode_utf8(std::string_view s, size_t* pos) {
  const size_t i = *pos;
  const auto b0 = static_cast<uint8_t>(s[i]);
  *pos = i + 1;
  if (b0 < 0x80) return b0;
  const uint32_t raw = kRawByteBase + b0;
  size_t len;
  uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return raw;
  }
  if (i + len > s.size()) return raw;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return raw;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are malformed.
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return raw;
  }
  *pos = i + len;
  return cp;
}

std::vector<uint32_t> decode_utf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) out.push_back(decode_utf8(s, &pos));
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < kRawByteBase) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (is_raw_byte(cp)) {
    out.push_back(static_cast<char>(cp - kRawByteBase));
  } else {
    append_utf8(out, kReplacement);
  }
}

std::string to_utf8(uint32_t cp) {
  std::string s;
  append_utf8(s, cp);
  return s;
}

size_t incomplete_utf8_suffix(std::string_view s) {
  // Look back at most 3 bytes for a lead byte whose sequence runs past the end.
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<uint8_t>(s[n - back]);
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t len = utf8_sequence_length(b);
    if (len <= back) return 0;  // complete (or an invalid lead that will never complete)
    // Check the lead could start a valid sequence, so bad bytes are not held back forever.
    if (b < 0xC2 || b > 0xF4) return 0;
    return back;
  }
  return 0;
}

bool is_valid_utf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (decode_utf8(s, &pos) >= kRawByteBase) return false;
  }
  return true;
}

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes
// are shifted to U+0100 and up, in byte order.
struct ByteTable {
  std::array<uint32_t, 256> to_char{};
  std::array<int16_t, 324> to_byte{};  // indexed by code point, all byte chars are < 324
  ByteTable() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      to_char[b] = printable ? static_cast<uint32_t>(b) : next++;
      to_byte[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteTable& byte_table() {
  static const ByteTable table;
  return table;
}

}  // namespace

uint32_t byte_to_char(uint8_t b) { return byte_table().to_char[b]; }

int char_to_byte(uint32_t cp) {
  if (cp >= byte_table().to_byte.size()) return -1;
  return byte_table().to_byte[cp];
}

}  // namespace edgellm::tokenizer::unicode
