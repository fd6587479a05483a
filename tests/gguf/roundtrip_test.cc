// Reading every shared model and writing it back gives the same bytes.
#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace edgellm::gguf {
namespace {

std::vector<std::string> all_model_files() {
  std::vector<std::string> files = testing::list_testdata("models", ".gguf");
  for (const auto& f : testing::list_testdata("models/synthetic", ".gguf")) files.push_back(f);
  for (const auto& f : testing::list_testdata("vocab", ".gguf")) files.push_back(f);
  return files;
}

TEST(GgufRoundTrip, EverySharedFileWritesBackByteIdentical) {
  const auto files = all_model_files();
  if (files.empty()) GTEST_SKIP() << "no GGUF files under " << testing::testdata_dir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto f = File::open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    const std::string original = testing::read_file_or_die(path);
    const std::string written = Writer::copy_of(*f).to_bytes();
    EXPECT_EQ(written.size(), original.size());
    EXPECT_TRUE(written == original) << "bytes differ";
  }
}

}  // namespace
}  // namespace edgellm::gguf
