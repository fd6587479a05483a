// Test helpers: where the shared test data and the built binaries are, and running a command.
//
// Shared data lives in ../shared beside the checkout; EDGELLM_TESTDATA points elsewhere. Tests that
// need a file call EDGELLM_REQUIRE_FILE, which skips the test with a visible message when absent.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace edgellm::testing {

// The shared test data directory (EDGELLM_TESTDATA, else ../shared beside the source tree).
std::string testdata_dir();
// testdata_dir() + "/" + rel.
std::string testdata_path(const std::string& rel);
bool file_exists(const std::string& path);
// Files in testdata_dir()/rel_dir whose names end with `suffix`, sorted; empty if the dir is absent.
std::vector<std::string> list_testdata(const std::string& rel_dir, const std::string& suffix);

// The directory holding the built executables (EDGELLM_BIN, else build/bin).
std::string bin_dir();
std::string edgellm_bin();

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};
// Runs argv[0] with the given arguments (no shell), feeding `stdin_data`, with a timeout.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                          int timeout_s = 300);

std::string read_file_or_die(const std::string& path);

}  // namespace edgellm::testing

// Skips the current test when `path` does not exist, saying which file was missing.
#define EDGELLM_REQUIRE_FILE(path)                                                          \
  do {                                                                                      \
    if (!::edgellm::testing::file_exists(path)) {                                           \
      GTEST_SKIP() << "test data not found: " << (path)                                     \
                   << " (set EDGELLM_TESTDATA to the shared data directory)";               \
    }                                                                                       \
  } while (0)

// Skips the current test when the edgellm binary has not been built.
#define EDGELLM_REQUIRE_BINARY()                                                             \
  do {                                                                                       \
    if (!::edgellm::testing::file_exists(::edgellm::testing::edgellm_bin())) {               \
      GTEST_SKIP() << "not built: " << ::edgellm::testing::edgellm_bin();                    \
    }                                                                                        \
  } while (0)
