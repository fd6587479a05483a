// Hostile counts in large files must not make the reader allocate in proportion to the count: the
// largest single allocation while parsing is measured through a replacement operator new.
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "gguf/file.h"
#include "gguf_test_util.h"

namespace {
// The largest request seen while `g_tracking` is set. Only the test thread parses, so plain
// globals are enough.
bool g_tracking = false;
size_t g_largest = 0;

void* tracked_alloc(size_t n) {
  if (g_tracking && n > g_largest) g_largest = n;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(size_t n) { return tracked_alloc(n); }
void* operator new[](size_t n) { return tracked_alloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace edgellm::gguf {
namespace {

// Parses `bytes` and returns the largest single allocation made meanwhile.
size_t largest_allocation_parsing(const std::string& bytes, Status* status) {
  g_largest = 0;
  g_tracking = true;
  {
    auto f = test::parse_bytes(bytes, "big.gguf");
    *status = f.ok() ? Status::Ok() : f.status();
  }
  g_tracking = false;
  return g_largest;
}

std::string header(uint64_t n_tensors, uint64_t n_kv) {
  std::string b = "GGUF";
  const uint32_t version = 3;
  b.append(reinterpret_cast<const char*>(&version), 4);
  b.append(reinterpret_cast<const char*>(&n_tensors), 8);
  b.append(reinterpret_cast<const char*>(&n_kv), 8);
  return b;
}

void append_u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void append_u64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
void append_str(std::string& b, const std::string& s) {
  append_u64(b, s.size());
  b += s;
}

constexpr size_t kBig = 64 << 20;   // a 64 MiB file
constexpr size_t kLimit = 4 << 20;  // no single allocation above 4 MiB

TEST(GgufAllocation, ClaimedStringArrayLengthDoesNotAllocateUpFront) {
  // One key holding an array that claims as many strings as 64 MiB could hold, whose first
  // string is impossibly long.
  std::string b = header(0, 1);
  append_str(b, "tokenizer.ggml.tokens");
  append_u32(b, 9);  // array
  append_u32(b, 8);  // of strings
  append_u64(b, kBig / 8 - 64);
  append_u64(b, ~0ull);
  b.resize(kBig, '\0');
  Status st;
  const size_t largest = largest_allocation_parsing(b, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'tokenizer.ggml.tokens' element 0"), std::string::npos)
      << st.message();
  EXPECT_LT(largest, kLimit);
}

TEST(GgufAllocation, ClaimedNestedArrayLengthDoesNotAllocateUpFront) {
  std::string b = header(0, 1);
  append_str(b, "nested");
  append_u32(b, 9);  // array
  append_u32(b, 9);  // of arrays
  append_u64(b, kBig / 12 - 64);
  append_u32(b, 77);  // the first inner array has an unknown element type
  b.resize(kBig, '\0');
  Status st;
  const size_t largest = largest_allocation_parsing(b, &st);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'nested' element 0: unknown array element type 77"),
            std::string::npos)
      << st.message();
  EXPECT_LT(largest, kLimit);
}

TEST(GgufAllocation, ClaimedEntryCountsDoNotAllocateUpFront) {
  for (bool tensors : {false, true}) {
    SCOPED_TRACE(tensors ? "tensors" : "metadata");
    std::string b = tensors ? header(kBig / 24, 0) : header(0, kBig / 13);
    append_u64(b, ~0ull);  // the first key or tensor name is impossibly long
    b.resize(kBig, '\0');
    Status st;
    const size_t largest = largest_allocation_parsing(b, &st);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find(tensors ? "tensor info 0" : "metadata entry 0"), std::string::npos)
        << st.message();
    EXPECT_LT(largest, kLimit);
  }
}

TEST(GgufAllocation, TheTrackerSeesLargeAllocations) {
  // Guards the tests above against a tracker that sees nothing.
  g_largest = 0;
  g_tracking = true;
  std::vector<char> v(kLimit * 2);
  g_tracking = false;
  EXPECT_GE(g_largest, kLimit * 2);
}

}  // namespace
}  // namespace edgellm::gguf
