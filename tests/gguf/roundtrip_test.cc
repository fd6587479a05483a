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
    auto bytes = Writer::copy_of(*f).to_bytes();
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const std::string& written = *bytes;
    EXPECT_EQ(written.size(), original.size());
    EXPECT_TRUE(written == original) << "bytes differ";
    EXPECT_EQ(Writer::copy_of(*f).file_size(), original.size());
  }
}

TEST(GgufRoundTrip, EverySharedFileWrittenAsVersion2DiffersOnlyInTheVersion) {
  const auto files = all_model_files();
  if (files.empty()) GTEST_SKIP() << "no GGUF files under " << testing::testdata_dir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto f = File::open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    Writer w(2);
    for (const auto& [key, value] : f->metadata()) w.set(key, value);
    for (const TensorInfo& t : f->tensors()) {
      ASSERT_TRUE(w.add_tensor(t.name, t.type, t.ne, static_cast<const void*>(t.data)).ok());
    }
    auto v2 = w.to_bytes();
    ASSERT_TRUE(v2.ok()) << v2.status().message();
    auto g = File::parse(reinterpret_cast<const uint8_t*>(v2->data()), v2->size(), "v2");
    ASSERT_TRUE(g.ok()) << g.status().message();
    EXPECT_EQ(g->version(), 2u);
    std::string v3 = *v2;
    v3[4] = 3;
    EXPECT_TRUE(v3 == testing::read_file_or_die(path)) << "bytes differ beyond the version";
  }
}

}  // namespace
}  // namespace edgellm::gguf
