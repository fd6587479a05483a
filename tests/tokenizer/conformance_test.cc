// Conformance against llama.cpp's output on real vocabularies: every .inp/.out pair under
// vocab/ (no BOS, special-token text as plain text) and every case of
// golden/tokenizer/extra-*.json (each names its flags). Exact match required.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/testdata.h"
#include "tokenizer/escapes.h"
#include "tokenizer/tokenizer.h"

namespace edgellm::tokenizer {
namespace {

std::string ids_string(const std::vector<Token>& ids) {
  std::string s;
  for (Token t : ids) s += " " + std::to_string(t);
  return s;
}

// The .inp format: strings separated by "\n__ggml_vocab_test__\n".
std::vector<std::string> read_inputs(const std::string& path) {
  const std::string raw = testing::read_file_or_die(path);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      out.push_back(raw.substr(pos));
      break;
    }
    out.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  return out;
}

std::vector<std::vector<Token>> read_outputs(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<Token>> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    std::vector<Token> ids;
    for (Token t; ss >> t;) ids.push_back(t);
    out.push_back(ids);
  }
  return out;
}

Result<Tokenizer> load_vocab(const std::string& path) {
  return Tokenizer::load(path);
}

TEST(TokenizerConformance, VocabInpOutPairs) {
  const auto outs = testing::list_testdata("vocab", ".gguf.out");
  if (outs.empty()) GTEST_SKIP() << "no vocab/*.gguf.out under " << testing::testdata_dir();
  int checked = 0;
  for (const std::string& out_path : outs) {
    const std::string gguf_path = out_path.substr(0, out_path.size() - 4);
    const std::string inp_path = gguf_path + ".inp";
    SCOPED_TRACE(gguf_path);
    auto tok = load_vocab(gguf_path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    const auto inputs = read_inputs(inp_path);
    const auto expected = read_outputs(out_path);
    ASSERT_EQ(inputs.size(), expected.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const auto got = tok->encode(inputs[i], /*add_special=*/false, /*parse_special=*/false);
      EXPECT_EQ(ids_string(got), ids_string(expected[i]))
          << "input " << i << ": '" << inputs[i] << "'";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(TokenizerConformance, ExtraGoldenCases) {
  const auto files = testing::list_testdata("golden/tokenizer", ".json");
  if (files.empty()) GTEST_SKIP() << "no golden/tokenizer/*.json under " << testing::testdata_dir();
  int checked = 0;
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    const auto doc = nlohmann::json::parse(testing::read_file_or_die(path));
    const std::string vocab = doc.at("vocab").get<std::string>();
    std::string gguf_path = testing::testdata_path("vocab/" + vocab);
    if (!testing::file_exists(gguf_path)) gguf_path = testing::testdata_path("models/" + vocab);
    auto tok = load_vocab(gguf_path);
    ASSERT_TRUE(tok.ok()) << tok.status().message();
    int failures = 0;
    for (const auto& c : doc.at("cases")) {
      // The reference tool reads its -p argument with backslash escapes, as `edgellm tokenize -p`
      // does.
      const std::string text = process_escapes(c.at("text").get<std::string>());
      const std::string flags = c.at("flags").get<std::string>();
      const bool add_special = flags != "no-bos";
      const bool parse_special = flags != "no-parse-special";
      const auto got = tok->encode(text, add_special, parse_special);
      const auto want = c.at("ids").get<std::vector<Token>>();
      if (ids_string(got) != ids_string(want) && ++failures <= 20) {
        ADD_FAILURE() << vocab << " [" << flags << "] '" << text << "'\n  got: "
                      << ids_string(got) << "\n want: " << ids_string(want);
      }
      ++checked;
    }
    EXPECT_EQ(failures, 0) << vocab;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace edgellm::tokenizer
