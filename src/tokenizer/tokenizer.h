// Text <-> token ids for the three tokenizer families that GGUF files carry, configured entirely
// from the file's `tokenizer.ggml.*` metadata:
//
//   - SPM (`tokenizer.ggml.model` = "llama"): SentencePiece BPE over scores, U+2581 for spaces,
//     byte fallback through <0xXX> tokens.
//   - BPE ("gpt2"): byte-level BPE over merge ranks, after the regex pre-tokenizer that
//     `tokenizer.ggml.pre` names (see pretokenizer.h).
//   - WordPiece ("bert"): BERT's basic tokenizer (lowercasing, accent stripping, punctuation and
//     CJK splitting), then greedy longest-match.
//
// Results match llama.cpp token for token (it is the reference the tests compare against).
//
// Usage:
//   EDGELLM_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
//   EDGELLM_ASSIGN_OR_RETURN(Tokenizer tok, Tokenizer::load(file));
//   std::vector<Token> ids = tok.encode("Hello", /*add_special=*/true, /*parse_special=*/true);
//   StreamDecoder out(tok);
//   for (Token t : generated) { fputs(out.push(t).c_str(), stdout); if (tok.is_eog(t)) break; }
//
// A Tokenizer owns a copy of what it needs from the file (the file may be closed afterwards).
// It is immutable after load(): every const method is safe to call from many threads at once, and
// copies are cheap (they share the loaded vocabulary). A StreamDecoder is per stream and not
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"

namespace edgellm::tokenizer {

using Token = int32_t;
constexpr Token kNoToken = -1;

enum class VocabType { kSpm, kBpe, kWordPiece };
const char* vocab_type_name(VocabType type);

// Token attributes (bit flags). They come from `tokenizer.ggml.token_type` and are adjusted at
// load the way llama.cpp adjusts them (end-of-generation tokens become control tokens, ...).
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,      // the <unk> token
  kAttrUnused = 1u << 1,       // reserved, never produced
  kAttrNormal = 1u << 2,       // ordinary text
  kAttrControl = 1u << 3,      // <s>, </s>, <|im_end|>...: parsed from text only on request
  kAttrUserDefined = 1u << 4,  // added tokens: always matched in text, rendered as text
  kAttrByte = 1u << 5,         // <0xXX> byte-fallback tokens
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,       // when parsed from text, swallows whitespace on its left
  kAttrRstrip = 1u << 8,       // ... and on its right
  kAttrSingleWord = 1u << 9,
};

// Special token ids; kNoToken where the vocabulary has none.
struct SpecialTokens {
  Token bos = kNoToken;       // beginning of sequence (BERT: [CLS])
  Token eos = kNoToken;       // end of sequence
  Token eot = kNoToken;       // end of turn (<|im_end|>, <|eot_id|>, <end_of_turn>...)
  Token eom = kNoToken;       // end of message (<|eom_id|>)
  Token unk = kNoToken;
  Token sep = kNoToken;       // BERT: [SEP]
  Token pad = kNoToken;
  Token mask = kNoToken;
  Token fim_pre = kNoToken;   // fill-in-the-middle: prefix, suffix, middle, pad, repo, file sep
  Token fim_suf = kNoToken;
  Token fim_mid = kNoToken;
  Token fim_pad = kNoToken;
  Token fim_rep = kNoToken;
  Token fim_sep = kNoToken;
  Token linefeed = kNoToken;  // the token of "\n"
};

class Tokenizer {
 public:
  // Builds the tokenizer from `file`'s tokenizer.ggml.* metadata. A missing or malformed key is
  // an error naming the key; an unknown tokenizer.ggml.pre is a warning (the default split is
  // used); a special token id outside the vocabulary is a warning and is ignored.
  static Result<Tokenizer> load(const gguf::File& file);
  // Opens `path` and loads its tokenizer.
  static Result<Tokenizer> load(const std::string& path);

  // --- Vocabulary ---
  VocabType type() const;
  const std::string& model() const;  // tokenizer.ggml.model as written in the file
  const std::string& pre() const;    // pre-tokenizer in use (BPE only; "" otherwise)
  int32_t n_tokens() const;
  bool is_valid(Token id) const { return id >= 0 && id < n_tokens(); }
  // The vocabulary entry as stored (U+2581 for spaces in SPM, byte characters in BPE). Empty
  // for an invalid id.
  std::string_view text(Token id) const;
  float score(Token id) const;
  uint32_t attributes(Token id) const;  // TokenAttr bits; 0 for an invalid id
  bool is_control(Token id) const { return (attributes(id) & kAttrControl) != 0; }
  bool is_byte(Token id) const { return (attributes(id) & kAttrByte) != 0; }
  // The id whose vocabulary entry is exactly `text`, or kNoToken.
  Token find(std::string_view text) const;

  // --- Special tokens ---
  const SpecialTokens& special() const;
  Token bos() const { return special().bos; }
  Token eos() const { return special().eos; }
  Token eot() const { return special().eot; }
  Token unk() const { return special().unk; }
  // Whether encode(add_special=true) adds BOS at the start, EOS / SEP at the end.
  bool add_bos() const;
  bool add_eos() const;
  bool add_sep() const;
  // True for every token that ends generation: EOS, EOT, EOM and the end-of-turn tokens that
  // the vocabulary's text identifies (<|im_end|>, <|eot_id|>, <|endoftext|>, ...).
  bool is_eog(Token id) const;
  const std::vector<Token>& eog_tokens() const;  // sorted ids

  // --- Encoding ---
  // Tokenizes UTF-8 `text` (malformed bytes are kept as bytes where the vocabulary can express
  // them). `add_special` adds BOS / EOS / SEP as the metadata says; `parse_special` turns the text
  // of control tokens (e.g. "<|im_start|>") into those tokens instead of tokenizing it as text.
  // Added (user-defined) tokens are always matched.
  std::vector<Token> encode(std::string_view text, bool add_special = true,
                            bool parse_special = true) const;
  // Appends to *out instead (reuses its capacity).
  void encode(std::string_view text, bool add_special, bool parse_special,
              std::vector<Token>* out) const;

  // --- Decoding ---
  // The bytes one token stands for. Byte tokens give one byte, so a piece may be part of a
  // UTF-8 character: join pieces (or use StreamDecoder) before treating them as text. Control
  // and unknown tokens give their text when `render_special`, nothing otherwise. Invalid ids give
  // an empty piece.
  std::string_view token_to_piece(Token id, bool render_special = true) const;
  // Joins the pieces of `tokens` as llama.cpp's detokenizer does: the space SPM puts before the
  // first word is dropped, `remove_special` drops a leading BOS / trailing EOS that the
  // tokenizer would add, `render_special` keeps the text of control tokens, and families that
  // ask for it get " ," -> "," style clean-up. An invalid id is an error naming it.
  Result<std::string> decode(std::span<const Token> tokens, bool remove_special = false,
                             bool render_special = false) const;

  struct Impl;  // defined in tokenizer_impl.h
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Turns a stream of generated tokens into text without ever emitting part of a UTF-8 character:
// bytes of an incomplete character are held until the token that completes it arrives. Malformed
// bytes come out as U+FFFD, so the output is always valid UTF-8.
class StreamDecoder {
 public:
  // `tokenizer` must outlive the decoder. `render_special` shows control tokens' text.
  explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false);

  // Adds a token; returns the text that became complete (possibly empty).
  std::string push(Token id);
  // Returns whatever is still held (an incomplete character becomes U+FFFD) and resets.
  std::string finish();
  // Forgets held bytes.
  void reset() { pending_.clear(); }
  // Bytes held back waiting for the rest of a character.
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  bool render_special_;
  std::string pending_;
};

}  // namespace edgellm::tokenizer
