// Subcommand registry for the edgellm CLI. Each cmd_*.cc file registers itself with a static
// CommandRegistration, so adding a command touches no other file.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace edgellm::cli {

struct Command {
  const char* name;
  const char* summary;
  // Runs the command. argv[0] is "edgellm NAME". Returns the process exit code.
  int (*run)(int argc, char** argv);
};

std::vector<Command>& command_registry();

struct CommandRegistration {
  CommandRegistration(const char* name, const char* summary, int (*run)(int, char**)) {
    command_registry().push_back(Command{name, summary, run});
  }
};

// Parses argv with CLI11. Returns -1 when the command should go on; otherwise the exit code to
// return (0 after --help, 2 after a usage error, with the message printed to stderr).
int parse_args(CLI::App& app, int argc, char** argv);

// Prints "error: MESSAGE" to stderr as one line and returns 1.
int fail(const std::string& message);

}  // namespace edgellm::cli
