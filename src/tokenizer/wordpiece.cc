// WordPiece (tokenizer.ggml.model = "bert"). BERT's basic tokenizer first: drop control
// characters, lowercase, strip accents (keep the base letter of each decomposed character, drop
// combining marks), split on whitespace, and make every punctuation character, ASCII symbol and
// CJK ideograph a word of its own. Then each word is cut greedily into the longest vocabulary
// entries. GGUF vocabularies write word-initial pieces with a U+2581 prefix and continuation
// pieces bare (the "##" of BERT's vocab.txt removed).
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {

namespace {

std::vector<std::string> basic_tokenize(const Tokenizer::Impl& v, std::string_view text) {
  std::vector<std::string> words(1);
  for (uint32_t cp : unicode::decode_utf8(text)) {
    if (unicode::is_raw_byte(cp)) continue;  // malformed UTF-8 is dropped, like U+FFFD
    if (v.strip_accents) cp = unicode::nfd_base(cp);
    if (unicode::is_whitespace(cp)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (cp == 0 || cp == unicode::kReplacement || unicode::is_control(cp)) continue;
    if (v.strip_accents && unicode::is_mark(cp)) continue;
    const std::string s = unicode::to_utf8(v.lowercase ? unicode::to_lower(cp) : cp);
    if (unicode::is_punctuation(cp) || (cp < 0x7F && unicode::is_symbol(cp)) ||
        unicode::is_cjk_ideograph(cp)) {
      if (!words.back().empty()) words.emplace_back();
      words.back() = s;
      words.emplace_back();
    } else {
      words.back() += s;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace

void wordpiece_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out) {
  for (const std::string& w : basic_tokenize(v, text)) {
    if (w.empty()) continue;
    const std::string word = "\xE2\x96\x81" + w;  // the word-initial marker
    const size_t n = word.size();
    const size_t start_size = out->size();
    for (size_t i = 0; i < n;) {
      bool matched = false;
      for (size_t j = std::min(n, i + v.max_token_len + 1); j > i; --j) {
        const Token id = v.find(std::string_view(word).substr(i, j - i));
        if (id != kNoToken) {
          out->push_back(id);
          matched = true;
          i = j;
          break;
        }
      }
      if (!matched) {
        // A word that cannot be spelled entirely is a single unknown token.
        out->resize(start_size);
        break;
      }
    }
    if (out->size() == start_size && v.special.unk != kNoToken) out->push_back(v.special.unk);
  }
}

}  // namespace edgellm::tokenizer
