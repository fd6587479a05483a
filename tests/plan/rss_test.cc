// Honesty: the predicted peak (`edgellm plan`) is within 5% or 16 MiB of the peak resident memory
// of really running the model with the same settings, measured from outside the process
// (wait4's ru_maxrss, the child's VmHWM). Models: the shared test models, and synth presets up to
// 1B parameters written to a temporary directory.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/testdata.h"
#include "plan/size.h"
#include "synth/synth.h"

namespace edgellm::testing {
namespace {

struct Measured {
  int exit_code = -1;
  uint64_t peak_rss = 0;  // bytes
};

// Runs argv with stdout and stderr sent to files in `dir`, and returns its exit code and peak RSS.
Measured run_measured(const std::vector<std::string>& argv, const TempDir& dir) {
  Measured m;
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) _exit(127);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid < 0) return m;
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid) return m;
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.peak_rss = static_cast<uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
  return m;
}

bool has_run_command() { return run_command({edgellm_bin(), "run", "--help"}).exit_code == 0; }

// Runs the model for a short prompt and 4 generated tokens at context `n_ctx` with 2 threads,
// and compares the peak RSS with the plan for the same settings.
void check_model(const std::string& path, int64_t n_ctx) {
  SCOPED_TRACE(path);
  TempDir dir;
  const std::string ctx = std::to_string(n_ctx);
  std::vector<std::string> argv;
  if (has_run_command()) {
    argv = {edgellm_bin(), "run", "-m", path, "-p", "Once upon a time",
            "-n",          "4",   "-c", ctx,  "-t", "2"};
  } else {
    argv = {edgellm_bin(), "logits", "-m", path, "-p", "Once upon a time", "--greedy", "4", "--top",
            "3",           "-c",     ctx,  "-t", "2"};
  }
  const Measured m = run_measured(argv, dir);
  ASSERT_EQ(m.exit_code, 0) << read_file_or_die(dir.file("stderr"));
  ASSERT_GT(m.peak_rss, 0u);

  CommandResult plan =
      run_command({edgellm_bin(), "plan", "-m", path, "-c", ctx, "-t", "2", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  const nlohmann::json j = nlohmann::json::parse(plan.out);
  const uint64_t predicted = j["total_bytes"].get<uint64_t>();
  const double diff = static_cast<double>(predicted) - static_cast<double>(m.peak_rss);
  const double tolerance = std::max(0.05 * static_cast<double>(m.peak_rss), 16.0 * (1 << 20));
  std::printf("  %-40s predicted %10s  measured %10s  %+6.2f%%\n",
              path.substr(path.find_last_of('/') + 1).c_str(),
              plan::format_bytes(predicted).c_str(), plan::format_bytes(m.peak_rss).c_str(),
              100.0 * diff / static_cast<double>(m.peak_rss));
  EXPECT_LE(std::abs(diff), tolerance)
      << "predicted " << predicted << " bytes, measured peak RSS " << m.peak_rss << " bytes";
}


TEST(PlanHonesty, SharedModels) {
  EDGELLM_REQUIRE_BINARY();
  std::vector<std::string> files = list_testdata("models/synthetic", ".gguf");
  for (const char* f : {"models/stories260K.gguf", "models/kjv-chat-7m-f16.gguf"}) {
    if (file_exists(testdata_path(f))) files.push_back(testdata_path(f));
  }
  if (files.empty()) GTEST_SKIP() << "no models in " << testdata_dir();
  for (const std::string& f : files) {
    if (f.find("bert") != std::string::npos) continue;  // an encoder: nothing to generate
    check_model(f, 256);
  }
}

TEST(PlanHonesty, SynthPresetsUpTo1B) {
  EDGELLM_REQUIRE_BINARY();
  TempDir dir;
  for (const char* name : {"smollm2-135m", "llama-3.2-1b"}) {
    const synth::Preset* preset = synth::find_preset(name);
    ASSERT_NE(preset, nullptr) << name;
    const std::string path = dir.file(std::string(name) + "-Q4_K_M.gguf");
    auto written = synth::write_synthetic_model(*preset, path, {quant::Recipe::Q4_K_M, 1});
    ASSERT_TRUE(written.ok()) << written.status().message();
    check_model(path, 1024);
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace edgellm::testing
