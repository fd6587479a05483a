// Inputs kept from fuzzing (tests/gguf/regressions/): each parses to the outcome recorded in
// regressions/EXPECTED, from a buffer that ends at an unreadable page. Accepted ones also write
// back and read back unchanged. A file without an EXPECTED line fails the test, so every kept
// input says what it is for.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "gguf_test_util.h"

namespace edgellm::gguf {
namespace {

// EXPECTED: one line per file, "NAME<TAB>ok" or "NAME<TAB>error<TAB>TEXT THE ERROR CONTAINS".
// Lines starting with '#' are comments.
std::map<std::string, std::string> read_expectations(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::ifstream in(dir + "/EXPECTED");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << "EXPECTED line without a tab: " << line;
      continue;
    }
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

TEST(GgufRegressions, EveryKeptInputParsesToItsRecordedOutcome) {
  const std::string dir = EDGELLM_GGUF_REGRESSIONS;
  auto expected = read_expectations(dir);
  ASSERT_FALSE(expected.empty()) << "no expectations in " << dir << "/EXPECTED";
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "EXPECTED" || name == "README.md") continue;
    SCOPED_TRACE(name);
    ++seen;
    auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "no EXPECTED line for " << name;
    const std::string bytes = testing::read_file_or_die(entry.path().string());
    test::GuardedBuffer buf(bytes);
    auto f = buf.parse(name);
    const std::string& want = it->second;
    if (want == "ok") {
      ASSERT_TRUE(f.ok()) << f.status().message();
      EXPECT_LE(f->tensor_data_bytes(), bytes.size());
      auto again = Writer::copy_of(*f).to_bytes();
      ASSERT_TRUE(again.ok()) << again.status().message();
      auto g = test::parse_bytes(*again);
      ASSERT_TRUE(g.ok()) << g.status().message();
      EXPECT_EQ(g->metadata().size(), f->metadata().size());
      EXPECT_EQ(g->tensors().size(), f->tensors().size());
    } else {
      ASSERT_EQ(want.rfind("error\t", 0), 0u) << "bad EXPECTED entry: " << want;
      ASSERT_FALSE(f.ok()) << "parsed, but an error was expected";
      EXPECT_EQ(f.status().message().rfind(name + ": ", 0), 0u) << f.status().message();
      EXPECT_NE(f.status().message().find(want.substr(6)), std::string::npos)
          << "expected '" << want.substr(6) << "' in: " << f.status().message();
    }
  }
  EXPECT_EQ(seen, expected.size()) << "EXPECTED lists files that are not in " << dir;
}

}  // namespace
}  // namespace edgellm::gguf
