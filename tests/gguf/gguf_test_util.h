// Helpers for the GGUF tests: building small files with the writer, parsing bytes that end right
// before an unreadable page (so any read past the end crashes the test instead of passing
// silently), and patching little-endian fields.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/file.h"
#include "gguf/writer.h"

namespace edgellm::gguf::test {

// A copy of some bytes placed so that the last byte is followed by a PROT_NONE page.
class GuardedBuffer {
 public:
  GuardedBuffer(const void* data, size_t size) : size_(size) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t pages = (size + page - 1) / page;
    map_size_ = (pages + 1) * page;
    void* p = mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      ADD_FAILURE() << "mmap failed";
      map_ = nullptr;
      return;
    }
    map_ = static_cast<uint8_t*>(p);
    mprotect(map_ + pages * page, page, PROT_NONE);
    start_ = map_ + pages * page - size;
    if (size > 0) std::memcpy(start_, data, size);
  }
  explicit GuardedBuffer(const std::string& s) : GuardedBuffer(s.data(), s.size()) {}
  ~GuardedBuffer() {
    if (map_ != nullptr) munmap(map_, map_size_);
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  const uint8_t* data() const { return start_; }
  size_t size() const { return size_; }
  Result<File> parse(const std::string& name = "test.gguf") const {
    return File::parse(start_, size_, name);
  }

 private:
  uint8_t* map_ = nullptr;
  uint8_t* start_ = nullptr;
  size_t size_ = 0;
  size_t map_size_ = 0;
};

// Parses `bytes` through a guarded copy and returns only the outcome (the File would point into
// the copy, which is gone on return).
inline Status parse_status(const std::string& bytes, const std::string& name = "test.gguf") {
  GuardedBuffer buf(bytes);
  auto f = buf.parse(name);
  return f.ok() ? Status::Ok() : f.status();
}

// Serializes a writer, failing the test on error.
inline std::string bytes_of(const Writer& w) {
  auto b = w.to_bytes();
  EXPECT_TRUE(b.ok()) << b.status().message();
  return b.ok() ? *b : std::string();
}

// Parses bytes that the caller keeps alive.
inline Result<File> parse_bytes(const std::string& bytes, const std::string& name = "test.gguf") {
  return File::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name);
}

template <class T>
void patch(std::string& bytes, size_t offset, T value) {
  ASSERT_LE(offset + sizeof(T), bytes.size());
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

template <class T>
T peek(const std::string& bytes, size_t offset) {
  T v{};
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

// Where each part of a file lies, worked out from the parsed contents by the format's rules
// (independently of the parser's own bookkeeping).
struct Layout {
  struct Range {
    uint64_t begin, end;  // [begin, end) in the file
    uint64_t name_end;    // end of the key or tensor name (its length prefix and bytes)
    std::string name;     // key or tensor name
  };
  std::vector<Range> kvs;
  std::vector<Range> infos;
  std::vector<Range> data;  // tensor data, in tensor order
  uint64_t header_end = 24;
  uint64_t data_offset = 0;
};

inline Layout layout_of(const File& f) {
  Layout l;
  uint64_t pos = 24;
  for (const auto& [key, value] : f.metadata()) {
    const uint64_t name_end = pos + 8 + key.size();
    const uint64_t end = name_end + 4 + value.serialized_size();
    l.kvs.push_back({pos, end, name_end, key});
    pos = end;
  }
  for (const TensorInfo& t : f.tensors()) {
    const uint64_t name_end = pos + 8 + t.name.size();
    const uint64_t end = name_end + 4 + 8 * t.ne.size() + 4 + 8;
    l.infos.push_back({pos, end, name_end, t.name});
    pos = end;
  }
  l.data_offset = f.data_offset();
  for (const TensorInfo& t : f.tensors()) {
    l.data.push_back(
        {f.data_offset() + t.offset, f.data_offset() + t.offset + t.n_bytes, 0, t.name});
  }
  return l;
}

}  // namespace edgellm::gguf::test
