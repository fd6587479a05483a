// SentencePiece BPE (tokenizer.ggml.model = "llama"): spaces become U+2581, the text starts as
// one symbol per UTF-8 character, and the adjacent pair whose merged text is the highest-scoring
// vocabulary entry is merged until no pair is in the vocabulary. Symbols that are not tokens
// fall back to <0xXX> byte tokens.
#include <queue>

#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {

namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the escaped text
  size_t n;       // bytes; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;  // bytes of the merged text, to detect stale entries
};

// Highest score first; among equal scores the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

using BigramQueue = std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder>;

// Applies queued merges, best first, until none is left.
template <class TryAdd>
void merge_queue(BigramQueue& queue, std::vector<Symbol>& symbols, TryAdd& try_add) {
  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    // Skip pairs whose symbols changed since the pair was queued.
    if (left.n == 0 || right.n == 0 || left.n + right.n != b.size) continue;
    left.n += right.n;
    right.n = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }
}

}  // namespace

void spm_tokenize(const Tokenizer::Impl& v, std::string_view raw, std::vector<Token>* out) {
  // Escape spaces as U+2581 (the SentencePiece meta symbol).
  std::string text;
  text.reserve(raw.size() + raw.size() / 2);
  for (char c : raw) {
    if (c == ' ') {
      text.append("\xE2\x96\x81");
    } else {
      text.push_back(c);
    }
  }

  std::vector<Symbol> symbols;
  for (size_t offs = 0; offs < text.size();) {
    const size_t len =
        std::min(unicode::utf8_sequence_length(static_cast<uint8_t>(text[offs])), text.size() - offs);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back(Symbol{index - 1, offs + len == text.size() ? -1 : index + 1, offs, len});
    offs += len;
  }
  if (symbols.empty()) return;

  BigramQueue queue;
  auto try_add = [&](int left, int right) {
    if (left == -1 || right == -1) return;
    const std::string_view merged(text.data() + symbols[left].offset,
                                  symbols[left].n + symbols[right].n);
    const Token id = v.find(merged);
    if (id == kNoToken) return;
    queue.push(Bigram{left, right, v.tokens[static_cast<size_t>(id)].score, merged.size()});
  };
  auto char_at = [&](int i) {
    return std::string_view(text.data() + symbols[i].offset, symbols[i].n);
  };

  // Merge segment by segment: between two characters that no vocabulary entry holds side by
  // side, no merge can ever happen, so each segment's merges are exactly those the whole text
  // would see, while the queue stays small.
  const int n_symbols = static_cast<int>(symbols.size());
  for (int seg_begin = 0; seg_begin < n_symbols;) {
    int seg_end = seg_begin + 1;
    while (seg_end < n_symbols &&
           v.inner_pairs.count(char_pair_key(char_at(seg_end - 1), char_at(seg_end)))) {
      ++seg_end;
    }
    for (int i = seg_begin + 1; i < seg_end; ++i) try_add(i - 1, i);
    merge_queue(queue, symbols, try_add);
    seg_begin = seg_end;
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    const std::string_view piece(text.data() + s.offset, s.n);
    const Token id = v.find(piece);
    if (id != kNoToken) {
      out->push_back(id);
      continue;
    }
    // Every merged symbol is a vocabulary entry, so this is a single character the vocabulary
    // lacks: spell it in bytes.
    for (char c : piece) {
      const Token byte = v.byte_tokens[static_cast<uint8_t>(c)];
      if (byte != kNoToken) {
        out->push_back(byte);
      } else if (v.special.unk != kNoToken) {
        out->push_back(v.special.unk);
      }
    }
  }
}

}  // namespace edgellm::tokenizer
