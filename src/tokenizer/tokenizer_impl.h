// The loaded vocabulary behind a Tokenizer, shared by loading (load.cc), encoding (encode.cc,
// spm.cc, bpe.cc, wordpiece.cc) and decoding (decode.cc). Internal to the tokenizer module.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/string_index.h"
#include "tokenizer/tokenizer.h"

namespace edgellm::tokenizer {

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = kAttrNormal;
};

struct Tokenizer::Impl {
  VocabType type = VocabType::kSpm;
  std::string model;
  std::string pre_name;

  // Written once while loading; the string_view keys below point into these strings, so neither
  // vector changes size after the maps are built.
  std::vector<TokenData> tokens;
  StringIndex token_ids;
  // BPE merges over interned strings: every left part, right part and merged result of a merge
  // has an id; a merge is looked up by its two ids. Strings that are tokens map to their token.
  struct Merge {
    int32_t rank;
    int32_t result;  // interned id of left + right
  };
  std::vector<std::string> merge_lines;    // tokenizer.ggml.merges; parts point into these
  std::vector<std::string> merge_results;  // left + right of each merge
  StringIndex bpe_ids;
  std::vector<Token> bpe_id_token;         // interned id -> token id, or kNoToken
  std::unordered_map<uint64_t, Merge> merges;  // (left id << 32 | right id) -> merge
  std::array<int32_t, 256> byte_char_ids{};    // byte -> interned id of its byte-level character

  // SPM: every pair of adjacent characters that occurs inside some vocabulary entry (each
  // character packed in 32 bits). Text can be cut between two characters that form no such pair:
  // no merge will ever join them, so the pieces merge independently.
  std::unordered_set<uint64_t> inner_pairs;
  size_t max_token_len = 0;  // bytes

  SpecialTokens special;
  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;
  bool add_space_prefix = false;  // SPM: a space before the text (and after special tokens)
  bool clean_spaces = false;      // decoding clean-up of " ," and friends
  bool ignore_merges = false;
  bool escape_whitespace = false; // spaces become U+2581 before BPE (SPM-style BPE)
  bool byte_encode = true;        // BPE over the GPT-2 byte alphabet
  bool lowercase = true;          // WordPiece normalizer
  bool strip_accents = true;

  std::optional<PreTokenizer> pre_tokenizer;  // BPE only

  std::vector<Token> special_tokens;  // matched in text before tokenizing; longest first
  std::vector<Token> eog;             // sorted
  std::array<Token, 256> byte_tokens{};  // byte-fallback token per byte, kNoToken if none
  std::vector<std::string> pieces;       // token_to_piece(id, render_special=true)

  Token find(std::string_view text) const { return token_ids.find(text); }
  int32_t bpe_id(std::string_view text) const { return bpe_ids.find(text); }
  const Merge* find_merge(int32_t left, int32_t right) const {
    if (left < 0 || right < 0) return nullptr;
    auto it = merges.find((static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right));
    return it == merges.end() ? nullptr : &it->second;
  }
  bool valid(Token id) const { return id >= 0 && static_cast<size_t>(id) < tokens.size(); }
};

// Packs one UTF-8 character (1 to 4 bytes) into 32 bits.
inline uint32_t pack_char(std::string_view ch) {
  uint32_t v = 0;
  for (char c : ch) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}
inline uint64_t char_pair_key(std::string_view a, std::string_view b) {
  return (static_cast<uint64_t>(pack_char(a)) << 32) | pack_char(b);
}

// Family algorithms over one fragment of plain text (no special tokens in it); each appends to
// *out. Defined in spm.cc, bpe.cc and wordpiece.cc.
void spm_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);
void bpe_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);
void wordpiece_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);

// Builds the token_to_piece cache (decode.cc).
void build_pieces(Tokenizer::Impl* v);

}  // namespace edgellm::tokenizer
