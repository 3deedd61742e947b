// run_scientist; see cli_runner.h. Uses run_capture (process group, hard timeout).
#include "support/cli_runner.h"

#include "proc/run_capture.h"
#include "support/test_paths.h"

namespace sci::testing {

namespace {

// `[PREFIX...] env -C DIR K=V ... scientist ARGS` keeps these helpers free of fork/exec code.
CliResult run_with_prefix(std::vector<std::string> argv, const std::vector<std::string>& args,
                          const std::filesystem::path& cwd, const std::vector<std::string>& env, int timeout_s) {
  argv.push_back("env");
  if (!cwd.empty()) {
    argv.push_back("-C");
    argv.push_back(cwd.string());
  }
  for (const auto& e : env) argv.push_back(e);
  argv.push_back(binary_path().string());
  argv.insert(argv.end(), args.begin(), args.end());
  CliResult out;
  auto r = proc::run_capture(argv, std::chrono::seconds(timeout_s));
  if (!r.ok()) {
    out.output = r.error().to_string();
    return out;
  }
  out.exit_code = r->timed_out ? 124 : r->exit_code;
  out.output = r->output;
  return out;
}

}  // namespace

CliResult run_scientist(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                        const std::vector<std::string>& env, int timeout_s) {
  return run_with_prefix({}, args, cwd, env, timeout_s);
}

CliResult run_scientist_memory_limited(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                                       const std::vector<std::string>& env, std::size_t max_address_space_bytes,
                                       int timeout_s) {
  return run_with_prefix({"prlimit", "--as=" + std::to_string(max_address_space_bytes), "--"}, args, cwd, env,
                         timeout_s);
}

}  // namespace sci::testing
