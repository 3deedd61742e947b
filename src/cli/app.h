// The command-line application: global options, the command table and dispatch.
// Only cli/ prints user-facing messages and chooses exit codes (DESIGN.md §4).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace CLI {
class App;
}

namespace sci::cli {

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPartial = 3;
inline constexpr int kExitInterrupted = 130;

struct Context {
  config::Config config;
  std::string program = "scientist";
};

struct Command {
  std::string name;     // may contain a space for sub-commands, e.g. "llm chat"
  std::string summary;  // one line for `scientist help`
  // Parses `args` (everything after the command name) and runs. Returns an exit code.
  int (*run)(Context& ctx, std::vector<std::string> args);
};

// The command table, in help order (command_table.cpp).
const std::vector<Command>& commands();

// main(): global flags (--config, --log-level, --version, --help), then dispatch.
int run_main(int argc, char** argv);

// Prints `error` as "scientist: <message>" and returns the exit code for its code:
// kInvalidArgument -> 2, kCancelled -> 130, others -> 1.
int report_error(const Error& error);

// Parses `args` with a CLI11 app built by the command; maps CLI11 errors to exit 2
// with a one-line message. Returns -1 when parsing succeeded and the command should
// continue, otherwise the exit code to return (0 after --help).
int parse_args(CLI::App& app, std::vector<std::string> args);

// Adds "--flag VALUE" to `app` that sets config key `key` with flag precedence.
void bind_config_flag(CLI::App& app, Context& ctx, const std::string& flag, const std::string& key,
                      const std::string& help);

}  // namespace sci::cli
