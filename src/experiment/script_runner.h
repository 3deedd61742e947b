// ScriptRunner: runs a template command other than the experiment (plot.py) in the
// idea directory under the same sandbox rules as the runs: timeout, rlimits (CPU time
// at least cores x wall timeout), disk quota, no network, protected files checked.
// The plot stage codes against the interface; tests script it with a fake.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "experiment/local_run_executor.h"
#include "templates/manifest.h"

namespace sci::experiment {

enum class ScriptStatus { kSucceeded, kFailed, kTimedOut, kOutputLimit, kQuotaExceeded, kTampered };
const char* script_status_name(ScriptStatus s);  // "succeeded", "failed", "timed_out", ...

struct ScriptRequest {
  std::filesystem::path idea_dir;  // absolute; the working directory
  std::vector<std::string> argv;   // already expanded (templates::expand_command)
  int timeout_s = 600;
  std::filesystem::path log_dir;   // stdout.txt / stderr.txt go here (created)
  std::vector<int> cpu_ids;        // CPUs the script is pinned to; empty = not pinned
  const std::atomic<bool>* cancel = nullptr;
};

struct ScriptResult {
  ScriptStatus status = ScriptStatus::kFailed;
  int exit_code = 0;
  std::string stdout_tail;
  std::string stderr_tail;
  std::string message;        // one line: "exit code 1", "timed out after 600 s"
  std::string sandbox_level;  // "strict", "degraded", "none", "fake"
  double wall_s = 0;
};

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  // Errors only when the command could not be started (sandbox unavailable, no
  // interpreter, I/O) or was cancelled (kCancelled); a failing script is a ScriptResult.
  virtual Result<ScriptResult> run(const templates::Manifest& manifest, const ScriptRequest& request) = 0;
};

// The real runner on proc::Sandbox with the same options (and seams) as the run
// executor. Fixes the sandbox level now: kUnavailable / kInvalidArgument as
// make_local_run_executor.
Result<std::unique_ptr<ScriptRunner>> make_sandbox_script_runner(const LocalRunExecutorOptions& options);

}  // namespace sci::experiment
