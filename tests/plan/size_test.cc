// Size and parameter-count parsing: units, binary vs SI, and the errors for bad text.
#include <gtest/gtest.h>

#include "plan/size.h"

namespace edgellm::plan {
namespace {

TEST(ParseSize, BinarySiAndBareUnits) {
  EXPECT_EQ(*parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(*parse_size("512MB"), 512000000ull);
  EXPECT_EQ(*parse_size("1.5G"), 3ull << 29);
  EXPECT_EQ(*parse_size("1.5g"), 3ull << 29);
  EXPECT_EQ(*parse_size("8 GiB"), 8ull << 30);
  EXPECT_EQ(*parse_size("4096"), 4096ull);
  EXPECT_EQ(*parse_size("100b"), 100ull);
  EXPECT_EQ(*parse_size("64k"), 65536ull);
  EXPECT_EQ(*parse_size("1TB"), 1000000000000ull);
  EXPECT_EQ(*parse_size("1e3"), 1000ull);
}

TEST(ParseSize, RejectsBadText) {
  for (const char* bad : {"", "GiB", "2 bananas", "-1G", "0", "nan", "inf", "1.2.3G", "0x10"}) {
    Result<uint64_t> r = parse_size(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
          << r.status().message();
    }
  }
}

TEST(ParseCount, Suffixes) {
  EXPECT_DOUBLE_EQ(*parse_count("8B"), 8e9);
  EXPECT_DOUBLE_EQ(*parse_count("1.5B"), 1.5e9);
  EXPECT_DOUBLE_EQ(*parse_count("135M"), 135e6);
  EXPECT_DOUBLE_EQ(*parse_count("135m"), 135e6);
  EXPECT_DOUBLE_EQ(*parse_count("8e9"), 8e9);
  EXPECT_DOUBLE_EQ(*parse_count("70b"), 70e9);
  EXPECT_DOUBLE_EQ(*parse_count("260K"), 260e3);
  EXPECT_DOUBLE_EQ(*parse_count("1000000"), 1e6);
  for (const char* bad : {"", "B", "8X", "-8B", "0", "8 bytes"}) {
    EXPECT_FALSE(parse_count(bad).ok()) << bad;
  }
}

TEST(FormatBytes, ThreeFigures) {
  EXPECT_EQ(format_bytes(900), "900 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(512ull << 20), "512 MiB");
  EXPECT_EQ(format_bytes(3ull << 29), "1.50 GiB");
  EXPECT_EQ(format_signed_bytes(-(int64_t{120} << 20)), "-120 MiB");
}

}  // namespace
}  // namespace edgellm::plan
