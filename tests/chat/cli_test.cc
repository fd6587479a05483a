// End-to-end tests of `edgellm template`: exact output with no trailing newline, variables from
// the input file, tools, raise_exception and syntax errors as one-line errors with exit code 1,
// and usage errors with exit code 2.
#include <gtest/gtest.h>

#include <fstream>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {


void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

bool one_error_line(const std::string& err) {
  return err.rfind("error: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

const char* kInput = R"({
  "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi \u00e9"}],
  "add_generation_prompt": true,
  "bos_token": "<s>",
  "eos_token": "</s>",
  "enable_thinking": false
})";

TEST(TemplateCommand, PrintsTheRenderExactly) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  write_file(
      dir.file("t.jinja"),
      "{{ bos_token }}\n{% for m in messages %}\n<|{{ m.role }}|>{{ m.content }}{{ eos_token }}\n"
      "{% endfor %}\n{% if add_generation_prompt %}<|assistant|>{% endif %}"
      "{% if enable_thinking is false %}<think></think>{% endif %}{{ tools }}\n");
  write_file(dir.file("in.json"), kInput);
  auto r = run_command(
      {edgellm_bin(), "template", "-t", dir.file("t.jinja"), "-i", dir.file("in.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "<s>\n<|system|>Be brief.</s>\n<|user|>Hi \xc3\xa9</s>\n<|assistant|><think></think>None");
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(TemplateCommand, PassesToolsInOrder) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  write_file(dir.file("t.jinja"), "{{ tools | tojson }}");
  write_file(
      dir.file("in.json"),
      R"({"messages": [], "tools": [{"type": "function", "function": {"name": "f", "b": 1, "a": 2}}]})");
  auto r = run_command(
      {edgellm_bin(), "template", "-t", dir.file("t.jinja"), "-i", dir.file("in.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"([{"type": "function", "function": {"name": "f", "b": 1, "a": 2}}])");
}

TEST(TemplateCommand, TemplateErrorsExitOne) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  write_file(dir.file("in.json"), kInput);
  write_file(dir.file("raise.jinja"), "{{ raise_exception('System role not supported') }}");
  auto r = run_command(
      {edgellm_bin(), "template", "-t", dir.file("raise.jinja"), "-i", dir.file("in.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(one_error_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("System role not supported"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  write_file(dir.file("bad.jinja"), "ok\n{% if %}");
  auto s = run_command(
      {edgellm_bin(), "template", "-t", dir.file("bad.jinja"), "-i", dir.file("in.json")});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_TRUE(one_error_line(s.err)) << s.err;
  EXPECT_NE(s.err.find("line 2, column 7"), std::string::npos) << s.err;

  write_file(dir.file("ok.jinja"), "x");
  write_file(dir.file("bad.json"), "[1, 2");
  auto j = run_command(
      {edgellm_bin(), "template", "-t", dir.file("ok.jinja"), "-i", dir.file("bad.json")});
  EXPECT_EQ(j.exit_code, 1);
  EXPECT_TRUE(one_error_line(j.err)) << j.err;
  auto m = run_command(
      {edgellm_bin(), "template", "-t", dir.file("missing.jinja"), "-i", dir.file("in.json")});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_TRUE(one_error_line(m.err)) << m.err;
}

TEST(TemplateCommand, UsageErrorsExitTwo) {
  EDGELLM_REQUIRE_BINARY();
  auto r = run_command({edgellm_bin(), "template", "-t", "x.jinja"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto h = run_command({edgellm_bin(), "template", "--help"});
  EXPECT_EQ(h.exit_code, 0);
}

}  // namespace
}  // namespace edgellm::testing
