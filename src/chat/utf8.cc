// UTF-8 decoding and Python character classes for the chat-template interpreter.
#include "chat/utf8.h"

namespace edgellm::chat {

uint32_t utf8_next(std::string_view s, size_t* pos) {
  const auto c0 = static_cast<unsigned char>(s[*pos]);
  int len = c0 < 0x80 ? 1 : (c0 >> 5) == 6 ? 2 : (c0 >> 4) == 14 ? 3 : (c0 >> 3) == 30 ? 4 : 0;
  if (len == 0 || *pos + len > s.size()) {
    ++*pos;
    return c0;
  }
  uint32_t cp = len == 1 ? c0 : len == 2 ? (c0 & 0x1f) : len == 3 ? (c0 & 0x0f) : (c0 & 0x07);
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[*pos + k]);
    if ((c & 0xc0) != 0x80) {
      ++*pos;
      return c0;
    }
    cp = (cp << 6) | (c & 0x3f);
  }
  *pos += len;
  return cp;
}

void utf8_append(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

std::vector<size_t> utf8_offsets(std::string_view s) {
  std::vector<size_t> offs;
  size_t pos = 0;
  while (pos < s.size()) {
    offs.push_back(pos);
    utf8_next(s, &pos);
  }
  offs.push_back(s.size());
  return offs;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

bool py_isspace(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20);
  return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

bool py_isprintable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7f) return false;
  if (cp < 0x80) return true;
  if (cp <= 0xa0 || cp == 0xad) return false;
  if (py_isspace(cp)) return false;
  if ((cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xd800 && cp <= 0xdfff) ||
      (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfff9 && cp <= 0xfffb) || cp > 0x10ffff) {
    return false;
  }
  return true;
}

}  // namespace edgellm::chat
