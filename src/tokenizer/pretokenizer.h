// Pre-tokenizers of byte-level BPE vocabularies: the regex splits chosen by
// `tokenizer.ggml.pre`, and the per-family settings that go with them (whether merges are
// skipped for whole-word tokens, BOS defaults, decoding clean-up).
//
// A PreTokenizer is immutable after create() and safe to use from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/regex.h"

namespace edgellm::tokenizer {

struct PreTokenizerConfig {
  std::string name;                   // the canonical tokenizer.ggml.pre value
  std::vector<std::string> patterns;  // applied in order, each splitting the previous pieces
  bool clean_spaces = true;       // decoding removes the space before , . ? ! and 's 're 've 'm
  bool ignore_merges = false;     // a word that is itself a token is not merged piece by piece
  bool add_bos = false;           // BOS default when the file has no add_bos_token key
  bool add_sep = false;           // SEP/EOS default when the file has no add_sep_token key
  bool no_bos = false;            // the family has no BOS token at all
  bool byte_encode = true;        // GPT-2 byte alphabet; false: raw UTF-8 with <0xXX> byte tokens
  bool escape_whitespace = false; // spaces become U+2581 before splitting (SPM-style BPE)
};

// The configuration for a tokenizer.ggml.pre value (aliases included), or nullptr if unknown.
// "default" is the split llama.cpp applies to BPE files that name no pre-tokenizer.
const PreTokenizerConfig* find_pre_tokenizer(std::string_view pre);
// Every configuration, for tests and `edgellm` listings.
const std::vector<PreTokenizerConfig>& all_pre_tokenizers();
// Every name find_pre_tokenizer() accepts.
std::vector<std::string> pre_tokenizer_names();

class PreTokenizer {
 public:
  static Result<PreTokenizer> create(const PreTokenizerConfig& config);

  const PreTokenizerConfig& config() const { return config_; }

  // Splits a text (code points; see unicode::decode_utf8) into words, returned as consecutive
  // lengths in code points that sum to the text's length.
  std::vector<size_t> split(const std::vector<uint32_t>& text) const;

 private:
  PreTokenizerConfig config_;
  std::vector<Regex> regexes_;
};

}  // namespace edgellm::tokenizer
