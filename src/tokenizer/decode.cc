// Decoding: the bytes each token stands for (cached at load), whole-sequence detokenization with
// llama.cpp's clean-up rules, streaming decoding that holds back incomplete UTF-8, and the
// Tokenizer's accessors.
#include <algorithm>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {

namespace {

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string piece_of(const Tokenizer::Impl& v, const TokenData& td) {
  if (td.attr & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return td.text;
  if (td.attr & kAttrNormal) {
    if (v.type != VocabType::kBpe || v.escape_whitespace) return unescape_spaces(td.text);
    // Byte-level BPE: each character of the entry stands for one byte. A character outside the
    // byte alphabet (a malformed vocabulary) is passed through as UTF-8.
    std::string out;
    const std::vector<uint32_t> cps = unicode::decode_utf8(td.text);
    for (uint32_t cp : cps) {
      const int b = unicode::char_to_byte(cp);
      if (b >= 0) {
        out.push_back(static_cast<char>(b));
      } else {
        unicode::append_utf8(out, cp);
      }
    }
    return out;
  }
  if (td.attr & kAttrByte) {
    // "<0xXX>"
    if (td.text.size() == 6 && td.text.compare(0, 3, "<0x") == 0 && td.text[5] == '>') {
      const int hi = hex_value(td.text[3]), lo = hex_value(td.text[4]);
      if (hi >= 0 && lo >= 0) return std::string(1, static_cast<char>(hi * 16 + lo));
    }
    return td.text;
  }
  return std::string();  // unused and undefined tokens render as nothing
}

}  // namespace

void build_pieces(Tokenizer::Impl* v) {
  v->pieces.resize(v->tokens.size());
  for (size_t i = 0; i < v->tokens.size(); ++i) v->pieces[i] = piece_of(*v, v->tokens[i]);
}

std::string_view Tokenizer::token_to_piece(Token id, bool render_special) const {
  const Impl& v = *impl_;
  if (!v.valid(id)) return {};
  const size_t i = static_cast<size_t>(id);
  if (!render_special && (v.tokens[i].attr & (kAttrUnknown | kAttrControl))) return {};
  return v.pieces[i];
}

Result<std::string> Tokenizer::decode(std::span<const Token> tokens, bool remove_special,
                                      bool render_special) const {
  const Impl& v = *impl_;
  for (Token id : tokens) {
    if (!v.valid(id)) {
      return make_error(ErrorCode::kOutOfRange, "token id %d is outside the vocabulary of %zu",
                        id, v.tokens.size());
    }
  }
  // SentencePiece's leading space belongs to the encoding, not the text; it is kept when a BOS
  // token comes first (then the space follows a token, as in the original text).
  bool remove_space = v.add_space_prefix;
  if (remove_special && v.add_bos && !tokens.empty() && tokens.front() == v.special.bos) {
    remove_space = false;
    tokens = tokens.subspan(1);
  }
  if (remove_special && v.add_eos && !tokens.empty() && tokens.back() == v.special.eos) {
    tokens = tokens.subspan(0, tokens.size() - 1);
  }
  std::string text;
  for (Token id : tokens) {
    std::string_view piece = token_to_piece(id, render_special);
    if (remove_space && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
    remove_space = false;
    text.append(piece);
  }
  if (!v.clean_spaces || text.empty()) return text;

  // Tokenizers that strip spaces before punctuation ("clean_up_tokenization_spaces"). Three
  // passes in place over the buffer, each reading what the previous pass left, so that the
  // result is exactly llama.cpp's.
  size_t total = text.size();
  // " ?", " !", " .", " ," lose the space.
  size_t n = 1;
  for (size_t i = 1; i < total; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --n;
    text[n++] = x;
  }
  total = n;
  // " ' " loses both spaces.
  n = 1;
  for (size_t i = 1; i < total; ++i) {
    const char x = text[i];
    if (x == '\'' && i + 1 < total && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --n;
      text[++i] = '\0';
    }
    text[n++] = x;
  }
  total = n;
  // " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
  n = 1;
  for (size_t i = 1; i < total; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < total) {
      const char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --n;
      } else if (i + 2 < total) {
        const char x2 = text[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --n;
      }
    }
    text[n++] = x;
  }
  text.resize(n);
  return text;
}

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool render_special)
    : tokenizer_(&tokenizer), render_special_(render_special) {}

namespace {

// Copies valid UTF-8 through and replaces each malformed byte with U+FFFD.
void append_sanitized(std::string& out, std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t start = pos;
    const uint32_t cp = unicode::decode_utf8(bytes, &pos);
    if (unicode::is_raw_byte(cp)) {
      unicode::append_utf8(out, unicode::kReplacement);
    } else {
      out.append(bytes.substr(start, pos - start));
    }
  }
}

}  // namespace

std::string StreamDecoder::push(Token id) {
  pending_.append(tokenizer_->token_to_piece(id, render_special_));
  const size_t hold = unicode::incomplete_utf8_suffix(pending_);
  std::string out;
  append_sanitized(out, std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out;
  append_sanitized(out, pending_);
  pending_.clear();
  return out;
}

// --- Accessors ---

VocabType Tokenizer::type() const { return impl_->type; }
const std::string& Tokenizer::model() const { return impl_->model; }
const std::string& Tokenizer::pre() const { return impl_->pre_name; }
int32_t Tokenizer::n_tokens() const { return static_cast<int32_t>(impl_->tokens.size()); }

std::string_view Tokenizer::text(Token id) const {
  return impl_->valid(id) ? std::string_view(impl_->tokens[static_cast<size_t>(id)].text)
                          : std::string_view();
}

float Tokenizer::score(Token id) const {
  return impl_->valid(id) ? impl_->tokens[static_cast<size_t>(id)].score : 0.0f;
}

uint32_t Tokenizer::attributes(Token id) const {
  return impl_->valid(id) ? impl_->tokens[static_cast<size_t>(id)].attr : 0;
}

Token Tokenizer::find(std::string_view text) const { return impl_->find(text); }
const SpecialTokens& Tokenizer::special() const { return impl_->special; }
bool Tokenizer::add_bos() const { return impl_->add_bos; }
bool Tokenizer::add_eos() const { return impl_->add_eos; }
bool Tokenizer::add_sep() const { return impl_->add_sep; }

bool Tokenizer::is_eog(Token id) const {
  return std::binary_search(impl_->eog.begin(), impl_->eog.end(), id);
}

const std::vector<Token>& Tokenizer::eog_tokens() const { return impl_->eog; }

}  // namespace edgellm::tokenizer
