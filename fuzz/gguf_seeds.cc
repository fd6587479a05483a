// Writes the seed corpus for fuzz_gguf: small valid GGUF files that between them hold every
// metadata value type, nested arrays, versions 2 and 3, non-default alignments, a vocabulary-only
// file and tensors of plain and block-quantized types. Usage: gguf_seeds OUTPUT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include "gguf/writer.h"

namespace {

using edgellm::TensorType;
using edgellm::gguf::Value;
using edgellm::gguf::ValueType;
using edgellm::gguf::Writer;

void add_all_scalars(Writer& w) {
  w.set("general.architecture", Value::string("llama"));
  w.set("t.u8", Value::u8(200));
  w.set("t.i8", Value::i8(-5));
  w.set("t.u16", Value::u16(60000));
  w.set("t.i16", Value::i16(-30000));
  w.set("t.u32", Value::u32(4000000000u));
  w.set("t.i32", Value::i32(-2000000000));
  w.set("t.u64", Value::u64(18000000000000000000ull));
  w.set("t.i64", Value::i64(-9000000000000000000ll));
  w.set("t.f32", Value::f32(1.5f));
  w.set("t.f64", Value::f64(-2.25e300));
  w.set("t.bool", Value::boolean(true));
}

void add_arrays(Writer& w) {
  w.set("tokenizer.ggml.tokens", Value::string_array({"<unk>", "<s>", "</s>", "a", "b", "ab"}));
  w.set("tokenizer.ggml.scores",
        Value::array_of(ValueType::FLOAT32, std::vector<float>{0, 0, 0, -1, -2, -3}));
  w.set("tokenizer.ggml.token_type",
        Value::array_of(ValueType::INT32, std::vector<int32_t>{2, 3, 3, 1, 1, 1}));
  w.set("a.u64", Value::array_of(ValueType::UINT64, std::vector<uint64_t>{1, 2}));
  w.set("a.bool", Value::array_of(ValueType::BOOL, std::vector<int>{1, 0, 1}));
  w.set("a.empty", Value::string_array({}));
  Value inner1 = Value::array_of(ValueType::INT16, std::vector<int16_t>{1, -1});
  Value inner2 = Value::string_array({"x"});
  Value inner3 = Value::nested_array(ValueType::ARRAY, {Value::string_array({"deep"})});
  w.set("a.nested", Value::nested_array(ValueType::ARRAY, {inner1, inner2, inner3}));
}

bool add_tensor(Writer& w, const std::string& name, TensorType type, std::vector<int64_t> ne) {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  const auto& tr = edgellm::traits(type);
  std::vector<uint8_t> data(static_cast<size_t>(n / tr.block_size) * tr.type_size);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
  auto st = w.add_tensor(name, type, ne, std::move(data));
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.message().c_str());
  return st.ok();
}

bool save(const Writer& w, const std::string& dir, const char* name) {
  auto st = w.write(dir + "/" + name);
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.message().c_str());
  return st.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gguf_seeds OUTPUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;

  Writer scalars;
  add_all_scalars(scalars);
  ok &= add_tensor(scalars, "token_embd.weight", TensorType::F32, {4, 6});
  ok &= save(scalars, dir, "scalars-v3.gguf");

  Writer arrays(2);
  add_arrays(arrays);
  arrays.set("general.alignment", Value::u32(64));
  ok &= add_tensor(arrays, "a", TensorType::F16, {8});
  ok &= add_tensor(arrays, "b", TensorType::I8, {3, 1, 1, 1});
  ok &= save(arrays, dir, "arrays-v2-align64.gguf");

  Writer vocab;
  add_arrays(vocab);
  vocab.set("tokenizer.ggml.model", Value::string("llama"));
  vocab.set("tokenizer.chat_template", Value::string("{{ messages }}"));
  ok &= save(vocab, dir, "vocab-only.gguf");

  Writer quant;
  quant.set("general.architecture", Value::string("llama"));
  quant.set("general.alignment", Value::u32(16));
  ok &= add_tensor(quant, "q4_0", TensorType::Q4_0, {32, 2});
  ok &= add_tensor(quant, "q8_0", TensorType::Q8_0, {64});
  ok &= add_tensor(quant, "q4_k", TensorType::Q4_K, {256});
  ok &= add_tensor(quant, "bf16", TensorType::BF16, {3, 2});
  ok &= add_tensor(quant, "empty", TensorType::F32, {0, 5});
  ok &= save(quant, dir, "quant-align16.gguf");

  Writer bare;
  ok &= save(bare, dir, "empty.gguf");
  return ok ? 0 : 1;
}
