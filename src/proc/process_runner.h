// ProcessRunner: runs one command (argv, never a shell string) in its own process
// group with captured, size-capped output and an enforced wall-clock timeout.
// The sandbox (sandbox.h) builds on it; tests use FakeProcessRunner.
#pragma once

#include <sys/types.h>

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

// How a run's memory limit is enforced: one cgroup for the whole run where a run cgroup
// can be created (cgroup.h), else RLIMIT_AS on each process (N processes may then use N
// times the limit; a watchdog sampling the run's total PSS every 100 ms stops the run
// past the limit, best effort), or not at all.
enum class MemoryEnforcement { kNone, kCgroup, kRlimitAs };
// "none", "cgroup", "per-process RLIMIT_AS" (the words run records and doctor show).
const char* memory_enforcement_name(MemoryEnforcement m);
// Without a run cgroup: cap each process's address space, or (GPU runs: CUDA reserves far
// more address space than it uses) leave memory unlimited.
enum class MemoryFallback { kRlimitAs, kNone };
// Whether a run gets its own cgroup (when one can be created here).
enum class CgroupMode { kOff, kAuto };

// Limits applied in the child before exec (0 = leave as inherited).
struct ResourceLimits {
  std::uint64_t memory_bytes = 0;         // the whole run (cgroup memory.max, swap 0), else memory_fallback
  MemoryFallback memory_fallback = MemoryFallback::kRlimitAs;
  std::uint64_t address_space_bytes = 0;  // RLIMIT_AS, per process, in any case
  std::uint64_t cpu_time_s = 0;           // RLIMIT_CPU
  std::uint64_t open_files = 0;           // RLIMIT_NOFILE
  std::uint64_t file_size_bytes = 0;      // RLIMIT_FSIZE (one file)
  std::uint64_t max_processes = 0;        // RLIMIT_NPROC (counted per host uid); pids.max in a cgroup
};

// Host identity the child switches to before exec (needs root); supplementary groups dropped.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Disk-usage watchdog: the runner polls `dir` (plus `extra_dirs`, e.g. the sandbox's
// per-run scratch) and kills the group once they hold more than `max_bytes` allocated
// together (st_blocks, files the run's processes hold open after deleting them included)
// or `dir` holds more than `max_files` entries (outcome kQuotaExceeded). A child killed by
// SIGXFSZ, or a file that reached RLIMIT_FSIZE, is also kQuotaExceeded. 0 = that limit off.
struct DiskQuota {
  std::filesystem::path dir;
  std::uint64_t max_bytes = 0;
  std::chrono::milliseconds poll{50};
  std::uint64_t max_files = 0;
  std::vector<std::filesystem::path> extra_dirs;
};

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
  ResourceLimits limits;
  std::optional<RunAs> run_as;  // also: after the run every process of this uid is killed
  DiskQuota quota;
  std::vector<int> cpu_ids;  // CPUs the child (and all it starts) may run on; empty = inherited
  CgroupMode cgroup = CgroupMode::kOff;  // kAuto: a run cgroup under cgroup_parent when usable
  std::filesystem::path cgroup_parent;   // empty = probe_cgroup()'s parent
  // Descriptors (each >= 3, owned and closed by the caller) the child keeps open across
  // exec under the same numbers, e.g. the filter of bwrap's --seccomp FD. Every other
  // descriptor above 2 is closed.
  std::vector<int> inherited_fds;
};

enum class ExitKind {
  kCompleted,
  kTimedOut,
  kKilled,
  kOutputLimitExceeded,
  kCancelled,
  kQuotaExceeded,
  kMemoryLimitExceeded,  // the run cgroup's OOM killer, or the sampled watchdog, ended the run
};
// Which disk limit a kQuotaExceeded run crossed.
enum class QuotaBreach { kNone, kBytes, kFiles, kFileSize };

struct ProcessOutcome {
  ExitKind kind = ExitKind::kCompleted;
  int exit_code = 0;  // kCompleted
  int signal = 0;     // kKilled
  std::string stdout_tail;
  std::string stderr_tail;
  double wall_s = 0;
  std::int64_t peak_rss_kb = 0;
  std::uint64_t stdout_bytes = 0;  // total produced (also past the cap)
  std::uint64_t stderr_bytes = 0;
  std::uint64_t peak_disk_bytes = 0;  // largest allocation the watchdog saw (quota on)
  std::uint64_t peak_files = 0;       // most entries the watchdog saw (quota on)
  QuotaBreach quota_breach = QuotaBreach::kNone;
  std::uint64_t quota_limit = 0;      // the crossed limit: bytes, entries or the file size
  MemoryEnforcement memory_limit = MemoryEnforcement::kNone;  // how limits.memory_bytes was applied
  std::uint64_t memory_limit_bytes = 0;
  bool memory_watchdog_fired = false;  // kMemoryLimitExceeded from the sampled total, not the cgroup
  int leftover_processes_killed = 0;  // processes still alive after the main one ended
  bool ok() const { return kind == ExitKind::kCompleted && exit_code == 0; }
};

const char* exit_kind_name(ExitKind kind);  // "completed", "timed_out", ...
// One line for people: "exit code 1", "timed out after 2.0 s", "killed by signal 9 (SIGKILL)",
// "disk quota exceeded: 100001 files in the working directory (limit 10000 files)".
std::string describe_outcome(const ProcessOutcome& outcome);

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs to completion. A process that fails, crashes or times out is an outcome,
  // not an error; errors are for failing to start (kNotFound: no such program, kIo).
  virtual Result<ProcessOutcome> run(const ProcessSpec& spec) = 0;
};

// The real runner: fork + execve into a new session (its own process group), stdin
// /dev/null; in the child, before exec: joining the run cgroup (spec.cgroup), rlimits,
// CPU affinity (sched_setaffinity), RunAs. On timeout/cancel/cap/quota the
// group gets SIGTERM, then SIGKILL after kill_grace. When the main process ends the
// rest of its group (and with run_as, every process of that uid) is killed, so nothing
// outlives run() (with a cgroup: cgroup.kill, then the cgroup is removed). Thread-safe:
// concurrent run() calls are independent.
class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessOutcome> run(const ProcessSpec& spec) override;
};

// Processes (pids) currently owned by host uid `uid` (from /proc).
std::vector<pid_t> processes_of_uid(uid_t uid);
// SIGKILLs every process of `uid` (via a helper that switches to that uid; needs root)
// until none is left or `deadline` passes. Returns how many were found at the start.
int kill_all_of_uid(uid_t uid, std::chrono::milliseconds deadline);

}  // namespace sci::proc
