// Synthetic vocabularies (see vocab.h).
#include "synth/vocab.h"

#include <string>
#include <vector>

#include "tokenizer/unicode.h"

namespace edgellm::synth {
namespace {

// tokenizer.ggml.token_type values.
enum : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };

// Lowercase strings in order of length, then alphabetically: "a" .. "z", "aa" .. "zz", ...
class Words {
 public:
  const std::string& next() {
    // Increment like an odometer; when every letter wraps, grow by one.
    int i = static_cast<int>(w_.size()) - 1;
    while (i >= 0 && w_[static_cast<size_t>(i)] == 'z') w_[static_cast<size_t>(i--)] = 'a';
    if (i < 0) {
      w_.insert(w_.begin(), 'a');
    } else {
      ++w_[static_cast<size_t>(i)];
    }
    return w_;
  }

 private:
  std::string w_ = "`";  // the letter before 'a': the first next() gives "a"
};

struct Vocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;  // 0 marks a free slot
  std::vector<float> scores;
  size_t next_free = 0;

  explicit Vocab(size_t n) : tokens(n), types(n, 0), scores(n, 0.0f) {}
  void set(int32_t id, const char* text, int32_t type) {
    if (id < 0 || static_cast<size_t>(id) >= tokens.size()) return;
    tokens[static_cast<size_t>(id)] = text;
    types[static_cast<size_t>(id)] = type;
  }
  // Puts `text` in the next free slot; false when the vocabulary is full.
  bool push(std::string text, int32_t type, float score = 0.0f) {
    while (next_free < tokens.size() && types[next_free] != 0) ++next_free;
    if (next_free == tokens.size()) return false;
    tokens[next_free] = std::move(text);
    types[next_free] = type;
    scores[next_free] = score;
    return true;
  }
};

void add_specials(const TokenizerSpec& t, Vocab& v) {
  v.set(t.unk_id, t.unk_text, kUnknown);
  v.set(t.bos_id, t.bos_text, kControl);
  v.set(t.eos_id, t.eos_text, kControl);
}

void build_spm(Vocab& v) {
  static const char* kHex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char name[7] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>', 0};
    v.push(name, kByte);
  }
  const std::string space = "\xE2\x96\x81";  // U+2581, SentencePiece's space
  // Higher scores merge first: shorter pieces score higher, so every longer piece is reachable.
  float score = 0.0f;
  v.push(space, kNormal, score);
  Words words;
  while (true) {
    const std::string& w = words.next();
    score -= 1.0f;
    if (!v.push(w, kNormal, score) || !v.push(space + w, kNormal, score)) break;
  }
}

void build_bpe(Vocab& v, std::vector<std::string>& merges) {
  for (int b = 0; b < 256; ++b) {
    v.push(tokenizer::unicode::to_utf8(tokenizer::unicode::byte_to_char(static_cast<uint8_t>(b))),
           kNormal);
  }
  const std::string space = tokenizer::unicode::to_utf8(tokenizer::unicode::byte_to_char(' '));
  // Each word is its prefix merged with its last letter; words come in order of length, so the
  // prefix is always an earlier token.
  Words words;
  while (true) {
    const std::string w = words.next();
    const std::string head = w.substr(0, w.size() - 1), last = w.substr(w.size() - 1);
    if (w.size() > 1) {
      if (!v.push(w, kNormal)) break;
      merges.push_back(head + " " + last);
    }
    if (!v.push(space + w, kNormal)) break;
    merges.push_back(space + head + " " + last);
  }
}

}  // namespace

void add_synthetic_vocab(const Preset& preset, gguf::Writer& w) {
  using gguf::Value;
  const TokenizerSpec& t = preset.tokenizer;
  Vocab v(static_cast<size_t>(preset.n_vocab));
  add_specials(t, v);
  std::vector<std::string> merges;
  const bool spm = t.kind == TokenizerKind::kSpm;
  if (spm) {
    build_spm(v);
  } else {
    build_bpe(v, merges);
  }
  // Vocabularies too small for the generated pieces (never the case for real presets) end
  // with placeholder tokens so that every id has a unique text.
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.types[i] == 0) {
      v.tokens[i] = "[PAD" + std::to_string(i) + "]";
      v.types[i] = kNormal;
    }
  }
  w.set("tokenizer.ggml.model", Value::string(spm ? "llama" : "gpt2"));
  w.set("tokenizer.ggml.pre", Value::string(spm ? "default" : t.pre));
  w.set("tokenizer.ggml.tokens", Value::string_array(std::move(v.tokens)));
  if (spm) w.set("tokenizer.ggml.scores", Value::array_of(gguf::ValueType::FLOAT32, v.scores));
  w.set("tokenizer.ggml.token_type", Value::array_of(gguf::ValueType::INT32, v.types));
  if (!spm) w.set("tokenizer.ggml.merges", Value::string_array(std::move(merges)));
  if (t.bos_id >= 0) w.set("tokenizer.ggml.bos_token_id", Value::u32(static_cast<uint32_t>(t.bos_id)));
  if (t.eos_id >= 0) w.set("tokenizer.ggml.eos_token_id", Value::u32(static_cast<uint32_t>(t.eos_id)));
  if (t.unk_id >= 0) {
    w.set("tokenizer.ggml.unknown_token_id", Value::u32(static_cast<uint32_t>(t.unk_id)));
  }
  w.set("tokenizer.ggml.add_bos_token", Value::boolean(t.add_bos));
  w.set("tokenizer.ggml.add_eos_token", Value::boolean(false));
}

}  // namespace edgellm::synth
