// Byte-level BPE (tokenizer.ggml.model = "gpt2"): the pre-tokenizer splits the text into words,
// each word's bytes are written in the GPT-2 byte alphabet, and within a word the adjacent pair
// with the lowest merge rank is merged until no listed merge applies.
#include <queue>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {

namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the word
  size_t n;       // bytes; 0 once merged into its left neighbour
  int32_t id;     // interned string id (see Tokenizer::Impl::merges), -1 if in no merge
};

struct Bigram {
  int left;
  int right;
  int rank;
  int32_t result;
  size_t size;  // bytes of the merged text, to detect stale entries
};

// Lowest rank first; among equal ranks the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

// Merges one word and appends its tokens.
void merge_word(const Tokenizer::Impl& v, const std::string& word, std::vector<Symbol>& symbols,
                std::vector<Token>* out) {
  if (v.ignore_merges) {
    const Token whole = v.find(word);
    if (whole != kNoToken) {
      out->push_back(whole);
      return;
    }
  }
  symbols.clear();
  for (size_t offs = 0; offs < word.size();) {
    const size_t len = std::min(unicode::utf8_sequence_length(static_cast<uint8_t>(word[offs])),
                                word.size() - offs);
    const int index = static_cast<int>(symbols.size());
    const std::string_view ch(word.data() + offs, len);
    int32_t id;
    if (v.byte_encode) {
      // Every character of a byte-level word is one of the 256 byte characters.
      size_t p = 0;
      const int b = unicode::char_to_byte(unicode::decode_utf8(ch, &p));
      id = b >= 0 ? v.byte_char_ids[static_cast<size_t>(b)] : -1;
    } else {
      id = v.bpe_id(ch);
    }
    symbols.push_back(
        Symbol{index - 1, offs + len == word.size() ? -1 : index + 1, offs, len, id});
    offs += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const Tokenizer::Impl::Merge* m = v.find_merge(symbols[left].id, symbols[right].id);
    if (m == nullptr) return;
    queue.push(Bigram{left, right, m->rank, m->result, symbols[left].n + symbols[right].n});
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;  // stale
    left.n += right.n;
    left.id = b.result;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i != -1; i = symbols[i].next) {
    const std::string_view piece(word.data() + symbols[i].offset, symbols[i].n);
    // A symbol's text is a token exactly when its interned id maps to one; a symbol never merged
    // may be a token that no merge mentions.
    const Token id = symbols[i].id >= 0 ? v.bpe_id_token[static_cast<size_t>(symbols[i].id)]
                                        : v.find(piece);
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    // No token for this piece (a vocabulary missing merges or characters): spell it out byte by
    // byte where the vocabulary has byte tokens, as llama.cpp does; other bytes are dropped.
    for (char c : piece) {
      const Token byte = v.byte_encode ? v.find(std::string_view(&c, 1))
                                       : v.byte_tokens[static_cast<uint8_t>(c)];
      if (byte != kNoToken) out->push_back(byte);
    }
  }
}

}  // namespace

void bpe_tokenize(const Tokenizer::Impl& v, std::string_view raw, std::vector<Token>* out) {
  std::string escaped;
  if (v.escape_whitespace) {
    escaped.reserve(raw.size() + raw.size() / 2);
    for (char c : raw) {
      if (c == ' ') {
        escaped.append("\xE2\x96\x81");
      } else {
        escaped.push_back(c);
      }
    }
    raw = escaped;
  }
  const std::vector<uint32_t> cps = unicode::decode_utf8(raw);
  const std::vector<size_t> words = v.pre_tokenizer->split(cps);

  std::string word, utf8;
  std::vector<Symbol> symbols;
  size_t pos = 0;
  for (size_t len : words) {
    word.clear();
    for (size_t i = pos; i < pos + len; ++i) {
      if (!v.byte_encode) {
        unicode::append_utf8(word, cps[i]);
        continue;
      }
      utf8.clear();
      unicode::append_utf8(utf8, cps[i]);
      for (unsigned char b : utf8) unicode::append_utf8(word, unicode::byte_to_char(b));
    }
    pos += len;
    if (!word.empty()) merge_word(v, word, symbols, out);
  }
}

}  // namespace edgellm::tokenizer
