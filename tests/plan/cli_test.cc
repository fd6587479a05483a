// End-to-end tests of `edgellm plan` (files, presets, estimates, devices, --recommend, JSON) and
// of --memory-limit refusing a model before loading it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/testdata.h"

namespace edgellm::testing {
namespace {

const char* kKjv = "models/kjv-chat-7m-f16.gguf";


bool one_error_line(const std::string& err) {
  return err.rfind("error: ", 0) == 0 && err.find('\n') == err.size() - 1;
}

nlohmann::json plan_json(std::vector<std::string> args) {
  args.insert(args.begin(), {edgellm_bin(), "plan"});
  args.push_back("--json");
  CommandResult r = run_command(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json::object();
  return nlohmann::json::parse(r.out);
}

TEST(PlanCommand, FileJsonHasThePlanAndVerdict) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path(kKjv);
  EDGELLM_REQUIRE_FILE(model);
  nlohmann::json j = plan_json({"-m", model, "-c", "256", "--memory", "1GiB"});
  for (const char* key :
       {"weights_bytes", "kv_bytes", "compute_bytes", "overhead_bytes", "total_bytes", "fits",
        "max_ctx", "margin_bytes", "memory_bytes", "device", "layers", "quant_options"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["weights_bytes"].get<uint64_t>(), 13644800u);  // F16 tensor data of the file
  EXPECT_EQ(j["n_ctx"], 256);
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["memory_bytes"], 1u << 30);
  EXPECT_EQ(j["max_ctx"], 512);  // the training context: memory allows more

  nlohmann::json small = plan_json({"-m", model, "-c", "256", "--memory", "10MiB"});
  EXPECT_FALSE(small["fits"].get<bool>());
  EXPECT_LT(small["margin_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(small["max_ctx"], 0);

  CommandResult text = run_command({edgellm_bin(), "plan", "-m", model, "--memory", "10MiB"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("DOES NOT FIT"), std::string::npos) << text.out;
}

TEST(PlanCommand, ParamsEstimateCountsGroupedQueryAttention) {
  EDGELLM_REQUIRE_BINARY();
  nlohmann::json j = plan_json({"--params", "8B", "--bits", "4", "-c", "4096", "--layers", "32",
                                "--kv-heads", "8", "--head-dim", "128"});
  // 32 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes x 4096 = 512 MiB, not the naive 2 GiB.
  EXPECT_EQ(j["kv_bytes"].get<uint64_t>(), 512u << 20);
  EXPECT_EQ(j["weights_bytes"].get<uint64_t>(), 4000000000u);
  EXPECT_TRUE(j["estimated"].get<bool>());
  for (const char* n : {"1.5B", "135M", "8e9", "70b"}) {
    CommandResult r = run_command({edgellm_bin(), "plan", "--params", n, "--layers", "24",
                                   "--kv-heads", "2", "--head-dim", "64"});
    EXPECT_EQ(r.exit_code, 0) << n << ": " << r.err;
  }
  CommandResult bad = run_command({edgellm_bin(), "plan", "--params", "8X", "--layers", "32",
                                   "--kv-heads", "8", "--head-dim", "128"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(one_error_line(bad.err)) << bad.err;
  EXPECT_NE(bad.err.find("'8X'"), std::string::npos) << bad.err;
  CommandResult missing = run_command({edgellm_bin(), "plan", "--params", "8B"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("--layers"), std::string::npos) << missing.err;
}

TEST(PlanCommand, SynthPresetOnADevice) {
  EDGELLM_REQUIRE_BINARY();
  nlohmann::json j = plan_json({"--synth", "llama-3.2-1b:Q4_K_M", "--device", "rpi5-8gb"});
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["device"]["name"], "rpi5-8gb");
  EXPECT_EQ(j["n_threads"], 4);  // the device's cores
  EXPECT_EQ(j["max_ctx"], 131072);
  EXPECT_GT(j["speed"]["tokens_per_s"].get<double>(), 1.0);
  EXPECT_EQ(j["layers"].size(), 16u);

  CommandResult bad = run_command({edgellm_bin(), "plan", "--synth", "gpt-5"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("smollm2-135m"), std::string::npos) << bad.err;
  CommandResult bad_type = run_command({edgellm_bin(), "plan", "--synth", "smollm2-135m:Q9"});
  EXPECT_EQ(bad_type.exit_code, 1);
  EXPECT_NE(bad_type.err.find("Q4_K_M"), std::string::npos) << bad_type.err;
  CommandResult bad_device =
      run_command({edgellm_bin(), "plan", "--synth", "smollm2-135m", "--device", "toaster"});
  EXPECT_EQ(bad_device.exit_code, 1);
  EXPECT_TRUE(one_error_line(bad_device.err)) << bad_device.err;
}

TEST(PlanCommand, RecommendListsWhatFits) {
  EDGELLM_REQUIRE_BINARY();
  nlohmann::json j = plan_json({"--recommend", "--device", "rpi5-8gb", "-c", "4096"});
  ASSERT_TRUE(j["models"].is_array());
  bool small_fits = false, phi_f16_fits = true;
  for (const auto& m : j["models"]) {
    if (m["model"] == "smollm2-135m" && m["type"] == "Q4_K_M") small_fits = m["fits"].get<bool>();
    if (m["model"] == "phi-3-mini" && m["type"] == "F16") phi_f16_fits = m["fits"].get<bool>();
    if (m["fits"].get<bool>()) {
      EXPECT_GE(m["max_ctx"].get<int64_t>(), std::min<int64_t>(4096, m["n_ctx_train"])) << m.dump();
    }
  }
  EXPECT_TRUE(small_fits);
  EXPECT_FALSE(phi_f16_fits);  // 7.6 GB of weights in 7.5 GiB
  CommandResult text =
      run_command({edgellm_bin(), "plan", "--recommend", "--device", "mobile-4gb"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("tok/s"), std::string::npos) << text.out;
  CommandResult no_device = run_command({edgellm_bin(), "plan", "--recommend"});
  EXPECT_EQ(no_device.exit_code, 2);
}

TEST(PlanCommand, MalformedDeviceFileIsAnErrorNamingFileAndField) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  const std::string path = dir.file("devices.json");
  std::ofstream(path) << R"({"devices": [{"name": "board", "memory": "8 lots"}]})";
  ::setenv("EDGELLM_DEVICES", path.c_str(), 1);
  CommandResult r =
      run_command({edgellm_bin(), "plan", "--synth", "smollm2-135m", "--device", "board"});
  std::ofstream(path) << R"({"devices": [{"name": "board", "memory": "8GiB", "cores": 2}]})";
  CommandResult ok = run_command(
      {edgellm_bin(), "plan", "--synth", "smollm2-135m", "--device", "board", "--json"});
  ::unsetenv("EDGELLM_DEVICES");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(one_error_line(r.err)) << r.err;
  EXPECT_NE(r.err.find(path + ": devices[0].memory"), std::string::npos) << r.err;
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["memory_bytes"], 8ull << 30);
}

TEST(PlanCommand, ListsDevices) {
  EDGELLM_REQUIRE_BINARY();
  CommandResult r = run_command({edgellm_bin(), "plan", "--list-devices", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(nlohmann::json::parse(r.out).size(), 7u);
}

// `run` when the lead's command exists, else `logits`: both take --memory-limit.
std::vector<std::string> run_argv(const std::string& model) {
  if (run_command({edgellm_bin(), "run", "--help"}).exit_code == 0) {
    return {edgellm_bin(), "run", "-m", model, "-p", "In the beginning", "-n", "2", "-c", "256"};
  }
  return {edgellm_bin(), "logits", "-m", model, "-p", "In the beginning", "-c", "256"};
}

TEST(MemoryLimit, RefusesBeforeLoadingWithThePlan) {
  EDGELLM_REQUIRE_BINARY();
  const std::string model = testdata_path(kKjv);
  EDGELLM_REQUIRE_FILE(model);
  std::vector<std::string> argv = run_argv(model);
  argv.insert(argv.end(), {"--memory-limit", "8MiB"});
  CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(one_error_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("memory limit of 8.00 MiB"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("weights 13.0 MiB"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  argv = run_argv(model);
  argv.insert(argv.end(), {"--memory-limit", "1GiB"});
  CommandResult fine = run_command(argv);
  EXPECT_EQ(fine.exit_code, 0) << fine.err;

  argv = run_argv(model);
  argv.insert(argv.end(), {"--memory-limit", "lots"});
  CommandResult bad = run_command(argv);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--memory-limit"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace edgellm::testing
