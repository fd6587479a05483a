// Tokenizers built from small vocabularies written with the GGUF writer: the SPM, BPE and
// WordPiece algorithms on cases small enough to check by hand, special tokens and their flags,
// and metadata errors.
#include <gtest/gtest.h>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {
namespace {

using gguf::Value;
using gguf::ValueType;
using Ids = std::vector<Token>;

enum Type : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUser = 4, kByte = 6 };

struct VocabBuilder {
  std::string model;
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  gguf::Writer writer;

  explicit VocabBuilder(std::string m) : model(std::move(m)) {}

  Token add(const std::string& text, float score = 0.0f, int32_t type = kNormal) {
    tokens.push_back(text);
    scores.push_back(score);
    types.push_back(type);
    return static_cast<Token>(tokens.size() - 1);
  }
  Token id(const std::string& text) const {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i] == text) return static_cast<Token>(i);
    }
    ADD_FAILURE() << "no token " << text;
    return kNoToken;
  }

  std::string bytes() {
    writer.set("general.architecture", Value::string("llama"));
    writer.set("tokenizer.ggml.model", Value::string(model));
    writer.set("tokenizer.ggml.tokens", Value::string_array(tokens));
    writer.set("tokenizer.ggml.scores", Value::array_of(ValueType::FLOAT32, scores));
    writer.set("tokenizer.ggml.token_type", Value::array_of(ValueType::INT32, types));
    if (!merges.empty()) writer.set("tokenizer.ggml.merges", Value::string_array(merges));
    auto data = writer.to_bytes();
    EXPECT_TRUE(data.ok()) << data.status().message();
    return data.ok() ? data.value() : std::string();
  }
};

Result<Tokenizer> load(VocabBuilder& b) {
  const std::string data = b.bytes();
  EDGELLM_ASSIGN_OR_RETURN(gguf::File f,
                           gguf::File::parse(reinterpret_cast<const uint8_t*>(data.data()),
                                             data.size(), "synthetic.gguf"));
  return Tokenizer::load(f);  // the tokenizer copies what it needs; `data` may go away
}

// --- SPM ---

VocabBuilder spm_vocab() {
  VocabBuilder b("llama");
  b.add("<unk>", 0, kUnknown);
  b.add("<s>", 0, kControl);
  b.add("</s>", 0, kControl);
  static const char* kHex = "0123456789ABCDEF";
  for (int i = 0; i < 256; ++i) {
    b.add(std::string("<0x") + kHex[i >> 4] + kHex[i & 15] + ">", 0, kByte);
  }
  for (const char* t : {"\u2581", "a", "b", "c", "d"}) b.add(t, -10);
  b.add("\u2581a", -1);
  b.add("ab", -2);
  b.add("bc", -1.5f);
  b.add("\u2581ab", -3);
  b.add("abc", -4);
  b.add("\u2581abc", -0.5f);
  return b;
}

TEST(SyntheticSpm, MergesByScoreWithSpacePrefixAndByteFallback) {
  VocabBuilder b = spm_vocab();
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->type(), VocabType::kSpm);
  EXPECT_TRUE(tok->add_bos());
  // "▁abc" is reachable: ▁a (-1) ... the best pair first, every step a vocabulary entry.
  EXPECT_EQ(tok->encode("abc", false), (Ids{b.id("\u2581abc")}));
  EXPECT_EQ(tok->encode("abc", true), (Ids{1, b.id("\u2581abc")}));
  // "é" is not in the vocabulary: its two UTF-8 bytes.
  EXPECT_EQ(tok->encode("é", false),
            (Ids{b.id("\u2581"), b.id("<0xC3>"), b.id("<0xA9>")}));
  // Merge order follows scores: in "bcd" nothing beats bc; in "abd" ab is the only pair.
  EXPECT_EQ(tok->encode("abd", false), (Ids{b.id("\u2581ab"), b.id("d")}));
  // As llama.cpp's detokenizer: SentencePiece's leading space is dropped, unless a BOS token
  // precedes it.
  EXPECT_EQ(tok->decode(tok->encode("abc é", true)).value(), " abc é");
  EXPECT_EQ(tok->decode(tok->encode("abc é", false)).value(), "abc é");
}

TEST(SyntheticSpm, EqualScoresMergeLeftmostFirst) {
  VocabBuilder b("llama");
  b.add("<unk>", 0, kUnknown);
  b.add("<s>", 0, kControl);
  b.add("</s>", 0, kControl);
  for (const char* t : {"x", "xx"}) b.add(t, -1);
  b.writer.set("tokenizer.ggml.add_space_prefix", Value::boolean(false));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  // "xxx": the leftmost pair merges first.
  EXPECT_EQ(tok->encode("xxx", false), (Ids{b.id("xx"), b.id("x")}));
  // No byte tokens and no entry for "y": the unknown token.
  EXPECT_EQ(tok->encode("y", false), (Ids{0}));
}

// --- BPE ---

VocabBuilder bpe_vocab() {
  VocabBuilder b("gpt2");
  for (int byte = 0; byte < 256; ++byte) {
    b.add(unicode::to_utf8(unicode::byte_to_char(static_cast<uint8_t>(byte))));
  }
  b.merges = {"h e", "l l", "he ll", "hell o", "\u0120 w", "\u0120w o", "r l", "\u0120wo rl",
              "\u0120worl d"};
  for (const char* t : {"he", "ll", "hell", "hello", "\u0120w", "\u0120wo", "rl", "\u0120worl",
                        "\u0120world"}) {
    b.add(t);
  }
  b.add("<|endoftext|>", 0, kControl);
  b.add("<|im_end|>", 0, kControl);
  b.add("[ADDED]", 0, kUser);
  b.writer.set("tokenizer.ggml.pre", Value::string("gpt-2"));
  b.writer.set("tokenizer.ggml.bos_token_id", Value::u32(static_cast<uint32_t>(b.id("<|endoftext|>"))));
  b.writer.set("tokenizer.ggml.eos_token_id", Value::u32(static_cast<uint32_t>(b.id("<|endoftext|>"))));
  return b;
}

TEST(SyntheticBpe, MergesByRankWithinPreTokenizedWords) {
  VocabBuilder b = bpe_vocab();
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->type(), VocabType::kBpe);
  EXPECT_EQ(tok->pre(), "gpt-2");
  EXPECT_FALSE(tok->add_bos());
  EXPECT_EQ(tok->encode("hello world"), (Ids{b.id("hello"), b.id("\u0120world")}));
  // "hel" stops at he + l: "he ll" needs "ll".
  EXPECT_EQ(tok->encode("hel"), (Ids{b.id("he"), b.id("l")}));
  // Every byte has a token: arbitrary bytes, even malformed UTF-8, round-trip exactly.
  const std::string raw = "x\xFF\xC3(\n\t\xE2\x82";
  EXPECT_EQ(tok->decode(tok->encode(raw)).value(), raw);
  EXPECT_EQ(tok->decode(tok->encode("hello world")).value(), "hello world");
}

TEST(SyntheticBpe, SpecialTokensParsedOnRequestAddedTokensAlways) {
  VocabBuilder b = bpe_vocab();
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  const Token eot = b.id("<|endoftext|>");
  const Token added = b.id("[ADDED]");
  EXPECT_EQ(tok->encode("hello<|endoftext|>", true, true), (Ids{b.id("hello"), eot}));
  const Ids plain = tok->encode("hello<|endoftext|>", true, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), eot), 0);
  EXPECT_GT(plain.size(), 3u);
  EXPECT_EQ(tok->encode("hello[ADDED]hello", false, false),
            (Ids{b.id("hello"), added, b.id("hello")}));
  // End-of-generation tokens: EOS and <|im_end|> found by its text.
  EXPECT_TRUE(tok->is_eog(eot));
  EXPECT_TRUE(tok->is_eog(b.id("<|im_end|>")));
  EXPECT_FALSE(tok->is_eog(b.id("hello")));
  EXPECT_EQ(tok->eot(), eot);  // the first end-of-turn text in id order
  // Control tokens render only on request; added tokens always.
  EXPECT_EQ(tok->token_to_piece(eot, false), "");
  EXPECT_EQ(tok->token_to_piece(eot, true), "<|endoftext|>");
  EXPECT_EQ(tok->token_to_piece(added, false), "[ADDED]");
  const Ids ids = {b.id("hello"), eot};
  EXPECT_EQ(tok->decode(ids, false, true).value(), "hello<|endoftext|>");
  EXPECT_EQ(tok->decode(ids, false, false).value(), "hello");
}

TEST(SyntheticBpe, AddBosAndEosFollowTheMetadata) {
  VocabBuilder b = bpe_vocab();
  b.writer.set("tokenizer.ggml.add_bos_token", Value::boolean(true));
  b.writer.set("tokenizer.ggml.add_eos_token", Value::boolean(true));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  const Token eot = b.id("<|endoftext|>");
  EXPECT_EQ(tok->encode("hello", true), (Ids{eot, b.id("hello"), eot}));
  EXPECT_EQ(tok->encode("hello", false), (Ids{b.id("hello")}));
  EXPECT_EQ(tok->decode(tok->encode("hello", true), /*remove_special=*/true, true).value(), "hello");
}

TEST(SyntheticBpe, UnknownPreTokenizerFallsBackToTheDefault) {
  VocabBuilder b = bpe_vocab();
  b.writer.set("tokenizer.ggml.pre", Value::string("some-future-model"));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->pre(), "default");
  EXPECT_EQ(tok->encode("hello world"), (Ids{b.id("hello"), b.id("\u0120world")}));
}

TEST(SyntheticBpe, RstripAndLstripAttributesSwallowWhitespace) {
  // Phi-3 files get rstrip on their added tokens (by general.name), as llama.cpp does.
  VocabBuilder b = spm_vocab();
  b.add("<|end|>", 0, kControl);
  b.writer.set("general.name", Value::string("Phi3 mini"));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  const Token end = b.id("<|end|>");
  EXPECT_TRUE(tok->attributes(end) & kAttrRstrip);
  EXPECT_FALSE(tok->attributes(1) & kAttrRstrip);  // <s> is exempt
  EXPECT_EQ(tok->encode("ab<|end|>   ab", false), tok->encode("ab<|end|>ab", false));
}

// --- WordPiece ---

TEST(SyntheticWordPiece, BasicTokenizerThenLongestMatch) {
  VocabBuilder b("bert");
  for (const char* t : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) b.add(t, 0, kControl);
  for (const char* t : {"\u2581hello", "\u2581world", "\u2581play", "ing", "\u2581!", "\u2581,",
                        "\u2581cafe", "\u2581\u4f60", "\u2581\u597d", "\u2581$"}) {
    b.add(t);
  }
  b.writer.set("tokenizer.ggml.unknown_token_id", Value::u32(1));
  b.writer.set("tokenizer.ggml.cls_token_id", Value::u32(2));
  b.writer.set("tokenizer.ggml.bos_token_id", Value::u32(2));
  b.writer.set("tokenizer.ggml.seperator_token_id", Value::u32(3));
  b.writer.set("tokenizer.ggml.padding_token_id", Value::u32(0));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->type(), VocabType::kWordPiece);
  EXPECT_EQ(tok->encode("Hello, WORLD!", true),
            (Ids{2, b.id("\u2581hello"), b.id("\u2581,"), b.id("\u2581world"), b.id("\u2581!"), 3}));
  EXPECT_EQ(tok->encode("playing Café", false),
            (Ids{b.id("\u2581play"), b.id("ing"), b.id("\u2581cafe")}));
  // CJK ideographs are words of their own; an unspellable word is one [UNK].
  EXPECT_EQ(tok->encode("你好 xyz $", false),
            (Ids{b.id("\u2581\u4f60"), b.id("\u2581\u597d"), 1, b.id("\u2581$")}));
  EXPECT_EQ(tok->encode("[MASK]", false, true), (Ids{4}));
}

// --- Metadata errors ---

TEST(SyntheticErrors, MissingOrMalformedKeysNameTheKey) {
  struct Case {
    const char* key;
    Value value;
    ErrorCode code;
  };
  const Case cases[] = {
      {"tokenizer.ggml.tokens", Value::string("not an array"), ErrorCode::kCorruptFile},
      {"tokenizer.ggml.tokens", Value::array_of(ValueType::INT32, std::vector<int32_t>{1, 2}),
       ErrorCode::kCorruptFile},
      {"tokenizer.ggml.scores", Value::array_of(ValueType::FLOAT32, std::vector<float>{1}),
       ErrorCode::kCorruptFile},
      {"tokenizer.ggml.token_type", Value::string_array({"x"}), ErrorCode::kCorruptFile},
      {"tokenizer.ggml.model", Value::string("t5"), ErrorCode::kUnsupported},
      {"tokenizer.ggml.add_bos_token", Value::string("yes"), ErrorCode::kCorruptFile},
      {"tokenizer.ggml.bos_token_id", Value::string("1"), ErrorCode::kCorruptFile},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    VocabBuilder b = spm_vocab();
    b.bytes();  // fills the writer with a valid vocabulary
    gguf::Writer w = b.writer;
    w.set(c.key, c.value);
    auto bytes = w.to_bytes();
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const std::string data = bytes.value();
    auto f = gguf::File::parse(reinterpret_cast<const uint8_t*>(data.data()), data.size(), "bad.gguf");
    ASSERT_TRUE(f.ok()) << f.status().message();
    auto tok = Tokenizer::load(*f);
    ASSERT_FALSE(tok.ok());
    EXPECT_EQ(tok.status().code(), c.code) << tok.status().message();
    EXPECT_NE(tok.status().message().find(c.key), std::string::npos) << tok.status().message();
  }
  // No tokenizer at all, and a BPE file without merges.
  for (const char* key : {"tokenizer.ggml.model", "tokenizer.ggml.merges"}) {
    VocabBuilder b = bpe_vocab();
    b.bytes();
    gguf::Writer w = b.writer;
    w.remove(key);
    auto bytes = w.to_bytes();
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const std::string data = bytes.value();
    auto f = gguf::File::parse(reinterpret_cast<const uint8_t*>(data.data()), data.size(), "bad.gguf");
    ASSERT_TRUE(f.ok());
    auto tok = Tokenizer::load(*f);
    ASSERT_FALSE(tok.ok()) << key;
    EXPECT_EQ(tok.status().code(), ErrorCode::kNotFound);
    EXPECT_NE(tok.status().message().find(key), std::string::npos) << tok.status().message();
  }
}

TEST(SyntheticErrors, OutOfRangeSpecialIdsAreIgnored) {
  VocabBuilder b = spm_vocab();
  b.writer.set("tokenizer.ggml.bos_token_id", Value::u32(999999));
  b.writer.set("tokenizer.ggml.seperator_token_id", Value::u32(0xFFFFFFFFu));
  b.writer.set("tokenizer.ggml.eos_token_id", Value::i32(-5));
  auto tok = load(b);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->bos(), 1);  // the SPM default stays
  EXPECT_EQ(tok->eos(), 2);
  EXPECT_EQ(tok->special().sep, kNoToken);
  EXPECT_EQ(tok->decode(std::vector<Token>{5, 999999}).status().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(tok->token_to_piece(-1), "");
  EXPECT_EQ(tok->text(123456), "");
}

}  // namespace
}  // namespace edgellm::tokenizer
