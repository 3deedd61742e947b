// Running one experiment attempt with the run semantics scientist guarantees:
// snapshot experiment.py to run_i.py, run the manifest's command in the sandbox from
// the idea directory, keep failed attempts under attempts/run_i.k/ (never in run_i/),
// validate run_i/final_info.json, record run_i/environment.json, check protected files.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::experiment {

enum class RunStatus {
  kSucceeded,
  kFailed,          // non-zero exit or crash
  kTimedOut,
  kOutputLimit,     // stdout/stderr over the cap
  kQuotaExceeded,   // disk watchdog killed it
  kTampered,        // a protected file changed
  kBadResults,      // exited 0 but final_info.json missing or malformed
  kCudaOom,         // CUDA out of memory (clear message for the model and user)
};
const char* run_status_name(RunStatus s);

struct RunRequest {
  std::filesystem::path idea_dir;
  int run_index = 1;  // run_<i>; 0 is the baseline
  int attempt = 1;    // 1-based; failed attempts go to attempts/run_<i>.<attempt>/
  int timeout_s = 0;  // 0 = manifest's run_timeout_s
  std::vector<std::string> gpus;  // CUDA_VISIBLE_DEVICES; empty = CPU only
  std::vector<int> cpu_ids;       // CPUs the run is pinned to; empty = not pinned
  const std::atomic<bool>* cancel = nullptr;
};

struct RunResult {
  RunStatus status = RunStatus::kFailed;
  int exit_code = 0;
  std::string stderr_tail;            // for the model's feedback
  std::string message;                // one line for people: "timed out after 7200 s"
  templates::FinalInfo results;       // when kSucceeded
  std::filesystem::path run_dir;      // run_<i>/ (success) or attempts/run_<i>.<k>/
  std::string sandbox_level;          // "strict", "degraded", "none"
  double wall_s = 0;
};

class RunExecutor {
 public:
  virtual ~RunExecutor() = default;
  // Errors only when the attempt could not be started (sandbox unavailable under
  // --sandbox strict, interpreter missing, I/O); a failing experiment is a RunResult.
  virtual Result<RunResult> run(const templates::Manifest& manifest, const RunRequest& request) = 0;
};

}  // namespace sci::experiment
