// cgroup v2 for one run: a child cgroup under a writable (delegated) parent with
// memory.max, memory.swap.max=0 and pids.max, so the memory limit holds for the run as a
// whole (not per process) and everything left is killed with cgroup.kill. Where no such
// parent exists, probe_cgroup() says why and callers fall back to per-process RLIMIT_AS.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::proc {

// Where run cgroups can be created here (probed once per process, thread-safe).
struct CgroupSupport {
  bool usable = false;            // memory and pids controllers can be used below `parent`
  std::filesystem::path parent;   // the cgroup directory run cgroups are created in
  std::string detail;             // usable: the parent; else why not (for doctor and warnings)
};

// Candidates, first usable wins: `configured` (when not empty), else the cgroup scientist
// itself is in, else (as root) <cgroup2 mount>/scientist. A candidate is usable when it
// is writable, lists memory and pids in cgroup.controllers, has them in
// cgroup.subtree_control (enabled here when missing and possible), and a test child gets
// memory.max. Never moves scientist itself.
CgroupSupport probe_cgroup_at(const std::filesystem::path& configured);
// probe_cgroup_at(""), cached.
const CgroupSupport& probe_cgroup();
// The cgroup v2 directory this process is in (from /proc/self/cgroup and the cgroup2
// mount); empty when there is none.
std::filesystem::path own_cgroup_dir();

// Removes run cgroups under `parent` that a scientist killed mid-run left behind
// (scientist-<pid>-<n> whose pid no longer lives): what is still in them is killed
// (cgroup.kill) first. Returns how many were removed. probe_cgroup() runs it once.
int remove_stale_run_cgroups(const std::filesystem::path& parent);

struct CgroupLimits {
  std::uint64_t memory_max_bytes = 0;  // 0 = no memory limit (still accounted)
  std::uint64_t pids_max = 0;          // 0 = no pids limit
};

// One run's cgroup. Move-only; the destructor kills what is left and removes it.
class RunCgroup {
 public:
  // Creates <parent>/scientist-<pid>-<n> with the limits (swap off, oom.group on).
  // kIo naming the file and the fix when the cgroup cannot be created or configured.
  static Result<RunCgroup> create(const std::filesystem::path& parent, const CgroupLimits& limits);

  RunCgroup(RunCgroup&& other) noexcept;
  RunCgroup& operator=(RunCgroup&& other) noexcept;
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  ~RunCgroup();

  const std::filesystem::path& path() const { return path_; }
  // An O_WRONLY|O_CLOEXEC descriptor of cgroup.procs: the forked child writes "0" to it
  // (joining the cgroup) before execve. Owned by this object.
  int procs_fd() const { return procs_fd_; }
  std::vector<pid_t> pids() const;       // processes in the cgroup now
  std::uint64_t oom_kills() const;       // memory.events oom_kill (0 when unreadable)
  std::uint64_t peak_memory_bytes() const;  // memory.peak (0 when the kernel lacks it)
  // SIGKILLs everything in the cgroup (cgroup.kill, else each pid) and waits up to
  // `deadline` for it to empty. True when it is empty.
  bool kill_all(std::chrono::milliseconds deadline) const;
  // kill_all, then rmdir. Idempotent; also run by the destructor.
  void remove();

 private:
  RunCgroup() = default;
  std::filesystem::path path_;
  int procs_fd_ = -1;
};

}  // namespace sci::proc
