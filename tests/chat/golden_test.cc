// Conformance: every case of every chat-template render in golden/chat (Jinja2 configured as
// transformers configures it) must match exactly, or be an error where the reference raised.
// Prints per-file pass counts.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "chat/chat_format.h"
#include "chat/template.h"
#include "common/testdata.h"

namespace edgellm::chat {
namespace {

using nlohmann::ordered_json;

struct Outcome {
  bool ok;
  std::string text;
};

// Renders one case; `tools_undefined` leaves the tools variable out entirely.
Outcome render_case(const Template& t, const ordered_json& c, bool tools_undefined) {
  RenderOptions opt;
  opt.strftime_date = "2026-01-15";
  const ordered_json extra = c.value("kwargs", ordered_json::object());
  Result<std::string> r = std::string();
  if (tools_undefined) {
    ordered_json ctx = ordered_json::object();
    ctx["messages"] = c["messages"];
    ctx["documents"] = nullptr;
    ctx["add_generation_prompt"] = c.value("add_generation_prompt", false);
    ctx["bos_token"] = c.value("bos_token", "");
    ctx["eos_token"] = c.value("eos_token", "");
    for (auto it = extra.begin(); it != extra.end(); ++it) ctx[it.key()] = it.value();
    r = t.render(ctx, opt);
  } else {
    const ordered_json* tools =
        c.contains("tools") && !c["tools"].is_null() ? &c["tools"] : nullptr;
    r = apply_chat_template(t, c["messages"], c.value("add_generation_prompt", false),
                            c.value("bos_token", ""), c.value("eos_token", ""), tools, extra, opt);
  }
  if (!r.ok()) return {false, r.status().message()};
  return {true, *r};
}

TEST(ChatGolden, AllTemplatesRenderLikeTransformers) {
  const std::vector<std::string> files = testing::list_testdata("golden/chat", ".json");
  if (files.empty()) {
    GTEST_SKIP() << "test data not found: " << testing::testdata_path("golden/chat")
                 << " (set EDGELLM_TESTDATA to the shared data directory)";
  }
  int total = 0, passed = 0;
  for (const std::string& path : files) {
    std::ifstream in(path);
    const ordered_json doc = ordered_json::parse(in);
    const std::string name = path.substr(path.rfind('/') + 1);
    auto t = Template::parse(doc["template"].get<std::string>());
    int file_total = 0, file_passed = 0;
    for (const auto& c : doc["cases"]) {
      ++file_total;
      if (!t.ok()) {
        ADD_FAILURE() << name << ": parse failed: " << t.status().message();
        continue;
      }
      bool good = true;
      const Outcome o = render_case(*t, c, false);
      if (c.value("error", false)) {
        if (o.ok) {
          good = false;
          ADD_FAILURE() << name << " / " << c["name"].get<std::string>() << ": expected an error ("
                        << c.value("message", "") << "), got:\n"
                        << o.text;
        }
      } else if (!o.ok || o.text != c["expected"].get<std::string>()) {
        good = false;
        ADD_FAILURE() << name << " / " << c["name"].get<std::string>() << ":\n"
                      << (o.ok ? "got:\n" + o.text : "error: " + o.text) << "\nexpected:\n"
                      << c["expected"].get<std::string>();
      }
      if (c.contains("expected_if_tools_undefined") || c.contains("error_if_tools_undefined")) {
        const Outcome u = render_case(*t, c, true);
        if (c.contains("expected_if_tools_undefined") &&
            !c["expected_if_tools_undefined"].is_null()) {
          if (!u.ok || u.text != c["expected_if_tools_undefined"].get<std::string>()) {
            good = false;
            ADD_FAILURE() << name << " / " << c["name"].get<std::string>()
                          << " (tools undefined):\n"
                          << (u.ok ? u.text : "error: " + u.text);
          }
        } else if (c.value("error_if_tools_undefined", false) && u.ok) {
          good = false;
          ADD_FAILURE() << name << " / " << c["name"].get<std::string>()
                        << " (tools undefined): expected an error";
        }
      }
      file_passed += good;
    }
    std::printf("[ golden ] %-55s %2d / %2d\n", name.c_str(), file_passed, file_total);
    total += file_total;
    passed += file_passed;
  }
  std::printf("[ golden ] total %d / %d cases\n", passed, total);
  EXPECT_EQ(passed, total);
}

}  // namespace
}  // namespace edgellm::chat
