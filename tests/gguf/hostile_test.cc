// Hostile input: truncated and corrupted files give an error that names the key or tensor at
// fault, never a crash, a read past the end, or a huge allocation. Every parse here reads from a
// buffer that ends right before an unreadable page.
#include <algorithm>
#include <cinttypes>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "gguf_test_util.h"

namespace edgellm::gguf {
namespace {

using test::GuardedBuffer;
using test::Layout;
using test::parse_status;

// A small model-like file: scalars, a vocabulary, a nested array, tensors of three types.
std::string sample_file() {
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  w.set("general.name", Value::string("tiny"));
  w.set("llama.block_count", Value::u32(2));
  w.set("llama.attention.layer_norm_rms_epsilon", Value::f32(1e-5f));
  w.set("tokenizer.ggml.tokens", Value::string_array({"<unk>", "<s>", "</s>", "hello", "world"}));
  w.set("tokenizer.ggml.scores",
        Value::array_of(ValueType::FLOAT32, std::vector<float>{0, 0, 0, -1, -2}));
  w.set("test.nested",
        Value::nested_array(ValueType::ARRAY,
                            {Value::array_of(ValueType::UINT16, std::vector<int>{1, 2}),
                             Value::string_array({"x"})}));
  w.set("tokenizer.ggml.add_bos_token", Value::boolean(true));
  EXPECT_TRUE(
      w.add_tensor("token_embd.weight", TensorType::F32, {4, 5}, std::vector<uint8_t>(80, 1)).ok());
  EXPECT_TRUE(
      w.add_tensor("blk.0.attn_q.weight", TensorType::Q8_0, {32, 2}, std::vector<uint8_t>(68, 2))
          .ok());
  EXPECT_TRUE(
      w.add_tensor("output_norm.weight", TensorType::F16, {4}, std::vector<uint8_t>(8, 3)).ok());
  return test::bytes_of(w);
}

// What the error for a file cut to `len` bytes must mention, from where the cut falls.
std::string expected_naming(const Layout& l, uint64_t len) {
  if (len < 4) return "not a GGUF file";
  if (len < l.header_end) return "header";
  for (size_t i = 0; i < l.kvs.size(); ++i) {
    const auto& r = l.kvs[i];
    if (len >= r.end) continue;
    if (len < r.name_end) {
      std::string s = "metadata entry " + std::to_string(i);
      if (i > 0)
        s += " of " + std::to_string(l.kvs.size()) + " (after key '" + l.kvs[i - 1].name + "')";
      return s;
    }
    return "metadata key '" + r.name + "'";
  }
  for (size_t i = 0; i < l.infos.size(); ++i) {
    const auto& r = l.infos[i];
    if (len >= r.end) continue;
    if (len < r.name_end) return "tensor info " + std::to_string(i);
    return "tensor '" + r.name + "'";
  }
  if (len < l.data_offset) return "tensor data section starts";
  for (const auto& r : l.data) {
    if (r.end > len) return "tensor '" + r.name + "'";
  }
  return "";
}

void check_truncations(const std::string& bytes, const std::vector<uint64_t>& lengths,
                       const std::string& name) {
  auto full = test::parse_bytes(bytes, name);
  ASSERT_TRUE(full.ok()) << full.status().message();
  const Layout layout = test::layout_of(*full);
  uint64_t last_data = layout.infos.empty() ? bytes.size() : layout.data_offset;
  for (const auto& r : layout.data) last_data = std::max(last_data, r.end);
  for (uint64_t len : lengths) {
    GuardedBuffer buf(bytes.data(), static_cast<size_t>(len));
    auto f = buf.parse(name);
    if (len >= last_data) {
      // Only padding after the last tensor is missing: the file is still whole.
      EXPECT_TRUE(f.ok()) << "length " << len << ": " << f.status().message();
      continue;
    }
    ASSERT_FALSE(f.ok()) << "a file cut to " << len << " of " << bytes.size() << " bytes parsed";
    const Status& st = f.status();
    EXPECT_EQ(st.code(), ErrorCode::kCorruptFile) << st.message();
    const std::string want = expected_naming(layout, len);
    EXPECT_EQ(st.message().rfind(name + ": ", 0), 0u) << st.message();
    EXPECT_NE(st.message().find(want), std::string::npos)
        << "cut at " << len << ": expected '" << want << "' in: " << st.message();
    if (len >= 4) {
      EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
    }
  }
}

TEST(GgufHostile, TruncationAtEveryOffsetOfASmallFileNamesTheKeyOrTensor) {
  const std::string bytes = sample_file();
  std::vector<uint64_t> lengths(bytes.size());
  for (size_t i = 0; i < lengths.size(); ++i) lengths[i] = i;
  check_truncations(bytes, lengths, "small.gguf");
}

TEST(GgufHostile, TruncationOfLargeSharedFilesNamesTheKeyOrTensor) {
  const std::vector<std::string> files = {testing::testdata_path("models/stories260K.gguf"),
                                          testing::testdata_path("models/kjv-chat-7m-f16.gguf"),
                                          testing::testdata_path("vocab/ggml-vocab-gpt-2.gguf")};
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    if (!testing::file_exists(path)) {
      GTEST_SKIP() << "test data not found: " << path;
    }
    const std::string bytes = testing::read_file_or_die(path);
    auto full = test::parse_bytes(bytes);
    ASSERT_TRUE(full.ok());
    // Every offset of the first 2 KiB, then 150 cuts spread over the metadata and tensor infos
    // and 40 over the tensor data, plus the last bytes.
    std::vector<uint64_t> lengths;
    for (uint64_t i = 0; i < 2048; ++i) lengths.push_back(i);
    std::mt19937_64 rng(1234);
    const uint64_t header = full->data_offset();
    for (int i = 0; i < 150; ++i) lengths.push_back(2048 + rng() % (header - 2048));
    if (header < bytes.size()) {
      for (int i = 0; i < 40; ++i) lengths.push_back(header + rng() % (bytes.size() - header));
    }
    for (uint64_t i = 1; i <= 40; ++i) lengths.push_back(bytes.size() - i);
    check_truncations(bytes, lengths, "large.gguf");
  }
}

// A corrupted field of the sample file and what the error must say.
struct Corruption {
  std::string what;
  std::function<void(std::string&, const Layout&)> apply;
  std::string needle;
  ErrorCode code = ErrorCode::kCorruptFile;
};

// Offset of tensor info `i`'s field after its name: n_dims (0), dims (4), then type and offset.
uint64_t info_field(const Layout& l, size_t i) { return l.infos[i].name_end; }

std::vector<Corruption> corruptions() {
  using test::patch;
  std::vector<Corruption> c;
  c.push_back({"bad magic", [](std::string& b, const Layout&) { b[0] = 'X'; }, "not a GGUF file"});
  c.push_back({"version 1", [](std::string& b, const Layout&) { patch<uint32_t>(b, 4, 1); },
               "GGUF version 1 is not supported", ErrorCode::kUnsupported});
  c.push_back({"version 4", [](std::string& b, const Layout&) { patch<uint32_t>(b, 4, 4); },
               "unsupported GGUF version 4", ErrorCode::kUnsupported});
  c.push_back({"big-endian", [](std::string& b, const Layout&) { patch<uint32_t>(b, 4, 3u << 24); },
               "big-endian", ErrorCode::kUnsupported});
  c.push_back({"huge metadata count",
               [](std::string& b, const Layout&) { patch<uint64_t>(b, 16, ~0ull >> 1); },
               "the header claims 9223372036854775807 metadata entries"});
  c.push_back({"huge tensor count",
               [](std::string& b, const Layout&) { patch<uint64_t>(b, 8, ~0ull); },
               "the header claims 18446744073709551615 tensors"});
  c.push_back(
      {"huge key length",
       [](std::string& b, const Layout& l) { patch<uint64_t>(b, l.kvs[2].begin, 1ull << 62); },
       "metadata entry 2 of 8 (after key 'general.name'): key of 4611686018427387904 bytes"});
  c.push_back({"unknown value type",
               [](std::string& b, const Layout& l) { patch<uint32_t>(b, l.kvs[2].name_end, 13); },
               "metadata key 'llama.block_count' has unknown value type 13"});
  c.push_back({"negative value type",
               [](std::string& b, const Layout& l) { patch<uint32_t>(b, l.kvs[2].name_end, ~0u); },
               "metadata key 'llama.block_count' has unknown value type 4294967295"});
  c.push_back(
      {"huge string length",
       [](std::string& b, const Layout& l) { patch<uint64_t>(b, l.kvs[1].name_end + 4, ~0ull); },
       "metadata key 'general.name': string of 18446744073709551615 bytes"});
  c.push_back(
      {"unknown array element type",
       [](std::string& b, const Layout& l) { patch<uint32_t>(b, l.kvs[4].name_end + 4, 77); },
       "metadata key 'tokenizer.ggml.tokens': unknown array element type 77"});
  c.push_back({"huge string array",
               [](std::string& b, const Layout& l) {
                 patch<uint64_t>(b, l.kvs[4].name_end + 8, 1ull << 40);
               },
               "metadata key 'tokenizer.ggml.tokens': array of 1099511627776 string elements"});
  c.push_back({"huge numeric array",
               [](std::string& b, const Layout& l) {
                 patch<uint64_t>(b, l.kvs[5].name_end + 8, 1ull << 61);
               },
               "metadata key 'tokenizer.ggml.scores': array of 2305843009213693952 f32 elements"});
  c.push_back(
      {"huge nested array",
       [](std::string& b, const Layout& l) { patch<uint64_t>(b, l.kvs[6].name_end + 8, ~0ull); },
       "metadata key 'test.nested': array of 18446744073709551615 array elements"});
  c.push_back(
      {"huge inner array",
       [](std::string& b, const Layout& l) { patch<uint64_t>(b, l.kvs[6].name_end + 20, ~0ull); },
       "metadata key 'test.nested' element 0: array of 18446744073709551615 u16"});
  c.push_back({"string in token array too long",
               [](std::string& b, const Layout& l) {
                 patch<uint64_t>(b, l.kvs[4].name_end + 16 + 13, 1000000);
               },
               "metadata key 'tokenizer.ggml.tokens' element 1: string of 1000000 bytes"});
  c.push_back({"alignment of the wrong type",
               [](std::string& b, const Layout& l) {
                 // Rename 'llama.block_count' (a u32) to 'general.alignment' (same length).
                 b.replace(l.kvs[2].begin + 8, 17, "general.alignment");
                 patch<uint32_t>(b, l.kvs[2].name_end, 5);  // i32
               },
               "metadata key 'general.alignment' must be u32, not i32"});
  c.push_back({"alignment zero",
               [](std::string& b, const Layout& l) {
                 b.replace(l.kvs[2].begin + 8, 17, "general.alignment");
                 patch<uint32_t>(b, l.kvs[2].name_end + 4, 0);
               },
               "metadata key 'general.alignment' = 0 is not a power of two"});
  c.push_back({"alignment 48",
               [](std::string& b, const Layout& l) {
                 b.replace(l.kvs[2].begin + 8, 17, "general.alignment");
                 patch<uint32_t>(b, l.kvs[2].name_end + 4, 48);
               },
               "metadata key 'general.alignment' = 48 is not a power of two"});
  c.push_back(
      {"huge tensor name",
       [](std::string& b, const Layout& l) { patch<uint64_t>(b, l.infos[1].begin, 1ull << 50); },
       "tensor info 1 of 3 (after tensor 'token_embd.weight'): name of 1125899906842624 bytes"});
  c.push_back({"five dimensions",
               [](std::string& b, const Layout& l) { patch<uint32_t>(b, info_field(l, 1), 5); },
               "tensor 'blk.0.attn_q.weight' has 5 dimensions (at most 4)"});
  c.push_back(
      {"negative dimension",
       [](std::string& b, const Layout& l) { patch<int64_t>(b, info_field(l, 0) + 4 + 8, -5); },
       "tensor 'token_embd.weight': dimension 1 is negative (-5)"});
  c.push_back(
      {"dimensions overflow",
       [](std::string& b, const Layout& l) {
         patch<int64_t>(b, info_field(l, 0) + 4, 1ll << 40);
         patch<int64_t>(b, info_field(l, 0) + 12, 1ll << 40);
       },
       "tensor 'token_embd.weight': shape [1099511627776, 1099511627776] has more than 2^63"});
  c.push_back(
      {"dimensions larger than the file",
       [](std::string& b, const Layout& l) { patch<int64_t>(b, info_field(l, 0) + 12, 1ll << 40); },
       "tensor 'token_embd.weight': data of 17592186044416 bytes at offset 0 runs past the end"});
  c.push_back(
      {"row not a multiple of the block size",
       [](std::string& b, const Layout& l) { patch<int64_t>(b, info_field(l, 1) + 4, 48); },
       "tensor 'blk.0.attn_q.weight': row length 48 is not a multiple of the Q8_0 block size 32"});
  c.push_back(
      {"retired tensor type",
       [](std::string& b, const Layout& l) { patch<uint32_t>(b, info_field(l, 2) + 4 + 8, 4); },
       "tensor 'output_norm.weight' has unknown tensor type 4"});
  c.push_back(
      {"unknown tensor type",
       [](std::string& b, const Layout& l) { patch<uint32_t>(b, info_field(l, 2) + 4 + 8, 1000); },
       "tensor 'output_norm.weight' has unknown tensor type 1000"});
  c.push_back(
      {"misaligned offset",
       [](std::string& b, const Layout& l) {
         patch<uint64_t>(b, info_field(l, 2) + 4 + 8 + 4, 200);
       },
       "tensor 'output_norm.weight': data offset 200 is not a multiple of the alignment 32"});
  c.push_back(
      {"offset past the end",
       [](std::string& b, const Layout& l) {
         patch<uint64_t>(b, info_field(l, 2) + 16, 1ull << 63);
       },
       "tensor 'output_norm.weight': data of 8 bytes at offset 9223372036854775808 runs past"});
  c.push_back(
      {"offset wrapping around",
       [](std::string& b, const Layout& l) {
         patch<uint64_t>(b, info_field(l, 2) + 16, ~0ull - 31);
       },
       "tensor 'output_norm.weight': data of 8 bytes at offset 18446744073709551584 runs past"});
  c.push_back(
      {"overlapping tensors",
       [](std::string& b, const Layout& l) {
         patch<uint64_t>(b, info_field(l, 1) + 4 + 16 + 4, 64);
       },
       "tensor 'blk.0.attn_q.weight': data at offset 64 overlaps tensor 'token_embd.weight'"});
  return c;
}

TEST(GgufHostile, CorruptedFieldsGiveErrorsNamingTheKeyOrTensor) {
  const std::string original = sample_file();
  auto full = test::parse_bytes(original);
  ASSERT_TRUE(full.ok());
  const Layout layout = test::layout_of(*full);
  for (const Corruption& c : corruptions()) {
    SCOPED_TRACE(c.what);
    std::string bytes = original;
    c.apply(bytes, layout);
    ASSERT_NE(bytes, original);
    const Status st = parse_status(bytes, "bad.gguf");
    ASSERT_FALSE(st.ok()) << "accepted a file with " << c.what;
    EXPECT_EQ(st.code(), c.code) << st.message();
    EXPECT_EQ(st.message().rfind("bad.gguf: ", 0), 0u) << st.message();
    EXPECT_NE(st.message().find(c.needle), std::string::npos)
        << "expected '" << c.needle << "' in: " << st.message();
  }
}

TEST(GgufHostile, DuplicateKeysAndTensorNamesAreNamed) {
  Writer w;
  w.set("aaaa", Value::u8(1));
  w.set("bbbb", Value::u8(2));
  ASSERT_TRUE(w.add_tensor("t1", TensorType::I8, {1}, std::vector<uint8_t>(1)).ok());
  ASSERT_TRUE(w.add_tensor("t2", TensorType::I8, {1}, std::vector<uint8_t>(1)).ok());
  std::string bytes = test::bytes_of(w);
  std::string dup_key = bytes;
  dup_key.replace(dup_key.find("bbbb"), 4, "aaaa");
  EXPECT_NE(parse_status(dup_key).message().find("duplicate metadata key 'aaaa'"),
            std::string::npos);
  std::string dup_tensor = bytes;
  dup_tensor.replace(dup_tensor.find("t2"), 2, "t1");
  EXPECT_NE(parse_status(dup_tensor).message().find("duplicate tensor name 't1'"),
            std::string::npos);
}

TEST(GgufHostile, NamesInErrorsAreEscapedAndCut) {
  Writer w;
  w.set("bad\nkey\x01", Value::u32(1));
  w.set(std::string(5000, 'k'), Value::u32(2));
  std::string bytes = test::bytes_of(w);
  std::string first = bytes;
  first[24 + 8 + 8] = 99;  // the first key's value type (after its 8-byte name)
  const std::string m1 = parse_status(first).message();
  EXPECT_NE(m1.find("metadata key 'bad\\x0akey\\x01' has unknown value type 99"), std::string::npos)
      << m1;
  EXPECT_EQ(m1.find('\n'), std::string::npos);
  std::string second = bytes;
  second[24 + 8 + 8 + 4 + 4 + 8 + 5000] = 99;  // the long key's value type
  const std::string m2 = parse_status(second).message();
  EXPECT_NE(m2.find("metadata key '" + std::string(100, 'k') + "...' has unknown value type 99"),
            std::string::npos)
      << m2;
}

TEST(GgufHostile, TinyAndEmptyInputsAreNotGguf) {
  for (const std::string& bytes : {std::string(), std::string("G"), std::string("GGU"),
                                   std::string("GGUF"), std::string("PK\x03\x04 zip file")}) {
    const Status st = parse_status(bytes);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), ErrorCode::kCorruptFile);
  }
  EXPECT_NE(parse_status("").message().find("not a GGUF file"), std::string::npos);
  EXPECT_NE(parse_status("GGUF").message().find("header: version"), std::string::npos);
}

TEST(GgufHostile, RandomByteCorruptionNeverCrashes) {
  // Not a substitute for the fuzzer, but runs everywhere: 3000 files with 1 to 8 random bytes
  // changed in the metadata and tensor infos. Each parses or fails with a message naming the file.
  const std::string original = sample_file();
  auto full = test::parse_bytes(original);
  ASSERT_TRUE(full.ok());
  const uint64_t header = full->data_offset();
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = original;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) bytes[rng() % header] = static_cast<char>(rng());
    GuardedBuffer buf(bytes);
    auto f = buf.parse("rand.gguf");
    if (f.ok()) {
      ++accepted;
      EXPECT_LE(f->tensor_data_bytes(), bytes.size());
    } else {
      EXPECT_EQ(f.status().message().rfind("rand.gguf: ", 0), 0u) << f.status().message();
    }
  }
  // Changing a byte inside a string value keeps the file valid, so some are accepted.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace edgellm::gguf
