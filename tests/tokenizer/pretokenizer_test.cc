// The pre-tokenizer table: every family compiles, aliases resolve, and the main families split
// text the way their tokenizer.json patterns do.
#include "tokenizer/pretokenizer.h"

#include <gtest/gtest.h>

#include <set>

#include "tokenizer/unicode.h"

namespace edgellm::tokenizer {
namespace {

using V = std::vector<std::string>;

V split(const std::string& pre, const std::string& text) {
  const PreTokenizerConfig* cfg = find_pre_tokenizer(pre);
  EXPECT_NE(cfg, nullptr) << pre;
  if (cfg == nullptr) return {};
  auto p = PreTokenizer::create(*cfg);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return {};
  const auto cps = unicode::decode_utf8(text);
  V out;
  size_t pos = 0;
  for (size_t len : p->split(cps)) {
    std::string s;
    for (size_t i = pos; i < pos + len; ++i) unicode::append_utf8(s, cps[i]);
    out.push_back(s);
    pos += len;
  }
  EXPECT_EQ(pos, cps.size());
  return out;
}

TEST(PreTokenizer, EveryConfigurationCompilesAndSplitsWithoutLosingText) {
  const std::string sample =
      "Hello, World! It's 2024-01-15.\n\n\tcode_x = f(12345) // 你好 世界 こんにちは 🦙\r\n  "
      "ÀÉÎ naïve ΔΈΛΤΑ  \u00a0end ";
  std::set<std::string> names;
  for (const auto& cfg : all_pre_tokenizers()) {
    SCOPED_TRACE(cfg.name);
    EXPECT_TRUE(names.insert(cfg.name).second) << "duplicate " << cfg.name;
    auto p = PreTokenizer::create(cfg);
    ASSERT_TRUE(p.ok()) << p.status().message();
    const auto cps = unicode::decode_utf8(sample);
    size_t total = 0;
    for (size_t len : p->split(cps)) {
      EXPECT_GT(len, 0u);
      total += len;
    }
    EXPECT_EQ(total, cps.size());
  }
}

TEST(PreTokenizer, LongRunsSplitInLinearTime) {
  // Runs that make naive backtracking quadratic (a pattern like \s+$ retried from every start
  // position): with 30000 characters each, a quadratic split would take minutes here.
  const std::vector<std::string> inputs = {
      std::string(30000, ' ') + "\u4e2d", std::string(30000, 'A') + "a",
      std::string(30000, '1') + "x", std::string(30000, '\n') + " x",
      std::string(30000, '!') + " ",
  };
  for (const auto& cfg : all_pre_tokenizers()) {
    SCOPED_TRACE(cfg.name);
    auto p = PreTokenizer::create(cfg);
    ASSERT_TRUE(p.ok());
    for (const auto& text : inputs) {
      const auto cps = unicode::decode_utf8(text);
      size_t total = 0;
      for (size_t len : p->split(cps)) total += len;
      EXPECT_EQ(total, cps.size());
    }
  }
}

TEST(PreTokenizer, AliasesResolveAndUnknownNamesDoNot) {
  for (const char* name : {"default", "gpt-2", "llama-bpe", "llama3", "qwen2", "deepseek-llm",
                           "deepseek-coder", "deepseek-v3", "falcon", "mpt", "starcoder", "refact",
                           "gpt-neox" /* not a pre value: GPT-NeoX files carry none */}) {
    const bool expected = std::string(name) != "gpt-neox";
    EXPECT_EQ(find_pre_tokenizer(name) != nullptr, expected) << name;
  }
  EXPECT_EQ(find_pre_tokenizer("llama-v3"), find_pre_tokenizer("llama-bpe"));
  EXPECT_EQ(find_pre_tokenizer("phi-2"), find_pre_tokenizer("gpt-2"));
  EXPECT_EQ(find_pre_tokenizer("smollm")->clean_spaces, false);
  EXPECT_TRUE(find_pre_tokenizer("llama-bpe")->ignore_merges);
  EXPECT_EQ(find_pre_tokenizer("no-such-tokenizer"), nullptr);
}

TEST(PreTokenizer, EveryValueGgufFilesCarryIsKnown) {
  // The tokenizer.ggml.pre values that converters write (llama.cpp's list).
  for (const char* name :
       {"default", "minicpm5", "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
        "midm-2.0", "lfm2", "jina-v5-nano", "deepseek-llm", "deepseek-coder", "deepseek-v3",
        "youtu", "falcon", "mpt", "starcoder", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat",
        "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "jais-2", "gemma4",
        "granite-embed-multi-311m", "sarvam-moe", "jina-v1-en", "jina-v2-code", "roberta-bpe",
        "refact", "command-r", "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "qwen35",
        "stablelm2", "olmo", "dbrx", "smaug-bpe", "poro-chat", "glm4", "chatglm-bpe", "viking",
        "jais", "tekken", "smollm", "codeshell", "bloom", "gpt3-finnish", "exaone", "exaone4",
        "exaone-moe", "chameleon", "minerva-7b", "megrez", "gpt-4o", "llama4", "kanana2", "talkie",
        "granite-embed-multi-97m", "tiny_aya", "cohere2moe", "superbpe", "trillion",
        "granite-docling", "bailingmoe", "bailingmoe2", "llada-moe", "seed-coder", "hunyuan",
        "hunyuan-dense", "joyai-llm", "kimi-k2", "grok-2", "afmoe", "laguna", "minimax-m2",
        "solar-open", "mellum2"}) {
    EXPECT_NE(find_pre_tokenizer(name), nullptr) << name;
  }
  EXPECT_EQ(pre_tokenizer_names().size(), 86u);
}

TEST(PreTokenizer, Llama3GroupsDigitsByThreeAndKeepsNewlineRuns) {
  EXPECT_EQ(split("llama-bpe", "Hello world 12345 DON'T\n\n  x"),
            (V{"Hello", " world", " ", "123", "45", " DON", "'T", "\n\n", " ", " x"}));
}

TEST(PreTokenizer, Qwen2SplitsEveryDigit) {
  EXPECT_EQ(split("qwen2", "in 2024!"), (V{"in", " ", "2", "0", "2", "4", "!"}));
}

TEST(PreTokenizer, Gpt2KeepsContractionsCaseSensitive) {
  EXPECT_EQ(split("gpt-2", "I'm HE'S"), (V{"I", "'m", " HE", "'", "S"}));
}

TEST(PreTokenizer, Gpt4oSplitsCamelCase) {
  EXPECT_EQ(split("gpt-4o", "HelloWorld CamelCase's"),
            (V{"Hello", "World", " Camel", "Case's"}));
}

TEST(PreTokenizer, DefaultSplitsPunctuationAndDigitTriples) {
  // The split llama.cpp gives BPE files without tokenizer.ggml.pre.
  EXPECT_EQ(split("default", "3.14159 and 2,718"),
            (V{"3", ".", "141", "59", " and", " ", "2", ",", "718"}));
}

TEST(PreTokenizer, DeepseekCoderSplitsCjkRunsAndDigits) {
  EXPECT_EQ(split("deepseek-coder", "x1 你好\nok"), (V{"x", "1", " ", "你好", "\n", "ok"}));
}

}  // namespace
}  // namespace edgellm::tokenizer
