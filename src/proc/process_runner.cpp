// PosixProcessRunner: fork/execve with everything the child needs prepared before the
// fork (plan_child; only async-signal-safe calls in exec_child), an optional run cgroup
// (make_run_cgroup), a poll loop that captures output and enforces the timeout,
// cancellation, output cap and disk quota (DiskWatchdog), a final sweep so no process of
// the run survives it, and classify() for the outcome.
#include "proc/process_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "proc/cgroup.h"
#include "proc/disk_usage.h"
#include "proc/find_program.h"

namespace sci::proc {

const char* exit_kind_name(ExitKind kind) {
  switch (kind) {
    case ExitKind::kCompleted: return "completed";
    case ExitKind::kTimedOut: return "timed_out";
    case ExitKind::kKilled: return "killed";
    case ExitKind::kOutputLimitExceeded: return "output_limit_exceeded";
    case ExitKind::kCancelled: return "cancelled";
    case ExitKind::kQuotaExceeded: return "quota_exceeded";
    case ExitKind::kMemoryLimitExceeded: return "memory_limit_exceeded";
  }
  return "unknown";
}

const char* memory_enforcement_name(MemoryEnforcement m) {
  switch (m) {
    case MemoryEnforcement::kNone: return "none";
    case MemoryEnforcement::kCgroup: return "cgroup";
    case MemoryEnforcement::kRlimitAs: return "per-process RLIMIT_AS";
  }
  return "unknown";
}

std::string describe_outcome(const ProcessOutcome& o) {
  switch (o.kind) {
    case ExitKind::kCompleted: return fmt::format("exit code {}", o.exit_code);
    case ExitKind::kTimedOut: return fmt::format("timed out after {:.1f} s", o.wall_s);
    case ExitKind::kKilled: {
      const char* name = sigabbrev_np(o.signal);
      return fmt::format("killed by signal {} (SIG{})", o.signal, name ? name : "?");
    }
    case ExitKind::kOutputLimitExceeded:
      return fmt::format("output limit exceeded ({} bytes on stdout, {} on stderr)", o.stdout_bytes,
                         o.stderr_bytes);
    case ExitKind::kCancelled: return "cancelled";
    case ExitKind::kQuotaExceeded:
      switch (o.quota_breach) {
        case QuotaBreach::kFiles:
          // The walk stops at the first entry over the limit: "more than" is what is known.
          return fmt::format("disk quota exceeded: more than {} files in the working directory (limit {} files)",
                             o.quota_limit, o.quota_limit);
        case QuotaBreach::kFileSize:
          return fmt::format("disk quota exceeded: a single file reached the file size limit of {} MB",
                             o.quota_limit >> 20);
        case QuotaBreach::kBytes:
          return fmt::format("disk quota exceeded: {} MB in the working directory (limit {} MB)",
                             o.peak_disk_bytes >> 20, o.quota_limit >> 20);
        case QuotaBreach::kNone: break;
      }
      return fmt::format("disk quota exceeded ({} MB in the working directory)", o.peak_disk_bytes >> 20);
    case ExitKind::kMemoryLimitExceeded:
      if (o.memory_watchdog_fired)
        return fmt::format("memory limit exceeded: the run's processes together held more than {} MB (sampled "
                           "total; no run cgroup here)",
                           o.memory_limit_bytes >> 20);
      return fmt::format("memory limit exceeded: the run as a whole used its {} MB (cgroup memory.max; killed by "
                         "the kernel's OOM killer)",
                         o.memory_limit_bytes >> 20);
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;

// One captured stream: pipe -> capped file + in-memory tail.
struct Stream {
  int fd = -1;
  int file_fd = -1;
  std::uint64_t total = 0;
  std::uint64_t written = 0;
  std::string tail;
  size_t tail_bytes = 0;

  void consume(const char* data, size_t n, std::uint64_t cap) {
    total += n;
    if (file_fd >= 0 && written < cap) {
      size_t take = static_cast<size_t>(std::min<std::uint64_t>(n, cap - written));
      size_t off = 0;
      while (off < take) {
        ssize_t w = ::write(file_fd, data + off, take - off);
        if (w < 0) {
          if (errno == EINTR) continue;
          break;  // disk trouble: stop writing, keep the tail
        }
        off += static_cast<size_t>(w);
      }
      written += take;
    }
    tail.append(data, n);
    if (tail.size() > 2 * tail_bytes + 4096) tail.erase(0, tail.size() - tail_bytes);
  }
};

[[noreturn]] void child_fail(int err_fd, int stage) {
  int payload[2] = {stage, errno};
  ssize_t ignored = ::write(err_fd, payload, sizeof payload);
  (void)ignored;
  ::_exit(127);
}

void set_limit(int resource, std::uint64_t value, int err_fd) {
  if (value == 0) return;
  rlimit rl{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  if (::setrlimit(resource, &rl) != 0) child_fail(err_fd, 3);
}

const char* stage_name(int stage) {
  switch (stage) {
    case 1: return "opening /dev/null";
    case 2: return "changing directory";
    case 3: return "setting resource limits";
    case 4: return "switching user";
    case 5: return "exec";
    case 6: return "setting the CPU affinity";
    case 7: return "joining the run cgroup";
    case 8: return "keeping an inherited descriptor open";
    default: return "preparing the child";
  }
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Result<int> open_output(const std::filesystem::path& path) {
  if (path.empty()) return -1;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // Logs may sit in a folder an earlier sandboxed run could write: a symlink or a hard
  // link planted at the path is replaced, never written through.
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
  return fd;
}

}  // namespace

std::vector<pid_t> processes_of_uid(uid_t uid) {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  if (!dir) return pids;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    struct stat st {};
    std::string path = std::string("/proc/") + e->d_name;
    if (::stat(path.c_str(), &st) != 0) continue;
    if (st.st_uid != uid) continue;
    // Zombies have already released everything; they are reaped by their parent.
    std::ifstream status(path + "/stat");
    std::string line;
    std::getline(status, line);
    auto close_paren = line.rfind(')');
    if (close_paren != std::string::npos && close_paren + 2 < line.size() && line[close_paren + 2] == 'Z') continue;
    pids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  ::closedir(dir);
  return pids;
}

namespace {
// Resident memory (kB) of all processes of `uid` now; sampled because under bwrap the
// experiment is not our waited-for descendant, so rusage misses it.
std::int64_t rss_kb_of_uid(uid_t uid) {
  std::int64_t total = 0;
  long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  for (pid_t pid : processes_of_uid(uid)) {
    std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
    long size = 0, resident = 0;
    if (statm >> size >> resident) total += resident * page_kb;
  }
  return total;
}

// Proportional set size (kB) of `pids`: shared pages are split between their users, so
// forked workers sharing their parent's memory are not counted several times.
std::int64_t pss_kb_of(const std::vector<pid_t>& pids) {
  std::int64_t total = 0;
  for (pid_t pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string key;
    std::int64_t kb = 0;
    while (in >> key) {
      if (key == "Pss:") {
        if (in >> kb) total += kb;
        break;
      }
      in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
  }
  return total;
}
}  // namespace

int kill_all_of_uid(uid_t uid, std::chrono::milliseconds deadline) {
  if (uid == 0 || ::geteuid() != 0) return 0;  // never sweep root; cannot switch without root
  int found = static_cast<int>(processes_of_uid(uid).size());
  auto end = Clock::now() + deadline;
  while (!processes_of_uid(uid).empty() && Clock::now() < end) {
    // kill(-1) from a process running as `uid` reaches exactly that uid's processes.
    pid_t helper = ::fork();
    if (helper == 0) {
      if (::setresuid(uid, uid, uid) != 0) ::_exit(1);
      ::kill(-1, SIGKILL);
      ::_exit(0);
    }
    if (helper > 0) {
      int st = 0;
      ::waitpid(helper, &st, 0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return found;
}

namespace {

// Everything the forked child needs, built before the fork: after it the child makes
// only async-signal-safe calls.
struct ChildPlan {
  std::string exe;
  std::vector<char*> argv;
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  std::string cwd;
  std::vector<cpu_set_t> cpu_mask;
  size_t cpu_mask_bytes = 0;
  ResourceLimits limits;  // address_space_bytes already includes the memory fallback
  std::optional<RunAs> run_as;
  int cgroup_procs_fd = -1;  // the child joins this cgroup first
  std::vector<int> inherited;  // sorted, unique, each >= 3: kept open across exec
};

Status plan_child(const ProcessSpec& spec, const std::filesystem::path& program, ChildPlan& plan) {
  plan.exe = program.string();
  for (const auto& a : spec.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  for (const auto& [k, v] : spec.env) plan.env_strings.push_back(k + "=" + v);
  for (auto& e : plan.env_strings) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.cwd = spec.cwd.empty() ? std::string() : spec.cwd.string();
  plan.inherited = spec.inherited_fds;
  std::sort(plan.inherited.begin(), plan.inherited.end());
  plan.inherited.erase(std::unique(plan.inherited.begin(), plan.inherited.end()), plan.inherited.end());
  if (!plan.inherited.empty() && plan.inherited.front() < 3)
    return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: inherited descriptors must be >= 3");
  // The CPU affinity mask, sized for the largest id. The child applies it to itself
  // before exec; bwrap and everything the command starts inherit it.
  if (!spec.cpu_ids.empty()) {
    auto [min_id, max_id] = std::minmax_element(spec.cpu_ids.begin(), spec.cpu_ids.end());
    if (*min_id < 0) return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: negative CPU id");
    plan.cpu_mask.resize(static_cast<size_t>(*max_id) / CPU_SETSIZE + 1);
    plan.cpu_mask_bytes = plan.cpu_mask.size() * sizeof(cpu_set_t);
    CPU_ZERO_S(plan.cpu_mask_bytes, plan.cpu_mask.data());
    for (int id : spec.cpu_ids) CPU_SET_S(static_cast<size_t>(id), plan.cpu_mask_bytes, plan.cpu_mask.data());
  }
  plan.limits = spec.limits;
  plan.run_as = spec.run_as;
  return ok_status();
}

[[noreturn]] void exec_child(const ChildPlan& plan, int out_w, int err_w, int status_w) {
  // Joined first, so everything below (and every process the command starts) is in it.
  if (plan.cgroup_procs_fd >= 0 && ::write(plan.cgroup_procs_fd, "0", 1) != 1) child_fail(status_w, 7);
  // New session = new process group, no controlling terminal.
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < 32; ++s) ::signal(s, SIG_DFL);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull < 0) child_fail(status_w, 1);
  ::dup2(devnull, 0);
  ::dup2(out_w, 1);
  ::dup2(err_w, 2);
  if (!plan.cwd.empty() && ::chdir(plan.cwd.c_str()) != 0) child_fail(status_w, 2);
  set_limit(RLIMIT_AS, plan.limits.address_space_bytes, status_w);
  set_limit(RLIMIT_CPU, plan.limits.cpu_time_s, status_w);
  set_limit(RLIMIT_NOFILE, plan.limits.open_files, status_w);
  set_limit(RLIMIT_FSIZE, plan.limits.file_size_bytes, status_w);
  set_limit(RLIMIT_NPROC, plan.limits.max_processes, status_w);
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (plan.cpu_mask_bytes > 0 && ::sched_setaffinity(0, plan.cpu_mask_bytes, plan.cpu_mask.data()) != 0)
    child_fail(status_w, 6);
  if (plan.run_as) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(plan.run_as->gid, plan.run_as->gid, plan.run_as->gid) != 0 ||
        ::setresuid(plan.run_as->uid, plan.run_as->uid, plan.run_as->uid) != 0)
      child_fail(status_w, 4);
  }
  // Every other descriptor (including other threads' files) is closed here; the
  // inherited ones (e.g. bwrap's --seccomp filter) lose FD_CLOEXEC and stay.
  for (int fd : plan.inherited)
    if (::fcntl(fd, F_SETFD, 0) != 0) child_fail(status_w, 8);
  unsigned next_fd = 3;
  for (int fd : plan.inherited) {
    if (static_cast<unsigned>(fd) > next_fd) ::syscall(SYS_close_range, next_fd, static_cast<unsigned>(fd) - 1, 0u);
    next_fd = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, next_fd, ~0u, 0u);
  ::execve(plan.exe.c_str(), plan.argv.data(), plan.envp.data());
  child_fail(status_w, 5);
}

// The run cgroup, when the spec asks for one and this machine has one; otherwise how the
// memory limit falls back. Never fails the run: without a cgroup the rlimits still hold.
std::optional<RunCgroup> make_run_cgroup(const ProcessSpec& spec, ChildPlan& plan, ProcessOutcome& outcome) {
  std::optional<RunCgroup> cgroup;
  if (spec.cgroup == CgroupMode::kAuto) {
    std::filesystem::path parent = spec.cgroup_parent;
    if (parent.empty() && probe_cgroup().usable) parent = probe_cgroup().parent;
    if (!parent.empty()) {
      auto made = RunCgroup::create(parent, {spec.limits.memory_bytes, spec.limits.max_processes});
      if (made.ok()) cgroup.emplace(std::move(made).value());
      else log::warn("no run cgroup, falling back to rlimits: {}", made.error().message);
    }
  }
  outcome.memory_limit_bytes = spec.limits.memory_bytes;
  if (cgroup) {
    plan.cgroup_procs_fd = cgroup->procs_fd();
    if (spec.limits.memory_bytes > 0) outcome.memory_limit = MemoryEnforcement::kCgroup;
  } else if (spec.limits.memory_bytes > 0 && spec.limits.memory_fallback == MemoryFallback::kRlimitAs) {
    auto& as = plan.limits.address_space_bytes;
    as = as == 0 ? spec.limits.memory_bytes : std::min(as, spec.limits.memory_bytes);
    outcome.memory_limit = MemoryEnforcement::kRlimitAs;
  }
  if (outcome.memory_limit == MemoryEnforcement::kNone && spec.limits.address_space_bytes > 0)
    outcome.memory_limit = MemoryEnforcement::kRlimitAs;
  return cgroup;
}

// Processes of the run when there is no cgroup: its process group and session, and
// with run_as every process of that uid (which also finds those that left the session).
std::vector<pid_t> processes_of_run(pid_t leader, const std::optional<RunAs>& run_as) {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  if (!dir) return pids;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string path = std::string("/proc/") + e->d_name;
    if (run_as) {
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && st.st_uid == run_as->uid) {
        pids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
        continue;
      }
    }
    std::ifstream in(path + "/stat");
    std::string line;
    std::getline(in, line);
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(line.substr(close_paren + 2));
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    if (rest >> state >> ppid >> pgrp >> session && (pgrp == leader || session == leader))
      pids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  ::closedir(dir);
  return pids;
}

// The disk watchdog of one run: measures the quota directory (bounded walk) plus the
// files the run's processes hold open after deleting them, more often as the usage nears
// the quota, never spending more than about a sixth of the time walking.
class DiskWatchdog {
 public:
  DiskWatchdog(const DiskQuota& quota, std::uint64_t file_size_limit)
      : quota_(quota), file_size_limit_(file_size_limit), last_(Clock::now() - quota.poll) {}

  bool enabled() const { return !quota_.dir.empty() && (quota_.max_bytes > 0 || quota_.max_files > 0); }
  // Near the byte quota the loop wakes every 2 ms instead of 20.
  int wake_ms() const { return near_quota() ? 2 : 20; }

  // Measures when due; true when a limit is crossed (the breach is in `o`).
  bool poll(Clock::time_point now, const std::function<std::vector<pid_t>()>& processes, ProcessOutcome& o) {
    if (!enabled()) return false;
    Clock::duration interval = near_quota() ? std::min<Clock::duration>(quota_.poll, std::chrono::milliseconds(2))
                                            : Clock::duration(quota_.poll);
    interval = std::max(interval, 5 * last_walk_);
    if (now - last_ < interval) return false;
    last_ = now;
    // Listing processes costs a /proc scan: at most every 50 ms.
    if (now - last_fd_scan_ >= std::chrono::milliseconds(50)) {
      last_fd_scan_ = now;
      deleted_bytes_ = deleted_open_bytes(processes(), quota_.dir);
    }
    return measure(o);
  }

  // Once more after the main process ended: catches what happened between two polls
  // (a single file that hit RLIMIT_FSIZE, whose writer got EFBIG and exited).
  bool final_check(ProcessOutcome& o) {
    if (!enabled()) return false;
    deleted_bytes_ = 0;  // its holders are gone, so is the space
    return measure(o);
  }

 private:
  bool near_quota() const { return quota_.max_bytes > 0 && used_ * 4 > quota_.max_bytes; }

  bool measure(ProcessOutcome& o) {
    auto t0 = Clock::now();
    DiskUsage u = measure_directory(quota_.dir, quota_.max_bytes, quota_.max_files);
    std::uint64_t extra = 0;  // e.g. the sandbox's per-run scratch (HOME, /tmp, /dev/shm)
    for (const auto& dir : quota_.extra_dirs) extra += measure_directory(dir, quota_.max_bytes).allocated_bytes;
    last_walk_ = Clock::now() - t0;
    used_ = u.allocated_bytes + extra + deleted_bytes_;
    o.peak_disk_bytes = std::max<std::uint64_t>(o.peak_disk_bytes, used_);
    o.peak_files = std::max<std::uint64_t>(o.peak_files, u.entries);
    if (quota_.max_files > 0 && u.entries > quota_.max_files) {
      o.quota_breach = QuotaBreach::kFiles;
      o.quota_limit = quota_.max_files;
      return true;
    }
    if (file_size_limit_ > 0 && u.largest_file_bytes >= file_size_limit_) {
      o.quota_breach = QuotaBreach::kFileSize;
      o.quota_limit = file_size_limit_;
      return true;
    }
    if (quota_.max_bytes > 0 && used_ > quota_.max_bytes) {
      o.quota_breach = QuotaBreach::kBytes;
      o.quota_limit = quota_.max_bytes;
      return true;
    }
    return false;
  }

  DiskQuota quota_;
  std::uint64_t file_size_limit_;
  Clock::time_point last_, last_fd_scan_{};
  Clock::duration last_walk_{};
  std::uint64_t used_ = 0, deleted_bytes_ = 0;
};

void close_all(std::initializer_list<int*> fds) {
  for (int* fd : fds) close_fd(*fd);
}

// Kind of the finished run from why we stopped it, the cgroup's OOM count and the wait status.
void classify(ProcessOutcome& o, int wstatus, std::optional<ExitKind> stop_reason, std::uint64_t oom_kills,
              const ProcessSpec& spec) {
  if (WIFEXITED(wstatus)) {
    o.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    o.signal = WTERMSIG(wstatus);
    o.exit_code = 128 + o.signal;
  }
  if (stop_reason) {
    o.kind = *stop_reason;
  } else if (oom_kills > 0 && !(WIFEXITED(wstatus) && o.exit_code == 0)) {
    o.kind = ExitKind::kMemoryLimitExceeded;
  } else if (WIFSIGNALED(wstatus) && o.signal == SIGXFSZ && spec.limits.file_size_bytes > 0) {
    // A single file over RLIMIT_FSIZE: the kernel stopped it before the watchdog could.
    o.kind = ExitKind::kQuotaExceeded;
    o.quota_breach = QuotaBreach::kFileSize;
    o.quota_limit = spec.limits.file_size_bytes;
  } else if (WIFSIGNALED(wstatus)) {
    o.kind = ExitKind::kKilled;
  } else {
    o.kind = ExitKind::kCompleted;
  }
}

}  // namespace

Result<ProcessOutcome> PosixProcessRunner::run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: empty argv");
  auto program = find_program(spec.argv[0]);
  if (!program) return make_error(ErrorCode::kNotFound, fmt::format("program not found: {}", spec.argv[0]));
  if (spec.run_as && ::geteuid() != 0)
    return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: run_as needs scientist to run as root");

  ChildPlan plan;
  SCI_TRY(plan_child(spec, *program, plan));
  ProcessOutcome outcome;
  std::optional<RunCgroup> cgroup = make_run_cgroup(spec, plan, outcome);

  Stream out, err;
  out.tail_bytes = err.tail_bytes = spec.tail_bytes;
  SCI_ASSIGN_OR_RETURN(out.file_fd, open_output(spec.stdout_path));
  auto err_file = open_output(spec.stderr_path);
  if (!err_file.ok()) {
    close_fd(out.file_fd);
    return err_file.error();
  }
  err.file_fd = *err_file;

  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(status_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    close_all({&out_pipe[0], &out_pipe[1], &err_pipe[0], &err_pipe[1], &status_pipe[0], &status_pipe[1],
               &out.file_fd, &err.file_fd});
    return make_error(ErrorCode::kIo, fmt::format("pipe: {}", std::strerror(e)));
  }

  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    close_all({&out_pipe[0], &out_pipe[1], &err_pipe[0], &err_pipe[1], &status_pipe[0], &status_pipe[1],
               &out.file_fd, &err.file_fd});
    return make_error(ErrorCode::kIo, fmt::format("fork: {}", std::strerror(e)));
  }
  if (pid == 0) exec_child(plan, out_pipe[1], err_pipe[1], status_pipe[1]);

  close_all({&out_pipe[1], &err_pipe[1], &status_pipe[1]});
  out.fd = out_pipe[0];
  err.fd = err_pipe[0];
  {
    int payload[2] = {0, 0};
    ssize_t got;
    do got = ::read(status_pipe[0], payload, sizeof payload);
    while (got < 0 && errno == EINTR);
    ::close(status_pipe[0]);
    if (got == static_cast<ssize_t>(sizeof payload)) {
      ::waitpid(pid, nullptr, 0);
      close_all({&out.fd, &err.fd, &out.file_fd, &err.file_fd});
      return make_error(ErrorCode::kIo, fmt::format("cannot start {}: {} failed: {}", spec.argv[0],
                                                    stage_name(payload[0]), std::strerror(payload[1])));
    }
  }

  // Why we stop the group early, if we do.
  std::optional<ExitKind> stop_reason;
  Clock::time_point term_sent{}, main_exit{};
  bool killed = false, exited = false;
  int wstatus = 0;
  rusage usage{};
  auto last_rss_sample = Clock::now();
  std::int64_t sampled_rss_kb = 0;
  // Without a cgroup, a sampled watchdog on the run's total PSS backs the per-process
  // RLIMIT_AS: not a hard limit (a fast allocator can pass it between two samples).
  const bool watch_memory = !cgroup && outcome.memory_limit == MemoryEnforcement::kRlimitAs &&
                            spec.limits.memory_bytes > 0;
  auto last_memory_sample = Clock::now();
  DiskWatchdog disk(spec.quota, plan.limits.file_size_bytes);
  auto run_processes = [&]() { return cgroup ? cgroup->pids() : processes_of_run(pid, spec.run_as); };
  char buf[65536];

  auto begin_stop = [&](ExitKind why) {
    if (stop_reason) return;
    stop_reason = why;
    term_sent = Clock::now();
    ::kill(-pid, SIGTERM);
  };
  // Floods (output, disk) get no grace period: they would keep flooding.
  auto stop_hard = [&](ExitKind why) {
    begin_stop(why);
    ::kill(-pid, SIGKILL);
    if (cgroup) cgroup->kill_all(std::chrono::milliseconds(0));
    killed = true;
  };

  while (true) {
    auto now = Clock::now();
    if (!exited) {
      pid_t w = ::wait4(pid, &wstatus, WNOHANG, &usage);
      if (w == pid) {
        exited = true;
        main_exit = now;
        // The run ends with its main process: leftovers in its group go now.
        ::kill(-pid, SIGKILL);
        if (!stop_reason && disk.final_check(outcome)) stop_reason = ExitKind::kQuotaExceeded;
      }
    }
    if (!exited) {
      if (spec.timeout.count() > 0 && now - start >= spec.timeout) begin_stop(ExitKind::kTimedOut);
      if (spec.cancel && spec.cancel->load()) begin_stop(ExitKind::kCancelled);
      if (!killed && disk.poll(now, run_processes, outcome)) stop_hard(ExitKind::kQuotaExceeded);
      if (watch_memory && !killed && now - last_memory_sample >= std::chrono::milliseconds(100)) {
        last_memory_sample = now;
        auto pss_kb = pss_kb_of(run_processes());
        sampled_rss_kb = std::max(sampled_rss_kb, pss_kb);
        if (static_cast<std::uint64_t>(pss_kb) * 1024 > spec.limits.memory_bytes) {
          outcome.memory_watchdog_fired = true;
          stop_hard(ExitKind::kMemoryLimitExceeded);
        }
      }
      if (spec.run_as && now - last_rss_sample >= std::chrono::milliseconds(200)) {
        last_rss_sample = now;
        sampled_rss_kb = std::max(sampled_rss_kb, rss_kb_of_uid(spec.run_as->uid));
      }
      if (stop_reason && !killed && now - term_sent >= spec.kill_grace) {
        ::kill(-pid, SIGKILL);
        if (cgroup) cgroup->kill_all(std::chrono::milliseconds(0));
        killed = true;
      }
    }
    if (out.fd < 0 && err.fd < 0) {
      if (exited) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(disk.enabled() ? disk.wake_ms() : 10));
      continue;
    }
    // A daemonised grandchild in another group may hold the pipes open: stop reading
    // a short while after the main process ended.
    if (exited && now - main_exit > std::chrono::milliseconds(500)) break;
    pollfd fds[2];
    int nfds = 0;
    if (out.fd >= 0) fds[nfds++] = {out.fd, POLLIN, 0};
    if (err.fd >= 0) fds[nfds++] = {err.fd, POLLIN, 0};
    int n = ::poll(fds, static_cast<nfds_t>(nfds), disk.enabled() ? disk.wake_ms() : 20);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (int i = 0; i < nfds; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Stream& s = fds[i].fd == out.fd ? out : err;
      ssize_t got = ::read(s.fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        close_fd(s.fd);
        continue;
      }
      s.consume(buf, static_cast<size_t>(got), spec.max_output_bytes);
      if (s.total > spec.max_output_bytes && !exited) stop_hard(ExitKind::kOutputLimitExceeded);
    }
  }
  if (!exited) ::wait4(pid, &wstatus, 0, &usage);
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  ::kill(-pid, SIGKILL);
  std::uint64_t oom_kills = 0;
  if (cgroup) {
    oom_kills = cgroup->oom_kills();
    auto left = cgroup->pids().size();
    if (!cgroup->kill_all(std::chrono::seconds(10))) log::warn("processes left in {}", cgroup->path().string());
    outcome.leftover_processes_killed = static_cast<int>(left);
    outcome.peak_rss_kb = static_cast<std::int64_t>(cgroup->peak_memory_bytes() / 1024);
    cgroup->remove();
  }
  if (spec.run_as) outcome.leftover_processes_killed += kill_all_of_uid(spec.run_as->uid, std::chrono::seconds(10));
  close_all({&out.fd, &err.fd, &out.file_fd, &err.file_fd});

  outcome.peak_rss_kb = std::max<std::int64_t>({outcome.peak_rss_kb, usage.ru_maxrss, sampled_rss_kb});
  outcome.stdout_bytes = out.total;
  outcome.stderr_bytes = err.total;
  outcome.stdout_tail = str::tail_utf8(out.tail, spec.tail_bytes);
  outcome.stderr_tail = str::tail_utf8(err.tail, spec.tail_bytes);
  classify(outcome, wstatus, stop_reason, oom_kills, spec);
  return outcome;
}

}  // namespace sci::proc
