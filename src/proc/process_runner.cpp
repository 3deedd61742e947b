// PosixProcessRunner: fork/execve with everything the child needs prepared before the
// fork (only async-signal-safe calls in the child), a poll loop that captures output,
// enforces the timeout, cancellation, output cap and disk quota, and a final sweep so
// no process of the run survives it.
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
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"
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
      return fmt::format("disk quota exceeded ({} MB in the working directory)", o.peak_disk_bytes >> 20);
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

void child_fail(int err_fd, int stage) {
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
    case 7: return "keeping an inherited descriptor open";
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

Result<ProcessOutcome> PosixProcessRunner::run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: empty argv");
  auto program = find_program(spec.argv[0]);
  if (!program) return make_error(ErrorCode::kNotFound, fmt::format("program not found: {}", spec.argv[0]));
  if (spec.run_as && ::geteuid() != 0)
    return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: run_as needs scientist to run as root");

  // Everything the child touches is built now: after fork only async-signal-safe calls.
  std::string exe = program->string();
  std::vector<char*> cargv;
  for (const auto& a : spec.argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  std::string cwd = spec.cwd.empty() ? std::string() : spec.cwd.string();
  // The CPU affinity mask, sized for the largest id. The child applies it to itself
  // before exec; bwrap and everything the command starts inherit it.
  std::vector<cpu_set_t> cpu_mask;
  size_t cpu_mask_bytes = 0;
  if (!spec.cpu_ids.empty()) {
    auto [min_id, max_id] = std::minmax_element(spec.cpu_ids.begin(), spec.cpu_ids.end());
    if (*min_id < 0) return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: negative CPU id");
    cpu_mask.resize(static_cast<size_t>(*max_id) / CPU_SETSIZE + 1);
    cpu_mask_bytes = cpu_mask.size() * sizeof(cpu_set_t);
    CPU_ZERO_S(cpu_mask_bytes, cpu_mask.data());
    for (int id : spec.cpu_ids) CPU_SET_S(static_cast<size_t>(id), cpu_mask_bytes, cpu_mask.data());
  }

  std::vector<int> inherited = spec.inherited_fds;
  std::sort(inherited.begin(), inherited.end());
  inherited.erase(std::unique(inherited.begin(), inherited.end()), inherited.end());
  if (!inherited.empty() && inherited.front() < 3)
    return make_error(ErrorCode::kInvalidArgument, "ProcessRunner: inherited descriptors must be >= 3");

  ProcessOutcome outcome;
  Stream out, err;
  out.tail_bytes = err.tail_bytes = spec.tail_bytes;
  SCI_ASSIGN_OR_RETURN(out.file_fd, open_output(spec.stdout_path));
  auto err_file = open_output(spec.stderr_path);
  if (!err_file.ok()) {
    close_fd(out.file_fd);
    return err_file.error();
  }
  err.file_fd = *err_file;

  int out_pipe[2], err_pipe[2], status_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(status_pipe, O_CLOEXEC) != 0) {
    close_fd(out.file_fd);
    close_fd(err.file_fd);
    return make_error(ErrorCode::kIo, fmt::format("pipe: {}", std::strerror(errno)));
  }

  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], status_pipe[0], status_pipe[1]}) ::close(fd);
    close_fd(out.file_fd);
    close_fd(err.file_fd);
    return make_error(ErrorCode::kIo, fmt::format("fork: {}", std::strerror(e)));
  }
  if (pid == 0) {
    // Child. New session = new process group, no controlling terminal.
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < 32; ++s) ::signal(s, SIG_DFL);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0) child_fail(status_pipe[1], 1);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) child_fail(status_pipe[1], 2);
    set_limit(RLIMIT_AS, spec.limits.address_space_bytes, status_pipe[1]);
    set_limit(RLIMIT_CPU, spec.limits.cpu_time_s, status_pipe[1]);
    set_limit(RLIMIT_NOFILE, spec.limits.open_files, status_pipe[1]);
    set_limit(RLIMIT_FSIZE, spec.limits.file_size_bytes, status_pipe[1]);
    set_limit(RLIMIT_NPROC, spec.limits.max_processes, status_pipe[1]);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    if (cpu_mask_bytes > 0 && ::sched_setaffinity(0, cpu_mask_bytes, cpu_mask.data()) != 0)
      child_fail(status_pipe[1], 6);
    if (spec.run_as) {
      if (::setgroups(0, nullptr) != 0 || ::setresgid(spec.run_as->gid, spec.run_as->gid, spec.run_as->gid) != 0 ||
          ::setresuid(spec.run_as->uid, spec.run_as->uid, spec.run_as->uid) != 0)
        child_fail(status_pipe[1], 4);
    }
    // Every other descriptor (including other threads' files) is closed here.
    for (int fd : inherited)
      if (::fcntl(fd, F_SETFD, 0) != 0) child_fail(status_pipe[1], 7);
    unsigned next_fd = 3;
    for (int fd : inherited) {
      if (static_cast<unsigned>(fd) > next_fd) ::syscall(SYS_close_range, next_fd, static_cast<unsigned>(fd) - 1, 0u);
      next_fd = static_cast<unsigned>(fd) + 1;
    }
    ::syscall(SYS_close_range, next_fd, ~0u, 0u);
    ::execve(exe.c_str(), cargv.data(), cenv.data());
    child_fail(status_pipe[1], 5);
  }

  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(status_pipe[1]);
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
      close_fd(out.fd);
      close_fd(err.fd);
      close_fd(out.file_fd);
      close_fd(err.file_fd);
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
  auto last_quota_check = Clock::now() - spec.quota.poll;
  auto last_rss_sample = Clock::now();
  std::int64_t sampled_rss_kb = 0;
  char buf[65536];

  auto begin_stop = [&](ExitKind why) {
    if (stop_reason) return;
    stop_reason = why;
    term_sent = Clock::now();
    ::kill(-pid, SIGTERM);
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
      }
    }
    if (!exited) {
      if (spec.timeout.count() > 0 && now - start >= spec.timeout) begin_stop(ExitKind::kTimedOut);
      if (spec.cancel && spec.cancel->load()) begin_stop(ExitKind::kCancelled);
      // Past a quarter of the quota the directory is measured on every pass (a writer
      // can add hundreds of MB between two 50 ms polls on a busy machine).
      auto quota_poll = outcome.peak_disk_bytes * 4 > spec.quota.max_bytes
                            ? std::min<Clock::duration>(spec.quota.poll, std::chrono::milliseconds(2))
                            : Clock::duration(spec.quota.poll);
      if (spec.quota.max_bytes > 0 && now - last_quota_check >= quota_poll) {
        last_quota_check = now;
        auto used = fs::directory_size_bytes(spec.quota.dir);
        for (const auto& extra : spec.quota.extra_dirs) used += fs::directory_size_bytes(extra);
        outcome.peak_disk_bytes = std::max<std::uint64_t>(outcome.peak_disk_bytes, used);
        if (used > spec.quota.max_bytes) {
          // Filling the disk is stopped hard: no grace period.
          begin_stop(ExitKind::kQuotaExceeded);
          ::kill(-pid, SIGKILL);
          killed = true;
        }
      }
      if (spec.run_as && now - last_rss_sample >= std::chrono::milliseconds(200)) {
        last_rss_sample = now;
        sampled_rss_kb = std::max(sampled_rss_kb, rss_kb_of_uid(spec.run_as->uid));
      }
      if (stop_reason && !killed && now - term_sent >= spec.kill_grace) {
        ::kill(-pid, SIGKILL);
        killed = true;
      }
    }
    if (out.fd < 0 && err.fd < 0) {
      if (exited) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    // A daemonised grandchild in another group may hold the pipes open: stop reading
    // a short while after the main process ended.
    if (exited && now - main_exit > std::chrono::milliseconds(500)) break;
    pollfd fds[2];
    int nfds = 0;
    if (out.fd >= 0) fds[nfds++] = {out.fd, POLLIN, 0};
    if (err.fd >= 0) fds[nfds++] = {err.fd, POLLIN, 0};
    int n = ::poll(fds, static_cast<nfds_t>(nfds), outcome.peak_disk_bytes * 4 > spec.quota.max_bytes && spec.quota.max_bytes > 0 ? 2 : 20);
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
      if (s.total > spec.max_output_bytes && !exited) {
        begin_stop(ExitKind::kOutputLimitExceeded);
        ::kill(-pid, SIGKILL);  // a flood gets no grace: it would keep flooding
        killed = true;
      }
    }
  }
  if (!exited) ::wait4(pid, &wstatus, 0, &usage);
  outcome.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  ::kill(-pid, SIGKILL);
  if (spec.run_as) outcome.leftover_processes_killed = kill_all_of_uid(spec.run_as->uid, std::chrono::seconds(10));
  close_fd(out.fd);
  close_fd(err.fd);
  close_fd(out.file_fd);
  close_fd(err.file_fd);

  outcome.peak_rss_kb = std::max<std::int64_t>(usage.ru_maxrss, sampled_rss_kb);
  outcome.stdout_bytes = out.total;
  outcome.stderr_bytes = err.total;
  outcome.stdout_tail = str::tail_utf8(out.tail, spec.tail_bytes);
  outcome.stderr_tail = str::tail_utf8(err.tail, spec.tail_bytes);
  if (WIFEXITED(wstatus)) {
    outcome.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    outcome.signal = WTERMSIG(wstatus);
    outcome.exit_code = 128 + outcome.signal;
  }
  if (stop_reason) {
    outcome.kind = *stop_reason;
  } else if (WIFSIGNALED(wstatus)) {
    outcome.kind = ExitKind::kKilled;
  } else {
    outcome.kind = ExitKind::kCompleted;
  }
  return outcome;
}

}  // namespace sci::proc
