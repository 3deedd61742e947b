// Runs the built scientist binary for integration/e2e tests and captures its output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sci::testing {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};

// Runs `scientist ARGS...` in `cwd` with a hard timeout (the test fails rather than hangs).
// `env` entries ("K=V") are added to the environment.
CliResult run_scientist(const std::vector<std::string>& args, const std::filesystem::path& cwd = {},
                        const std::vector<std::string>& env = {}, int timeout_s = 300);

}  // namespace sci::testing
