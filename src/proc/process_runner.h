// ProcessRunner: runs one command (argv, never a shell string) in its own process
// group with captured, size-capped output and an enforced wall-clock timeout.
// The sandbox (sandbox.h) builds on it; tests use FakeProcessRunner.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::proc {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] resolved via PATH when it has no '/'
  std::filesystem::path cwd;
  std::map<std::string, std::string> env;  // the complete environment (allow-list applied by caller)
  std::chrono::milliseconds timeout{0};    // 0 = none
  std::chrono::milliseconds kill_grace{2000};
  std::filesystem::path stdout_path;  // empty = discard (tail still kept)
  std::filesystem::path stderr_path;
  std::uint64_t max_output_bytes = 64ull << 20;  // per stream, on disk
  size_t tail_bytes = 8192;                      // kept in memory per stream
  const std::atomic<bool>* cancel = nullptr;     // set to true to stop the group
};

enum class ExitKind { kCompleted, kTimedOut, kKilled, kOutputLimitExceeded, kCancelled, kQuotaExceeded };

struct ProcessOutcome {
  ExitKind kind = ExitKind::kCompleted;
  int exit_code = 0;  // kCompleted
  int signal = 0;     // kKilled
  std::string stdout_tail;
  std::string stderr_tail;
  double wall_s = 0;
  std::int64_t peak_rss_kb = 0;
  bool ok() const { return kind == ExitKind::kCompleted && exit_code == 0; }
};

const char* exit_kind_name(ExitKind kind);

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs to completion. A process that fails, crashes or times out is an outcome,
  // not an error; errors are for failing to start (kNotFound: no such program, kIo).
  virtual Result<ProcessOutcome> run(const ProcessSpec& spec) = 0;
};

}  // namespace sci::proc
