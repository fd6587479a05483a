// Decoding on the real vocabularies: encode-then-decode gives the text back, streaming never
// emits part of a UTF-8 character and adds up to the whole, and special tokens (BOS/EOS text,
// end-of-generation sets) are what chat formatting needs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/testdata.h"
#include "tokenizer/escapes.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {
namespace {

// The hard strings of the golden file for `vocab` (multilingual, emoji, whitespace runs...).
std::vector<std::string> golden_texts(const std::string& vocab) {
  const std::string path = testing::testdata_path("golden/tokenizer/extra-" + vocab + ".json");
  std::vector<std::string> out;
  if (!testing::file_exists(path)) return out;
  const auto doc = nlohmann::json::parse(testing::read_file_or_die(path));
  for (const auto& c : doc.at("cases")) {
    if (c.at("flags") == "default") out.push_back(process_escapes(c.at("text").get<std::string>()));
  }
  return out;
}

// Vocabularies whose decoding is lossless: SPM with byte fallback, and byte-level BPE without
// the punctuation clean-up.
const char* kLossless[][2] = {
    {"vocab/ggml-vocab-llama-spm.gguf", "ggml-vocab-llama-spm"},
    {"vocab/ggml-vocab-phi-3.gguf", "ggml-vocab-phi-3"},
    {"vocab/ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-llm"},
    {"models/stories260K.gguf", "stories260K"},
};

TEST(Decode, EncodeThenDecodeGivesTheTextBack) {
  int checked = 0;
  for (const auto& [file, name] : kLossless) {
    const std::string path = testing::testdata_path(file);
    if (!testing::file_exists(path)) continue;
    SCOPED_TRACE(path);
    auto tok = Tokenizer::load(path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    for (const std::string& text : golden_texts(name)) {
      // Special-token text stays text when not parsed.
      auto back = tok->decode(tok->encode(text, false, false), false, true);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(back.value(), text);
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no vocabularies under " << testing::testdata_dir();
}

TEST(Decode, StreamingNeverSplitsACharacterAndAddsUpToTheWhole) {
  int checked = 0;
  for (const auto& [file, name] : kLossless) {
    const std::string path = testing::testdata_path(file);
    if (!testing::file_exists(path)) continue;
    SCOPED_TRACE(path);
    auto tok = Tokenizer::load(path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    for (const std::string& text : golden_texts(name)) {
      const auto ids = tok->encode(text, true, true);
      StreamDecoder stream(*tok, /*render_special=*/true);
      std::string streamed, joined;
      for (Token id : ids) {
        const std::string chunk = stream.push(id);
        EXPECT_TRUE(unicode::is_valid_utf8(chunk)) << "split character after token " << id;
        streamed += chunk;
        joined += tok->token_to_piece(id, true);
      }
      streamed += stream.finish();
      EXPECT_EQ(stream.pending_bytes(), 0u);
      EXPECT_EQ(streamed, joined);
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no vocabularies under " << testing::testdata_dir();
}

TEST(Decode, ArbitraryBytesEncodeToValidIdsAndRoundTrip) {
  // Random bytes (mostly malformed UTF-8, with special-token text mixed in): every id is in the
  // vocabulary, and vocabularies with byte fallback or byte-level BPE give the bytes back.
  uint64_t state = 0x243F6A8885A308D3ULL;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  std::vector<std::string> inputs;
  for (int n = 0; n < 40; ++n) {
    std::string s;
    const int len = static_cast<int>(next() % 200);
    for (int i = 0; i < len; ++i) {
      if (next() % 16 == 0) {
        s += "<s>";
      } else if (n % 2 == 1) {
        s.push_back(static_cast<char>(next() % 0xC0));  // no bytes that UTF-8 never uses
      } else {
        s.push_back(static_cast<char>(next() & 0xFF));
      }
    }
    inputs.push_back(s);
  }
  int checked = 0;
  for (const char* file : {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-deepseek-llm.gguf",
                           "vocab/ggml-vocab-bert-bge.gguf", "vocab/ggml-vocab-gpt-2.gguf"}) {
    const std::string path = testing::testdata_path(file);
    if (!testing::file_exists(path)) continue;
    SCOPED_TRACE(path);
    auto tok = Tokenizer::load(path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    const bool lossless = tok->type() == VocabType::kSpm || tok->pre() == "deepseek-llm";
    for (const std::string& text : inputs) {
      for (bool parse_special : {false, true}) {
        const auto ids = tok->encode(text, true, parse_special);
        for (Token id : ids) ASSERT_TRUE(tok->is_valid(id));
        // DeepSeek's vocabulary reuses the characters of the bytes that UTF-8 never contains
        // (C0, C1, F5..FF) as added tokens for those letters, so such bytes cannot round-trip.
        const bool never_utf8 = std::any_of(text.begin(), text.end(), [](char c) {
          const auto b = static_cast<uint8_t>(c);
          return b == 0xC0 || b == 0xC1 || b >= 0xF5;
        });
        if (lossless && !parse_special && (tok->type() == VocabType::kSpm || !never_utf8)) {
          EXPECT_EQ(tok->decode(tok->encode(text, false, false), false, true).value(), text);
        }
        ++checked;
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no vocabularies under " << testing::testdata_dir();
}

TEST(Decode, StreamDecoderHoldsByteTokensUntilTheCharacterCompletes) {
  const std::string path = testing::testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(path);
  auto tok = Tokenizer::load(path);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  // 🦙 is not in a 512-token vocabulary: four byte tokens.
  const Token b0 = tok->find("<0xF0>"), b1 = tok->find("<0x9F>"), b2 = tok->find("<0xA6>"),
              b3 = tok->find("<0x99>");
  ASSERT_NE(b3, kNoToken);
  StreamDecoder s(*tok);
  EXPECT_EQ(s.push(b0), "");
  EXPECT_EQ(s.push(b1), "");
  EXPECT_EQ(s.push(b2), "");
  EXPECT_EQ(s.pending_bytes(), 3u);
  EXPECT_EQ(s.push(b3), "🦙");
  // A truncated character at the end comes out as U+FFFD; a stray byte as well.
  EXPECT_EQ(s.push(b0), "");
  EXPECT_EQ(s.finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(s.push(b2), "\xEF\xBF\xBD");
  // Control tokens are hidden unless asked for.
  EXPECT_EQ(s.push(tok->bos()), "");
  StreamDecoder shown(*tok, true);
  EXPECT_EQ(shown.push(tok->bos()), "<s>");
}

TEST(Decode, BytesThatNeverFormACharacterAreReplacedNotHeld) {
  const std::string path = testing::testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(path);
  auto tok = Tokenizer::load(path);
  ASSERT_TRUE(tok.ok());
  StreamDecoder s(*tok);
  EXPECT_EQ(s.push(tok->find("<0xFF>")), "\xEF\xBF\xBD");
  EXPECT_EQ(s.push(tok->find("<0xC3>")), "");
  EXPECT_EQ(s.push(tok->find("<0x41>")), "\xEF\xBF\xBD" "A");  // C3 then 'A': broken
}

TEST(SpecialTokens, ChatModelKnowsItsTurnTokens) {
  const std::string path = testing::testdata_path("models/kjv-chat-7m-f16.gguf");
  EDGELLM_REQUIRE_FILE(path);
  auto tok = Tokenizer::load(path);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->type(), VocabType::kSpm);
  EXPECT_EQ(tok->text(tok->bos()), "<s>");
  EXPECT_EQ(tok->text(tok->eos()), "</s>");
  EXPECT_EQ(tok->eot(), tok->find("<|im_end|>"));
  EXPECT_TRUE(tok->is_eog(tok->eos()));
  EXPECT_TRUE(tok->is_eog(tok->find("<|im_end|>")));
  EXPECT_FALSE(tok->is_eog(tok->find("<|im_start|>")));
  EXPECT_EQ(tok->eog_tokens(), (std::vector<Token>{2, 4}));
  EXPECT_TRUE(tok->add_bos());
  EXPECT_FALSE(tok->add_eos());
  EXPECT_EQ(tok->special().linefeed, tok->find("<0x0A>"));
  // A rendered chat prompt: the turn markers become single tokens.
  const auto ids = tok->encode("<|im_start|>user\nRecite Ge1:1<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(ids.front(), tok->bos());
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok->find("<|im_start|>")), 2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tok->find("<|im_end|>")), 1);
}

TEST(SpecialTokens, FamiliesReportTheirIdsAndFlags) {
  struct Expect {
    const char* file;
    VocabType type;
    Token bos, eos;
    bool add_bos;
    std::vector<Token> eog;
  };
  const Expect cases[] = {
      {"vocab/ggml-vocab-gpt-2.gguf", VocabType::kBpe, 50256, 50256, false, {50256}},
      {"vocab/ggml-vocab-phi-3.gguf", VocabType::kSpm, 1, 32000, true, {2, 32000, 32007}},
      // [PAD] reads as a fill-in-the-middle pad token, which ends generation (as in llama.cpp).
      {"vocab/ggml-vocab-bert-bge.gguf", VocabType::kWordPiece, 101, kNoToken, true, {0}},
      {"vocab/ggml-vocab-deepseek-llm.gguf", VocabType::kBpe, 100000, 100001, true, {100001}},
  };
  for (const Expect& e : cases) {
    const std::string path = testing::testdata_path(e.file);
    if (!testing::file_exists(path)) continue;
    SCOPED_TRACE(path);
    auto tok = Tokenizer::load(path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    EXPECT_EQ(tok->type(), e.type);
    EXPECT_EQ(tok->bos(), e.bos);
    EXPECT_EQ(tok->eos(), e.eos);
    EXPECT_EQ(tok->add_bos(), e.add_bos);
    EXPECT_EQ(tok->eog_tokens(), e.eog);
  }
}

}  // namespace
}  // namespace edgellm::tokenizer
