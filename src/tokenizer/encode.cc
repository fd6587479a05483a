// Encoding: special tokens are cut out of the text first, then each remaining fragment goes to
// the family's algorithm, with BOS / EOS / SEP added as the vocabulary says.
#include <algorithm>
#include <cctype>

#include "tokenizer/tokenizer_impl.h"

namespace edgellm::tokenizer {

namespace {

struct Fragment {
  Token token;    // kNoToken for text
  size_t offset;  // text fragments: bytes of the input
  size_t length;
};

bool is_c_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Marks which special tokens occur anywhere in `text`, so that the partition below only scans
// for those. A token is a candidate when its text starts at some position; a trie would be
// faster for vocabularies with thousands of added tokens, but the first-byte filter keeps the
// common case cheap.
std::vector<Token> candidate_specials(const Tokenizer::Impl& v, std::string_view text,
                                      bool parse_special) {
  bool first_bytes[256] = {};
  for (unsigned char c : text) first_bytes[c] = true;
  std::vector<Token> out;
  for (Token id : v.special_tokens) {
    const TokenData& td = v.tokens[static_cast<size_t>(id)];
    // Without parse_special only added (user-defined) tokens are matched in text.
    if (!parse_special && (td.attr & (kAttrControl | kAttrUnknown))) continue;
    if (td.text.size() > text.size() || !first_bytes[static_cast<unsigned char>(td.text[0])]) {
      continue;
    }
    if (text.find(td.text) != std::string_view::npos) out.push_back(id);
  }
  return out;
}

// Splits `text` into text fragments and special tokens. Tokens are taken in priority order
// (longest first): each one is cut out of every text fragment that remains, left to right, so
// a longer token wins over a shorter one wherever they overlap.
void partition(const Tokenizer::Impl& v, std::string_view text, bool parse_special,
               std::vector<Fragment>* frags) {
  frags->clear();
  if (text.empty()) return;
  frags->push_back(Fragment{kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (Token id : candidate_specials(v, text, parse_special)) {
    const TokenData& td = v.tokens[static_cast<size_t>(id)];
    const std::string_view needle = td.text;
    next.clear();
    for (const Fragment& f : *frags) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      size_t start = f.offset;
      const size_t end = f.offset + f.length;
      for (;;) {
        const size_t match = text.substr(0, end).find(needle, start);
        if (match == std::string_view::npos) break;
        size_t left_len = match - start;
        if (td.attr & kAttrLstrip) {
          while (left_len > 0 && is_c_space(text[start + left_len - 1])) --left_len;
        }
        if (left_len > 0) next.push_back(Fragment{kNoToken, start, left_len});
        next.push_back(Fragment{id, 0, 0});
        start = match + needle.size();
        if (td.attr & kAttrRstrip) {
          while (start < end && is_c_space(text[start])) ++start;
        }
      }
      if (start < end) next.push_back(Fragment{kNoToken, start, end - start});
    }
    frags->swap(next);
  }
}

}  // namespace

void Tokenizer::encode(std::string_view text, bool add_special, bool parse_special,
                       std::vector<Token>* out) const {
  const Impl& v = *impl_;
  std::vector<Fragment> frags;
  partition(v, text, parse_special, &frags);

  switch (v.type) {
    case VocabType::kSpm: {
      // SentencePiece puts a space before the text, and llama.cpp also after every special
      // token: "<s>Hi" and "Hi" both start with the token for " Hi".
      bool prev_special = true;
      if (add_special && v.add_bos) out->push_back(v.special.bos);
      std::string buf;
      for (const Fragment& f : frags) {
        if (f.token != kNoToken) {
          out->push_back(f.token);
          prev_special = true;
          continue;
        }
        buf.clear();
        if (v.add_space_prefix && prev_special) buf.push_back(' ');
        buf.append(text.substr(f.offset, f.length));
        spm_tokenize(v, buf, out);
        prev_special = false;
      }
      if (add_special && v.add_eos) out->push_back(v.special.eos);
      break;
    }
    case VocabType::kBpe:
      if (add_special && v.add_bos) out->push_back(v.special.bos);
      for (const Fragment& f : frags) {
        if (f.token != kNoToken) {
          out->push_back(f.token);
        } else {
          bpe_tokenize(v, text.substr(f.offset, f.length), out);
        }
      }
      if (add_special && v.add_eos) out->push_back(v.special.eos);
      break;
    case VocabType::kWordPiece:
      if (add_special && v.add_bos) out->push_back(v.special.bos);  // [CLS]
      for (const Fragment& f : frags) {
        if (f.token != kNoToken) {
          out->push_back(f.token);
        } else {
          wordpiece_tokenize(v, text.substr(f.offset, f.length), out);
        }
      }
      if (add_special && v.add_sep) out->push_back(v.special.sep);  // [SEP]
      break;
  }
}

std::vector<Token> Tokenizer::encode(std::string_view text, bool add_special,
                                     bool parse_special) const {
  std::vector<Token> out;
  encode(text, add_special, parse_special, &out);
  return out;
}

}  // namespace edgellm::tokenizer
