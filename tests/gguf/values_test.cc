// Metadata values, versions, alignment and tensor placement: files built with the writer read back
// exactly, through typed accessors, with tensor data used in place.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "gguf_test_util.h"

namespace edgellm::gguf {
namespace {

using test::bytes_of;
using test::parse_bytes;

TEST(GgufValues, EveryScalarTypeReadsBackWithItsTypeAndValue) {
  Writer w;
  w.set("u8", Value::u8(250));
  w.set("i8", Value::i8(-128));
  w.set("u16", Value::u16(65535));
  w.set("i16", Value::i16(-32768));
  w.set("u32", Value::u32(4294967295u));
  w.set("i32", Value::i32(-2147483647 - 1));
  w.set("u64", Value::u64(9223372036854775807ull));
  w.set("i64", Value::i64(std::numeric_limits<int64_t>::min()));
  w.set("f32", Value::f32(-0.375f));
  w.set("f64", Value::f64(1e-300));
  w.set("bool_t", Value::boolean(true));
  w.set("bool_f", Value::boolean(false));
  w.set("str", Value::string(std::string("h\0llo \xe2\x96\x81", 10)));
  w.set("empty_str", Value::string(""));
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();

  const std::vector<std::pair<const char*, ValueType>> types = {
      {"u8", ValueType::UINT8},    {"i8", ValueType::INT8},     {"u16", ValueType::UINT16},
      {"i16", ValueType::INT16},   {"u32", ValueType::UINT32},  {"i32", ValueType::INT32},
      {"u64", ValueType::UINT64},  {"i64", ValueType::INT64},   {"f32", ValueType::FLOAT32},
      {"f64", ValueType::FLOAT64}, {"bool_t", ValueType::BOOL}, {"str", ValueType::STRING}};
  for (const auto& [key, type] : types) {
    ASSERT_NE(f->find(key), nullptr) << key;
    EXPECT_EQ(f->find(key)->type(), type) << key;
  }
  EXPECT_EQ(*f->get_int("u8"), 250);
  EXPECT_EQ(*f->get_int("i8"), -128);
  EXPECT_EQ(*f->get_int("u16"), 65535);
  EXPECT_EQ(*f->get_int("i16"), -32768);
  EXPECT_EQ(*f->get_int("u32"), 4294967295ll);
  EXPECT_EQ(*f->get_int("i32"), -2147483648ll);
  EXPECT_EQ(*f->get_int("u64"), 9223372036854775807ll);
  EXPECT_EQ(*f->get_int("i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(*f->get_float("f32"), -0.375);
  EXPECT_EQ(*f->get_float("f64"), 1e-300);
  EXPECT_EQ(*f->get_float("u16"), 65535.0);
  EXPECT_TRUE(*f->get_bool("bool_t"));
  EXPECT_FALSE(*f->get_bool("bool_f"));
  EXPECT_EQ(*f->get_string("str"), std::string("h\0llo \xe2\x96\x81", 10));
  EXPECT_EQ(*f->get_string("empty_str"), "");
  // Keys keep the order they were written in.
  EXPECT_EQ(f->metadata().front().first, "u8");
  EXPECT_EQ(f->metadata().back().first, "empty_str");
}

TEST(GgufValues, TypedReadsReportAbsentAndMistypedKeysByName) {
  Writer w;
  w.set("name", Value::string("x"));
  w.set("big", Value::u64(18446744073709551615ull));
  w.set("n", Value::u32(7));
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes, "m.gguf");
  ASSERT_TRUE(f.ok());

  auto missing = f->get_int("llama.block_count");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("'llama.block_count'"), std::string::npos);

  auto wrong = f->get_int("name");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kCorruptFile);
  EXPECT_NE(wrong.status().message().find("'name'"), std::string::npos);
  EXPECT_NE(wrong.status().message().find("string"), std::string::npos);
  EXPECT_FALSE(f->get_string("n").ok());
  EXPECT_FALSE(f->get_array("n").ok());

  auto big = f->get_int("big");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(big.status().message().find("'big'"), std::string::npos);

  EXPECT_EQ(*f->get_int_or("absent", 42), 42);
  EXPECT_EQ(*f->get_int_or("n", 42), 7);
  EXPECT_FALSE(f->get_int_or("name", 42).ok());
  EXPECT_EQ(*f->get_string_or("absent", "d"), "d");
  EXPECT_EQ(*f->get_float_or("absent", 0.5), 0.5);
  EXPECT_TRUE(*f->get_bool_or("absent", true));
}

TEST(GgufValues, FloatToIntegerConversionSaturates) {
  EXPECT_EQ(Value::f32(1e30f).as_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Value::f64(-1e300).as_int(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value::f32(std::nanf("")).as_int(), 0);
  EXPECT_EQ(Value::f32(-2.75f).as_int(), -2);
  Value arr = Value::array_of(ValueType::FLOAT64, std::vector<double>{INFINITY, -INFINITY, 3.5});
  EXPECT_EQ(arr.to_ints(), (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                                 std::numeric_limits<int64_t>::min(), 3}));
}

TEST(GgufValues, ArraysOfEveryElementTypeReadBack) {
  Writer w;
  w.set("u8", Value::array_of(ValueType::UINT8, std::vector<int>{0, 255}));
  w.set("i8", Value::array_of(ValueType::INT8, std::vector<int>{-128, 127}));
  w.set("u16", Value::array_of(ValueType::UINT16, std::vector<int>{0, 65535}));
  w.set("i16", Value::array_of(ValueType::INT16, std::vector<int>{-32768, 5}));
  w.set("u32", Value::array_of(ValueType::UINT32, std::vector<int64_t>{4294967295ll}));
  w.set("i32", Value::array_of(ValueType::INT32, std::vector<int64_t>{-7, 8, 9}));
  w.set("u64", Value::array_of(ValueType::UINT64, std::vector<uint64_t>{1ull << 63}));
  w.set("i64", Value::array_of(ValueType::INT64, std::vector<int64_t>{-(1ll << 62)}));
  w.set("f32", Value::array_of(ValueType::FLOAT32, std::vector<double>{0.5, -1.25}));
  w.set("f64", Value::array_of(ValueType::FLOAT64, std::vector<float>{0.125f}));
  w.set("bool", Value::array_of(ValueType::BOOL, std::vector<int>{1, 0, 7}));
  w.set("str", Value::string_array({"a", "", "\xe2\x96\x81hello"}));
  w.set("empty", Value::array_of(ValueType::INT32, std::vector<int32_t>{}));
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();

  auto arr = [&](const char* key) { return *f->get_array(key); };
  EXPECT_EQ(arr("u8")->array_type(), ValueType::UINT8);
  EXPECT_EQ(arr("u8")->to_ints(), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(arr("i8")->to_ints(), (std::vector<int64_t>{-128, 127}));
  EXPECT_EQ(arr("u16")->to_ints(), (std::vector<int64_t>{0, 65535}));
  EXPECT_EQ(arr("i16")->to_ints(), (std::vector<int64_t>{-32768, 5}));
  EXPECT_EQ(arr("u32")->to_ints(), (std::vector<int64_t>{4294967295ll}));
  EXPECT_EQ(arr("i32")->array_type(), ValueType::INT32);
  EXPECT_EQ(arr("i32")->to_ints(), (std::vector<int64_t>{-7, 8, 9}));
  EXPECT_EQ(arr("u64")->double_at(0), 9223372036854775808.0);
  EXPECT_EQ(arr("i64")->int_at(0), -(1ll << 62));
  EXPECT_EQ(arr("f32")->to_floats(), (std::vector<float>{0.5f, -1.25f}));
  EXPECT_EQ(arr("f64")->double_at(0), 0.125);
  EXPECT_EQ(arr("bool")->to_ints(), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(arr("str")->strings(), (std::vector<std::string>{"a", "", "\xe2\x96\x81hello"}));
  EXPECT_EQ(arr("str")->array_size(), 3u);
  EXPECT_EQ(arr("empty")->array_size(), 0u);
  EXPECT_EQ(arr("empty")->array_type(), ValueType::INT32);
}

TEST(GgufValues, NestedArraysReadBackLevelByLevel) {
  // [[1, 2], ["x", "y"], [], [[3.5]]]
  Value a = Value::array_of(ValueType::INT32, std::vector<int32_t>{1, 2});
  Value b = Value::string_array({"x", "y"});
  Value c = Value::nested_array(ValueType::ARRAY, {});
  Value d = Value::nested_array(ValueType::ARRAY,
                                {Value::array_of(ValueType::FLOAT32, std::vector<float>{3.5f})});
  Writer w;
  w.set("nested", Value::nested_array(ValueType::ARRAY, {a, b, c, d}));
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const Value* v = *f->get_array("nested");
  ASSERT_EQ(v->array_type(), ValueType::ARRAY);
  ASSERT_EQ(v->array_size(), 4u);
  const auto& e = v->elements();
  EXPECT_EQ(e[0].array_type(), ValueType::INT32);
  EXPECT_EQ(e[0].to_ints(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(e[1].strings(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(e[2].array_size(), 0u);
  ASSERT_EQ(e[3].array_size(), 1u);
  EXPECT_EQ(e[3].elements()[0].to_floats(), (std::vector<float>{3.5f}));
  EXPECT_EQ(v->to_display_string(), "[[1, 2], [\"x\", \"y\"], [], [[3.5]]]");
  // Writing the parsed file again gives the same bytes.
  EXPECT_EQ(bytes_of(Writer::copy_of(*f)), bytes);
}

TEST(GgufValues, NestingUpToTheLimitReadsAndDeeperIsRefused) {
  auto nest = [](int levels) {
    Value v = Value::array_of(ValueType::UINT8, std::vector<int>{1});
    for (int i = 1; i < levels; ++i) v = Value::nested_array(ValueType::ARRAY, {v});
    return v;
  };
  Writer ok;
  ok.set("deep", nest(kMaxArrayDepth));
  const std::string bytes = bytes_of(ok);
  EXPECT_TRUE(parse_bytes(bytes).ok());

  Writer too_deep;
  too_deep.set("deeper", nest(kMaxArrayDepth + 1));
  auto refused = too_deep.to_bytes();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("'deeper'"), std::string::npos);

  // The same nesting written by hand: wrap the legal file's innermost array once more.
  std::string hand = bytes;
  // Layout: header 24, key (8 + 4), type 4, then kMaxArrayDepth headers of (4 + 8) bytes each.
  const size_t first_array = 24 + 8 + 4 + 4;
  std::string extra;
  uint32_t arr_type = 9;
  uint64_t one = 1;
  extra.append(reinterpret_cast<const char*>(&arr_type), 4);
  extra.append(reinterpret_cast<const char*>(&one), 8);
  hand.insert(first_array, extra);
  auto st = test::parse_status(hand);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'deep'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("nested"), std::string::npos) << st.message();
}

TEST(GgufValues, Version2And3FilesDifferOnlyInTheVersionField) {
  for (uint32_t version : {2u, 3u}) {
    Writer w(version);
    w.set("general.architecture", Value::string("llama"));
    w.set("tokenizer.ggml.tokens", Value::string_array({"a", "b"}));
    ASSERT_TRUE(w.add_tensor("t", TensorType::F32, {2, 2}, std::vector<uint8_t>(16, 1)).ok());
    const std::string bytes = bytes_of(w);
    EXPECT_EQ(test::peek<uint32_t>(bytes, 4), version);
    auto f = parse_bytes(bytes);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->version(), version);
    EXPECT_EQ(*f->get_string("general.architecture"), "llama");
    EXPECT_EQ(f->tensors().size(), 1u);
    EXPECT_EQ(bytes_of(Writer::copy_of(*f)), bytes);
  }
}

TEST(GgufValues, NonDefaultAlignmentPlacesEveryTensorOnItsMultiple) {
  for (uint32_t al : {1u, 8u, 64u, 4096u}) {
    SCOPED_TRACE(al);
    Writer w;
    w.set("general.alignment", Value::u32(al));
    ASSERT_TRUE(w.add_tensor("a", TensorType::F32, {3}, std::vector<uint8_t>(12, 0xaa)).ok());
    ASSERT_TRUE(w.add_tensor("b", TensorType::Q8_0, {32}, std::vector<uint8_t>(34, 0xbb)).ok());
    ASSERT_TRUE(w.add_tensor("c", TensorType::F16, {1}, std::vector<uint8_t>(2, 0xcc)).ok());
    const std::string bytes = bytes_of(w);
    auto f = parse_bytes(bytes);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(f->alignment(), al);
    EXPECT_EQ(f->data_offset() % al, 0u);
    uint8_t fill = 0xaa;
    for (const TensorInfo& t : f->tensors()) {
      EXPECT_EQ(t.offset % al, 0u) << t.name;
      EXPECT_EQ(t.data[0], fill) << t.name;
      EXPECT_EQ(t.data[t.n_bytes - 1], fill) << t.name;
      fill = static_cast<uint8_t>(fill + 0x11);
    }
    EXPECT_EQ(f->find_tensor("b")->n_bytes, 34u);
    EXPECT_EQ(w.file_size(), bytes.size());
  }
}

TEST(GgufValues, DefaultAlignmentIs32) {
  Writer w;
  ASSERT_TRUE(w.add_tensor("a", TensorType::I8, {5}, std::vector<uint8_t>(5, 1)).ok());
  ASSERT_TRUE(w.add_tensor("b", TensorType::I8, {5}, std::vector<uint8_t>(5, 2)).ok());
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->find_tensor("b")->offset, 32u);
  EXPECT_EQ(bytes.size() % 32, 0u);
}

TEST(GgufValues, VocabularyOnlyFileHasNoDataSectionOrPadding) {
  Writer w;
  w.set("tokenizer.ggml.model", Value::string("gpt2"));
  w.set("tokenizer.ggml.tokens", Value::string_array({"a", "b", "ab"}));
  w.set("tokenizer.ggml.merges", Value::string_array({"a b"}));
  const std::string bytes = bytes_of(w);
  uint64_t expected = 24;
  for (const auto& [k, v] : w.metadata()) expected += 8 + k.size() + 4 + v.serialized_size();
  EXPECT_EQ(bytes.size(), expected);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->tensor_data_bytes(), 0u);
  EXPECT_EQ((*f->get_array("tokenizer.ggml.tokens"))->array_size(), 3u);
}

TEST(GgufValues, TensorShapesSizesAndLookups) {
  Writer w;
  ASSERT_TRUE(w.add_tensor("q", TensorType::Q4_K, {512, 3}, std::vector<uint8_t>(144 * 6)).ok());
  ASSERT_TRUE(w.add_tensor("v", TensorType::BF16, {7, 1, 2, 3}, std::vector<uint8_t>(84)).ok());
  ASSERT_TRUE(w.add_tensor("z", TensorType::F32, {0, 4}, std::vector<uint8_t>()).ok());
  const std::string bytes = bytes_of(w);
  auto f = parse_bytes(bytes);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const TensorInfo* q = f->find_tensor("q");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, TensorType::Q4_K);
  EXPECT_EQ(q->n_elements(), 1536);
  EXPECT_EQ(q->n_rows(), 3);
  EXPECT_EQ(q->n_bytes, 864u);
  EXPECT_EQ(q->shape_string(), "[512, 3]");
  EXPECT_EQ(f->find_tensor("v")->ne, (std::vector<int64_t>{7, 1, 2, 3}));
  EXPECT_EQ(f->find_tensor("z")->n_bytes, 0u);
  EXPECT_EQ(f->find_tensor("missing"), nullptr);
  EXPECT_EQ(f->tensor_data_bytes(), 864u + 84u);
}

TEST(GgufValues, OpenMapsTheFileAndTensorDataStaysInTheMapping) {
  const std::string path = testing::testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(path);
  auto f = File::open(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->path(), path);
  EXPECT_EQ(f->file_size(), 1185376u);
  const uint8_t* begin = f->base();
  const uint8_t* end = begin + f->file_size();
  const std::string original = testing::read_file_or_die(path);
  for (const TensorInfo& t : f->tensors()) {
    // Not copied: each tensor's bytes are the file's bytes at its offset, inside the mapping.
    ASSERT_EQ(t.data, begin + f->data_offset() + t.offset) << t.name;
    ASSERT_LE(t.data + t.n_bytes, end) << t.name;
    EXPECT_EQ(std::memcmp(t.data, original.data() + f->data_offset() + t.offset, t.n_bytes), 0);
  }
  // The File (and its mapping) survives moves.
  File moved = std::move(f).value();
  EXPECT_EQ(moved.tensors().front().data, begin + moved.data_offset() + moved.tensors()[0].offset);
}

}  // namespace
}  // namespace edgellm::gguf
