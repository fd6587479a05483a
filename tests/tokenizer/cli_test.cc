// End-to-end tests of `edgellm tokenize`: output formats, flags, -f reading bytes exactly, and
// one-line errors with exit code 1 for files that are missing, not GGUF, or truncated.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {

const char* kKjv = "models/kjv-chat-7m-f16.gguf";


void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

bool one_error_line(const std::string& err) {
  return err.rfind("error: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

TEST(TokenizeCommand, PrintsIdsWithBosAndParsesSpecialTokens) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path(kKjv);
  EDGELLM_REQUIRE_FILE(model);
  auto r = run_command({edgellm_bin(), "tokenize", "-m", model, "-p", "<|im_start|>user"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // BOS, <|im_start|>, then "user" with the space SentencePiece puts after a special token.
  EXPECT_EQ(r.out.rfind("[1, 3, ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.back(), '\n');

  auto plain = run_command({edgellm_bin(), "tokenize", "-m", model, "--no-bos",
                            "--no-parse-special", "-p", "<|im_start|>user"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("[1, "), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find(", 3, "), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.rfind("[3, ", 0), 0u) << plain.out;
}

TEST(TokenizeCommand, EscapesInPromptButFileBytesExactly) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path(kKjv);
  EDGELLM_REQUIRE_FILE(model);
  TempDir dir;
  // A file with a literal backslash-n, a real newline, a tab and no trailing newline.
  const std::string bytes = "a\\nb\nc\td";
  write_file(dir.file("in.txt"), bytes);
  auto from_file = run_command({edgellm_bin(), "tokenize", "-m", model, "--json", "-f",
                                dir.file("in.txt")});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  auto literal = run_command({edgellm_bin(), "tokenize", "-m", model, "--json", "--no-escape",
                              "-p", bytes});
  ASSERT_EQ(literal.exit_code, 0) << literal.err;
  EXPECT_EQ(from_file.out, literal.out);

  // Pieces concatenate back to the exact bytes (after the BOS and SentencePiece's leading space).
  const auto doc = nlohmann::json::parse(from_file.out);
  std::string joined;
  for (const auto& p : doc.at("pieces")) joined += p.get<std::string>();
  EXPECT_EQ(joined, "<s> " + bytes);
  EXPECT_EQ(doc.at("ids").size(), doc.at("pieces").size());

  // With escapes, "\n" in -p is a newline: same ids as a prompt holding a real newline.
  auto escaped = run_command({edgellm_bin(), "tokenize", "-m", model, "-p", "x\\ny"});
  auto real = run_command({edgellm_bin(), "tokenize", "-m", model, "--no-escape", "-p", "x\ny"});
  EXPECT_EQ(escaped.out, real.out);
  EXPECT_NE(escaped.out, run_command({edgellm_bin(), "tokenize", "-m", model, "--no-escape", "-p",
                                      "x\\ny"}).out);
}

TEST(TokenizeCommand, BadFilesFailWithOneLineAndExitCode1) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  write_file(dir.file("text.gguf"), "this is not a GGUF file at all\n");
  std::vector<std::string> bad = {dir.file("missing.gguf"), dir.file("text.gguf")};
  const std::string model = testdata_path(kKjv);
  if (file_exists(model)) {
    const std::string head = read_file_or_die(model).substr(0, 4096);
    write_file(dir.file("truncated.gguf"), head);
    bad.push_back(dir.file("truncated.gguf"));
  }
  for (const auto& path : bad) {
    SCOPED_TRACE(path);
    auto r = run_command({edgellm_bin(), "tokenize", "-m", path, "-p", "hello"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(one_error_line(r.err)) << r.err;
  }
  // A missing -f file too.
  if (file_exists(model)) {
    auto r = run_command({edgellm_bin(), "tokenize", "-m", model, "-f", dir.file("nope.txt")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(one_error_line(r.err)) << r.err;
  }
}

TEST(TokenizeCommand, UsageErrorsExit2) {
  EDGELLM_REQUIRE_BINARY();
  EXPECT_EQ(run_command({edgellm_bin(), "tokenize", "-p", "x"}).exit_code, 2);
  EXPECT_EQ(run_command({edgellm_bin(), "tokenize", "-m", "x.gguf"}).exit_code, 2);
  EXPECT_EQ(run_command({edgellm_bin(), "tokenize", "-m", "x.gguf", "-p", "a", "-f", "b"}).exit_code,
            2);
}

TEST(TokenizeCommand, MatchesGoldenIdsForEveryVocabulary) {
  EDGELLM_REQUIRE_BINARY();
  // One case per golden file through the real binary (the library test covers all cases).
  const auto files = list_testdata("golden/tokenizer", ".json");
  if (files.empty()) GTEST_SKIP() << "no golden tokenizer data";
  for (const auto& path : files) {
    const auto doc = nlohmann::json::parse(read_file_or_die(path));
    std::string model = testdata_path("vocab/" + doc.at("vocab").get<std::string>());
    if (!file_exists(model)) model = testdata_path("models/" + doc.at("vocab").get<std::string>());
    for (const auto& c : doc.at("cases")) {
      if (c.at("text") != "<|im_start|>user\nhi<|im_end|>") continue;
      std::vector<std::string> argv = {edgellm_bin(), "tokenize", "-m", model, "-p",
                                       c.at("text").get<std::string>()};
      if (c.at("flags") == "no-bos") argv.push_back("--no-bos");
      if (c.at("flags") == "no-parse-special") argv.push_back("--no-parse-special");
      auto r = run_command(argv);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      std::string want = "[";
      for (size_t i = 0; i < c.at("ids").size(); ++i) {
        want += (i ? ", " : "") + std::to_string(c.at("ids")[i].get<int>());
      }
      EXPECT_EQ(r.out, want + "]\n") << path << " " << c.at("flags");
    }
  }
}

}  // namespace
}  // namespace edgellm::testing
