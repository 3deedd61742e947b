// Runs the built scientist binary for integration/e2e tests and captures its output.
#pragma once

#include <cstddef>
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

// run_scientist with the binary's address space capped at `max_address_space_bytes`
// (`prlimit --as`), for inputs that once made it allocate without bound: such a run now
// dies of the limit (a signal, exit_code -1) instead of taking the machine's memory.
CliResult run_scientist_memory_limited(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                                       const std::vector<std::string>& env, std::size_t max_address_space_bytes,
                                       int timeout_s);

}  // namespace sci::testing
