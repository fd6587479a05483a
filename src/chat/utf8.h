// UTF-8 helpers for the chat-template interpreter: code-point iteration and Python's notions of
// whitespace and printable characters, so that len(), slicing and strip() count characters as
// Python does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgellm::chat {

// Decodes one code point at s[*pos] and advances *pos; invalid bytes decode as themselves.
uint32_t utf8_next(std::string_view s, size_t* pos);
void utf8_append(std::string* out, uint32_t cp);
// Byte offsets of each code point's start, plus s.size() at the end.
std::vector<size_t> utf8_offsets(std::string_view s);
size_t utf8_length(std::string_view s);
// str.isspace() for one code point.
bool py_isspace(uint32_t cp);
// str.isprintable() for one code point (approximate outside the common ranges).
bool py_isprintable(uint32_t cp);

}  // namespace edgellm::chat
