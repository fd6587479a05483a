// edgellm: the command line entry point. Dispatches `edgellm NAME ...` to a registered command.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "command.h"

namespace edgellm::cli {

std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}

int parse_args(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun '%s --help' for usage.\n", e.what(), app.get_name().c_str());
    return 2;
  }
  return -1;
}

int fail(const std::string& message) {
  std::string line = message;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::fprintf(stderr, "error: %s\n", line.c_str());
  return 1;
}

}  // namespace edgellm::cli

namespace {

void print_usage() {
  auto commands = edgellm::cli::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
  std::printf("edgellm: run large language models on edge devices, offline.\n\n");
  std::printf("Usage: edgellm COMMAND [OPTIONS]\n\nCommands:\n");
  for (const auto& c : commands) std::printf("  %-12s %s\n", c.name, c.summary);
  std::printf("\nRun 'edgellm COMMAND --help' for the options of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("edgellm 0.1.0\n");
    return 0;
  }
  for (const auto& c : edgellm::cli::command_registry()) {
    if (std::strcmp(argv[1], c.name) == 0) {
      std::string name = std::string("edgellm ") + c.name;
      argv[1] = name.data();
      return c.run(argc - 1, argv + 1);
    }
  }
  std::fprintf(stderr, "error: unknown command '%s'. Run 'edgellm --help' for the list.\n", argv[1]);
  return 2;
}
