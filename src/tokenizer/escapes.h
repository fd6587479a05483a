// Backslash escapes in command-line text: "\n", "\t", "\x41"... become the characters they name,
// as llama.cpp's tools read -p arguments, so that prompts typed on one line can hold newlines.
#pragma once

#include <string>
#include <string_view>

namespace edgellm::tokenizer {

// Replaces \n \r \t \' \" \\ and \xHH (two hex digits) with the characters they stand for. Any
// other backslash sequence is kept as written.
std::string process_escapes(std::string_view text);

}  // namespace edgellm::tokenizer
