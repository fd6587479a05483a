// The writer refuses what would make a broken file, naming the tensor or key, and writes files
// atomically.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "gguf_test_util.h"

namespace edgellm::gguf {
namespace {

// Expects `st` to be an kInvalidArgument error whose message contains `needle`.
void expect_error(const Status& st, const std::string& needle) {
  ASSERT_FALSE(st.ok()) << "expected an error mentioning " << needle;
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.message();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(GgufWriter, AddTensorRefusesBadTensorsByName) {
  Writer w;
  const std::vector<uint8_t> four(4, 0);
  ASSERT_TRUE(w.add_tensor("ok", TensorType::F32, {1}, four).ok());
  expect_error(w.add_tensor("ok", TensorType::F32, {1}, four), "duplicate tensor 'ok'");
  expect_error(w.add_tensor("", TensorType::F32, {1}, four), "empty tensor name");
  expect_error(w.add_tensor("nodims", TensorType::F32, {}, four), "'nodims'");
  expect_error(w.add_tensor("fivedims", TensorType::F32, {1, 1, 1, 1, 1}, four), "'fivedims'");
  expect_error(w.add_tensor("neg", TensorType::F32, {4, -1}, four),
               "'neg': dimension 1 is negative");
  expect_error(w.add_tensor("huge", TensorType::F32, {1ll << 40, 1ll << 40}, four), "'huge'");
  expect_error(w.add_tensor("q", TensorType::Q4_0, {33}, std::vector<uint8_t>(18)),
               "'q': row length 33 is not a multiple of the Q4_0 block size 32");
  expect_error(w.add_tensor("type", static_cast<TensorType>(5), {1}, four),
               "'type': unknown tensor type 5");
  expect_error(w.add_tensor("type99", static_cast<TensorType>(99), {1}, four), "'type99'");
  expect_error(w.add_tensor("short", TensorType::F32, {2}, four), "'short': 4 bytes given, 8");
  expect_error(w.add_tensor("null", TensorType::F32, {2}, static_cast<const void*>(nullptr)),
               "'null': no data given");
  // A refused tensor leaves the writer unchanged.
  EXPECT_EQ(w.tensor_count(), 1u);
  // A zero-size tensor needs no data.
  EXPECT_TRUE(w.add_tensor("zero", TensorType::F32, {0}, static_cast<const void*>(nullptr)).ok());
}

TEST(GgufWriter, RefusesMalformedValuesNamingTheKey) {
  struct Case {
    const char* name;
    Value value;
    const char* needle;
  };
  std::vector<Case> cases;
  cases.push_back({"partial", Value::numeric_array(ValueType::INT32, {1, 2, 3}),
                   "'partial': 3 bytes of i32 data is not a whole number of elements"});
  cases.push_back({"strbytes", Value::numeric_array(ValueType::STRING, {1, 2}),
                   "'strbytes': array contents do not match its element type string"});
  cases.push_back({"arrofnum",
                   Value::nested_array(ValueType::UINT8,
                                       {Value::array_of(ValueType::UINT8, std::vector<int>{1})}),
                   "'arrofnum': array contents do not match"});
  cases.push_back({"scalar_in_nested", Value::nested_array(ValueType::ARRAY, {Value::u8(1)}),
                   "'scalar_in_nested' element 0: is u8, but the array holds arrays"});
  cases.push_back({"badelem", Value::numeric_array(static_cast<ValueType>(13), {}),
                   "'badelem': unknown array element type 13"});
  cases.push_back({"general.alignment", Value::u32(48), "'general.alignment' must be a u32"});
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    Writer w;
    w.set("fine", Value::u32(1));
    w.set(c.name, c.value);
    expect_error(w.validate(), c.needle);
    expect_error(w.to_bytes().status(), c.needle);
    testing::TempDir dir;
    expect_error(w.write(dir.file("x.gguf")), c.needle);
    EXPECT_FALSE(testing::file_exists(dir.file("x.gguf")));
  }
  for (const Value& bad_alignment : {Value::u32(0), Value::u64(32), Value::string("32")}) {
    Writer w;
    w.set("general.alignment", bad_alignment);
    expect_error(w.validate(), "'general.alignment' must be a u32 power of two");
  }
}

TEST(GgufWriter, RefusesVersionsOtherThan2And3) {
  for (uint32_t v : {0u, 1u, 4u}) {
    Writer w(v);
    expect_error(w.validate(), "version " + std::to_string(v));
  }
}

TEST(GgufWriter, SetReplacesInPlaceAndRemoveDeletes) {
  Writer w;
  w.set("a", Value::u32(1));
  w.set("b", Value::u32(2));
  w.set("c", Value::u32(3));
  w.set("a", Value::string("first"));
  w.remove("b");
  w.remove("absent");
  ASSERT_EQ(w.metadata().size(), 2u);
  EXPECT_EQ(w.metadata()[0].first, "a");
  EXPECT_EQ(w.find("a")->as_string(), "first");
  EXPECT_EQ(w.find("b"), nullptr);
  const std::string bytes = test::bytes_of(w);
  auto f = test::parse_bytes(bytes);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->metadata()[1].first, "c");
}

TEST(GgufWriter, WriteProducesTheSameBytesAsToBytesAndReadsBack) {
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  std::vector<uint8_t> borrowed(64 * 2);
  for (size_t i = 0; i < borrowed.size(); ++i) borrowed[i] = static_cast<uint8_t>(i);
  ASSERT_TRUE(w.add_tensor("b", TensorType::F16, {64}, borrowed.data()).ok());
  ASSERT_TRUE(w.add_tensor("o", TensorType::I32, {3}, std::vector<uint8_t>(12, 9)).ok());
  testing::TempDir dir;
  const std::string path = dir.file("out.gguf");
  ASSERT_TRUE(w.write(path).ok());
  EXPECT_FALSE(testing::file_exists(path + ".tmp"));
  const std::string on_disk = testing::read_file_or_die(path);
  EXPECT_EQ(on_disk, test::bytes_of(w));
  EXPECT_EQ(on_disk.size(), w.file_size());
  auto f = File::open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(std::memcmp(f->find_tensor("b")->data, borrowed.data(), borrowed.size()), 0);
}

TEST(GgufWriter, WriteToAnUnwritablePlaceFailsAndLeavesNothing) {
  Writer w;
  w.set("k", Value::u8(1));
  testing::TempDir dir;
  const Status st = w.write(dir.file("no/such/dir/out.gguf"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kIoError);
  EXPECT_NE(st.message().find("out.gguf"), std::string::npos) << st.message();
}

TEST(GgufWriter, ProducedTensorsStreamInRowChunksAndMatchOwnedData) {
  // "wide" is 3 MiB (one chunk), "tall" 8 MiB of 8-byte rows (several chunks); the bytes are a
  // pure function of the row index.
  auto fill = [](int64_t row, size_t row_bytes, uint8_t* dst) {
    for (size_t i = 0; i < row_bytes; ++i) dst[i] = static_cast<uint8_t>(row * 31 + i);
  };
  struct Shape {
    const char* name;
    TensorType type;
    std::vector<int64_t> ne;
    size_t row_bytes;
  };
  const Shape shapes[] = {{"wide", TensorType::F32, {4096, 192}, 4096 * 4},
                          {"tall", TensorType::F16, {4, 1 << 20}, 8},
                          {"vec", TensorType::F32, {3}, 12}};
  Writer streamed, owned;
  std::vector<int64_t> calls(3, 0);
  for (size_t s = 0; s < 3; ++s) {
    const Shape& sh = shapes[s];
    int64_t* n_calls = &calls[s];
    int64_t next_row = 0;
    ASSERT_TRUE(streamed
                    .add_tensor(sh.name, sh.type, sh.ne,
                                RowProducer([=](int64_t r0, int64_t n, uint8_t* dst) mutable {
                                  if (r0 == 0) next_row = 0;
                                  EXPECT_EQ(r0, next_row) << "rows out of order";
                                  next_row = r0 + n;
                                  ++*n_calls;
                                  for (int64_t r = 0; r < n; ++r) {
                                    fill(r0 + r, sh.row_bytes, dst + r * sh.row_bytes);
                                  }
                                  return Status::Ok();
                                }))
                    .ok());
    const int64_t rows = sh.ne.size() > 1 ? sh.ne[1] : 1;
    std::vector<uint8_t> data(sh.row_bytes * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) fill(r, sh.row_bytes, data.data() + r * sh.row_bytes);
    ASSERT_TRUE(owned.add_tensor(sh.name, sh.type, sh.ne, std::move(data)).ok());
  }
  EXPECT_EQ(streamed.file_size(), owned.file_size());
  testing::TempDir dir;
  ASSERT_TRUE(streamed.write(dir.file("s.gguf")).ok());
  EXPECT_EQ(calls[0], 1);  // 3 MiB fits one chunk
  EXPECT_GT(calls[1], 1);  // 8 MiB does not
  EXPECT_EQ(testing::read_file_or_die(dir.file("s.gguf")), test::bytes_of(owned));
  // A second serialization starts again at row 0 and gives the same bytes.
  EXPECT_EQ(test::bytes_of(streamed), test::bytes_of(owned));
}

TEST(GgufWriter, AProducerErrorAbortsTheWriteNamingTheTensor) {
  Writer w;
  ASSERT_TRUE(w.add_tensor("bad", TensorType::F32, {8, 2},
                           RowProducer([](int64_t, int64_t, uint8_t*) {
                             return make_error(ErrorCode::kInternal, "no more randomness");
                           }))
                  .ok());
  expect_error(w.add_tensor("none", TensorType::F32, {8}, RowProducer()), "no producer");
  testing::TempDir dir;
  const std::string path = dir.file("out.gguf");
  const Status st = w.write(path);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  EXPECT_NE(st.message().find("'bad'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("no more randomness"), std::string::npos) << st.message();
  EXPECT_FALSE(testing::file_exists(path));
  EXPECT_FALSE(testing::file_exists(path + ".tmp"));
  EXPECT_FALSE(w.to_bytes().ok());
}

}  // namespace
}  // namespace edgellm::gguf
