// The loaded vocabulary behind a Tokenizer, shared by loading (load.cc), encoding (encode.cc,
// spm.cc, bpe.cc, wordpiece.cc) and decoding (decode.cc). Internal to the tokenizer module.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"

namespace edgellm::tokenizer {

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = kAttrNormal;
};

struct PairHash {
  size_t operator()(const std::pair<std::string_view, std::string_view>& p) const {
    const size_t a = std::hash<std::string_view>()(p.first);
    const size_t b = std::hash<std::string_view>()(p.second);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
};

struct Tokenizer::Impl {
  VocabType type = VocabType::kSpm;
  std::string model;
  std::string pre_name;

  // Written once while loading; the string_view keys below point into these strings, so neither
  // vector changes size after the maps are built.
  std::vector<TokenData> tokens;
  std::unordered_map<std::string_view, Token> token_ids;
  std::vector<std::string> merge_storage;
  std::unordered_map<std::pair<std::string_view, std::string_view>, int, PairHash> merge_ranks;
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

  Token find(std::string_view text) const {
    auto it = token_ids.find(text);
    return it == token_ids.end() ? kNoToken : it->second;
  }
  int merge_rank(std::string_view left, std::string_view right) const {
    auto it = merge_ranks.find({left, right});
    return it == merge_ranks.end() ? -1 : it->second;
  }
  bool valid(Token id) const { return id >= 0 && static_cast<size_t>(id) < tokens.size(); }
};

// Family algorithms over one fragment of plain text (no special tokens in it); each appends to
// *out. Defined in spm.cc, bpe.cc and wordpiece.cc.
void spm_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);
void bpe_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);
void wordpiece_tokenize(const Tokenizer::Impl& v, std::string_view text, std::vector<Token>* out);

// Builds the token_to_piece cache (decode.cc).
void build_pieces(Tokenizer::Impl* v);

}  // namespace edgellm::tokenizer
