// End-to-end tests of `edgellm info`: what it reports on the shared models agrees with the files'
// own metadata and tensors, and unreadable files give one error line and exit code 1.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "common/testdata.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace edgellm::gguf {
namespace {

using nlohmann::json;
using testing::CommandResult;

CommandResult info(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {testing::edgellm_bin(), "info"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv, "", 60);
}

// Expects a failure reported as exactly one "error: ..." line containing `needle`.
void expect_one_line_error(const CommandResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in " << r.err;
}

std::vector<std::string> shared_files() {
  std::vector<std::string> files = testing::list_testdata("models", ".gguf");
  for (const auto& f : testing::list_testdata("models/synthetic", ".gguf")) files.push_back(f);
  for (const auto& f : testing::list_testdata("vocab", ".gguf")) files.push_back(f);
  return files;
}

class InfoCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::file_exists(testing::edgellm_bin()))
        << "build the edgellm binary first: " << testing::edgellm_bin();
  }
};

TEST_F(InfoCommand, TextReportOnTheKjvChatModel) {
  const std::string path = testing::testdata_path("models/kjv-chat-7m-f16.gguf");
  EDGELLM_REQUIRE_FILE(path);
  const CommandResult r = info({"-m", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const char* line : {"architecture:              llama\n",
                           "name:                      kjv-chat-7m\n",
                           "size on disk:              13.1 MiB (13,739,552 bytes)\n",
                           "format:                    GGUF v3",
                           "file type:                 F16 (general.file_type = 1)\n",
                           "  context length:          512\n",
                           "  embedding length:        256\n",
                           "  blocks:                  6\n",
                           "  feed-forward length:     768\n",
                           "  attention heads:         4\n",
                           "  KV heads:                2\n",
                           "  head dim:                64 (embedding length / heads)\n",
                           "  rope freq base:          10000\n",
                           "  count:                   57 (F16 44, F32 13)\n",
                           "  parameters:              6.82 M (6,819,072)\n",
                           "  model:                   llama",
                           "  tokens:                  4,096\n",
                           "  BOS:                     1 \"<s>\"\n",
                           "  EOS:                     2 \"</s>\"\n",
                           "  EOT:                     4 \"<|im_end|>\"\n",
                           "chat template:             yes"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << "missing: " << line << "\n" << r.out;
  }
}

TEST_F(InfoCommand, JsonAgreesWithTheFileForEverySharedModel) {
  const auto files = shared_files();
  if (files.empty()) GTEST_SKIP() << "no GGUF files under " << testing::testdata_dir();
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto f = File::open(path);
    ASSERT_TRUE(f.ok()) << f.status().message();
    const CommandResult r = info({"-m", path, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json j = json::parse(r.out);

    EXPECT_EQ(j["file"]["size_bytes"], f->file_size());
    EXPECT_EQ(j["gguf"]["version"], f->version());
    EXPECT_EQ(j["gguf"]["tensor_count"], f->tensors().size());
    const std::string arch = *f->get_string("general.architecture");
    EXPECT_EQ(j["architecture"], arch);
    EXPECT_EQ(j["hyperparameters"]["block_count"], *f->get_int(arch + ".block_count"));
    EXPECT_EQ(j["hyperparameters"]["embedding_length"], *f->get_int(arch + ".embedding_length"));
    EXPECT_EQ(j["hyperparameters"]["attention.head_count_kv"],
              *f->get_int_or(arch + ".attention.head_count_kv",
                             *f->get_int(arch + ".attention.head_count")));

    uint64_t params = 0, count = 0;
    for (const TensorInfo& t : f->tensors()) params += static_cast<uint64_t>(t.n_elements());
    for (const auto& [type, p] : j["tensors"]["by_type"].items()) {
      count += p["count"].get<uint64_t>();
    }
    EXPECT_EQ(count, f->tensors().size());
    EXPECT_EQ(j["tensors"]["parameters"], params);
    EXPECT_EQ(j["tensors"]["bytes"], f->tensor_data_bytes());
    if (params > 0) {
      EXPECT_NEAR(j["tensors"]["bits_per_weight"].get<double>(),
                  8.0 * f->tensor_data_bytes() / params, 1e-9);
    } else {
      EXPECT_TRUE(j["tensors"]["bits_per_weight"].is_null());
    }

    const Value* tokens = *f->get_array("tokenizer.ggml.tokens");
    EXPECT_EQ(j["vocabulary"]["size"], tokens->array_size());
    EXPECT_EQ(j["vocabulary"]["model"], *f->get_string("tokenizer.ggml.model"));
    if (f->has("tokenizer.ggml.bos_token_id")) {
      const int64_t bos = *f->get_int("tokenizer.ggml.bos_token_id");
      EXPECT_EQ(j["vocabulary"]["bos"]["id"], bos);
      EXPECT_EQ(j["vocabulary"]["bos"]["text"], tokens->strings()[static_cast<size_t>(bos)]);
    }
    EXPECT_EQ(j["chat_template"]["present"], f->has("tokenizer.chat_template"));
  }
}

TEST_F(InfoCommand, ShowsArchitectureSpecificHyperparameters) {
  struct Case {
    const char* file;
    std::vector<const char*> lines;
  };
  const std::vector<Case> cases = {
      {"models/synthetic/cpt-llama-moe.gguf",
       {"  experts:                 4\n", "  experts used per token:  2\n"}},
      {"models/synthetic/cpt-gemma2.gguf",
       {"  sliding window:          8\n", "  head dim (K):            64\n",
        "  final logit softcap:     15\n"}},
      {"models/synthetic/synth-bert.gguf",
       {"  pooling type:            1 (mean)\n", "  causal attention:        false\n",
        "  KV heads:                4 (same as attention heads)\n",
        "  CLS:                     101 \"[CLS]\"\n"}},
      {"models/synthetic/cpt-llama-gqa-Q4_K_M.gguf",
       {"file type:                 Q4_K_M (general.file_type = 15)\n",
        "  count:                   21 (F32 5, Q4_K 13, Q6_K 3)\n"}},
      {"models/stories260K.gguf", {"  SEP:                     none\n"}},
      {"vocab/ggml-vocab-gpt-2.gguf",
       {"  count:                   0 (a vocabulary-only file)\n",
        "  merges:                  50,000\n"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = testing::testdata_path(c.file);
    EDGELLM_REQUIRE_FILE(path);
    const CommandResult r = info({"-m", path});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line : c.lines) {
      EXPECT_NE(r.out.find(line), std::string::npos) << "missing: " << line << "\n" << r.out;
    }
  }
}

TEST_F(InfoCommand, ListsTensorsAndMetadataOnRequest) {
  const std::string path = testing::testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(path);
  auto f = File::open(path);
  ASSERT_TRUE(f.ok());
  const CommandResult text = info({"-m", path, "--tensors", "--metadata"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const TensorInfo& t : f->tensors()) {
    EXPECT_NE(text.out.find(t.name + " "), std::string::npos) << t.name;
  }
  for (const auto& [key, value] : f->metadata()) {
    EXPECT_NE(text.out.find(key + " "), std::string::npos) << key;
  }
  const CommandResult js = info({"-m", path, "--json", "--tensors", "--metadata"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const json j = json::parse(js.out);
  ASSERT_EQ(j["tensor_list"].size(), f->tensors().size());
  EXPECT_EQ(j["tensor_list"][0]["name"], f->tensors()[0].name);
  EXPECT_EQ(j["tensor_list"][0]["shape"], f->tensors()[0].ne);
  EXPECT_EQ(j["metadata"].size(), f->metadata().size());
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"]["value"].size(), 512u);
  EXPECT_EQ(j["metadata"]["llama.attention.layer_norm_rms_epsilon"]["value"], 1e-05);
}

TEST_F(InfoCommand, HostileStringsStayOnTheirLineAndJsonStaysValid) {
  testing::TempDir dir;
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  w.set("general.name", Value::string("evil\nname\x1b[31m \xff\xfe"));
  w.set("llama.block_count", Value::u32(1));
  w.set("tokenizer.ggml.tokens", Value::string_array({"a\nb", "\xc3"}));
  w.set("tokenizer.ggml.bos_token_id", Value::u32(0));
  w.set("tokenizer.ggml.eos_token_id", Value::u32(7));  // outside the vocabulary
  const std::string path = dir.file("evil.gguf");
  ASSERT_TRUE(w.write(path).ok());
  const CommandResult r = info({"-m", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("name:                      evil\\nname\\x1b[31m"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  BOS:                     0 \"a\\nb\"\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  EOS:                     7 (not in the vocabulary)\n"),
            std::string::npos);
  const CommandResult js = info({"-m", path, "--json", "--metadata"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  const json j = json::parse(js.out);  // throws (failing the test) on invalid JSON
  EXPECT_EQ(j["vocabulary"]["bos"]["text"], "a\nb");
}

TEST_F(InfoCommand, MissingFileIsOneErrorLine) {
  expect_one_line_error(info({"-m", "/nonexistent/model.gguf"}), "/nonexistent/model.gguf");
}

TEST_F(InfoCommand, NonGgufFilesAreOneErrorLine) {
  testing::TempDir dir;
  const std::string text = dir.file("notes.txt");
  ASSERT_TRUE(write_file_atomic(text, "hello\nworld\n", 12).ok());
  expect_one_line_error(info({"-m", text}), "not a GGUF file");
  const std::string empty = dir.file("empty.gguf");
  ASSERT_TRUE(write_file_atomic(empty, "", 0).ok());
  expect_one_line_error(info({"-m", empty}), "not a GGUF file");
  expect_one_line_error(info({"-m", dir.path()}), "not a regular file");
}

TEST_F(InfoCommand, TruncatedModelsAreOneErrorLineNamingWhatWasCut) {
  const std::string path = testing::testdata_path("models/stories260K.gguf");
  EDGELLM_REQUIRE_FILE(path);
  const std::string bytes = testing::read_file_or_die(path);
  auto f = File::open(path);
  ASSERT_TRUE(f.ok());
  testing::TempDir dir;
  struct Cut {
    size_t length;
    std::string needle;
  };
  const TensorInfo& last = f->tensors().back();
  const std::vector<Cut> cuts = {
      {10, "header"},
      {100, "metadata key 'tokenizer.ggml.tokens'"},
      {f->data_offset() - 40, "tensor '"},
      {f->data_offset() + last.offset + 5, "tensor '" + last.name + "'"},
  };
  for (const Cut& c : cuts) {
    SCOPED_TRACE(c.length);
    const std::string cut_path = dir.file("cut.gguf");
    ASSERT_TRUE(write_file_atomic(cut_path, bytes.data(), c.length).ok());
    const CommandResult r = info({"-m", cut_path});
    expect_one_line_error(r, c.needle);
    EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  }
}

TEST_F(InfoCommand, CorruptedModelIsOneErrorLineNamingTheTensor) {
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  ASSERT_TRUE(
      w.add_tensor("blk.0.ffn_up.weight", TensorType::F32, {2}, std::vector<uint8_t>(8)).ok());
  auto bytes = w.to_bytes();
  ASSERT_TRUE(bytes.ok());
  std::string b = *bytes;
  // The tensor type field sits 12 bytes before the offset field that ends the tensor info.
  const size_t name_at = b.find("blk.0.ffn_up.weight");
  const size_t type_at = name_at + 19 + 4 + 8;
  b[type_at] = 99;
  testing::TempDir dir;
  const std::string path = dir.file("corrupt.gguf");
  ASSERT_TRUE(write_file_atomic(path, b.data(), b.size()).ok());
  expect_one_line_error(info({"-m", path}),
                        "tensor 'blk.0.ffn_up.weight' has unknown tensor type 99");
}

TEST_F(InfoCommand, UsageErrorsExitWith2) {
  EXPECT_EQ(info({}).exit_code, 2);
  EXPECT_EQ(info({"-m"}).exit_code, 2);
  EXPECT_EQ(info({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace edgellm::gguf
