// Sandbox implementation: level choice, bwrap argv, environment allow-list, the uid
// pool used when scientist runs as root (RLIMIT_NPROC only counts a non-root host uid,
// and sweeping a dedicated uid finds processes that left the group), the per-run scratch
// directory, protected-file hashes.
#include "proc/sandbox.h"

#include <signal.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/environment.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"
#include "proc/cgroup.h"
#include "proc/find_program.h"
#include "proc/ownership.h"
#include "proc/seccomp_filter.h"
#include "proc/workdir_rules.h"

namespace sci::proc {

namespace fsys = std::filesystem;

const char* sandbox_level_name(SandboxLevel level) {
  switch (level) {
    case SandboxLevel::kStrict: return "strict";
    case SandboxLevel::kDegraded: return "degraded";
    case SandboxLevel::kNone: return "none";
  }
  return "unknown";
}

Result<SandboxRequest> parse_sandbox_request(std::string_view text) {
  if (text == "auto" || text.empty()) return SandboxRequest::kAuto;
  if (text == "strict") return SandboxRequest::kStrict;
  if (text == "degraded") return SandboxRequest::kDegraded;
  if (text == "none") return SandboxRequest::kNone;
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown sandbox level '{}': use auto, strict, degraded or none", text));
}

namespace {

constexpr uid_t kDefaultUidBase = 61000;
constexpr int kUidPoolSize = 64;

// Uids handed to concurrent runs: each run owns its uid, so sweeping it after the
// run cannot touch another run's processes. Ownership holds across processes (two
// scientist runs, or tests, side by side): a uid is taken with an exclusive flock on
// <lock dir>/uid-<N>.lock, which the kernel releases when its holder exits, however it
// dies. Only a uid whose lock we hold may be swept of leftovers.
class UidPool {
 public:
  std::optional<uid_t> acquire(uid_t base) {
    std::lock_guard<std::mutex> lock(mu_);
    // Start at a rotating offset so that a uid just swept (whose killed processes may
    // still count against RLIMIT_NPROC until reaped) is the last to be reused.
    int start = static_cast<int>((static_cast<unsigned>(::getpid()) * 7u + next_++) % kUidPoolSize);
    for (int k = 0; k < kUidPoolSize; ++k) {
      int i = (start + k) % kUidPoolSize;
      if (fds_[i] >= 0) continue;
      uid_t uid = base + static_cast<uid_t>(i);
      int fd = lock_uid(uid);
      if (fd < 0) continue;  // another process holds it
      fds_[i] = fd;
      return uid;
    }
    return std::nullopt;
  }
  void release(uid_t base, uid_t uid) {
    std::lock_guard<std::mutex> lock(mu_);
    if (uid < base || uid >= base + kUidPoolSize) return;
    int i = static_cast<int>(uid - base);
    if (fds_[i] >= 0) ::close(fds_[i]);  // closing drops the flock
    fds_[i] = -1;
  }

 private:
  static int lock_uid(uid_t uid) {
    std::string dir = fmt::format("/tmp/scientist-uids-{}", ::geteuid());
    ::mkdir(dir.c_str(), 0700);
    struct stat st {};
    // Refuse a directory someone else planted (it must be ours and private).
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) return -1;
    std::string path = fmt::format("{}/uid-{}.lock", dir, uid);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  std::mutex mu_;
  unsigned next_ = 0;
  std::array<int, kUidPoolSize> fds_ = filled(-1);
  static std::array<int, kUidPoolSize> filled(int v) {
    std::array<int, kUidPoolSize> a{};
    a.fill(v);
    return a;
  }
};

UidPool& uid_pool() {
  static UidPool pool;
  return pool;
}

SandboxProbe run_probe() {
  SandboxProbe probe;
  probe.host_root = ::geteuid() == 0;
  auto bwrap = find_program("bwrap");
  if (!bwrap) {
    probe.detail = "bwrap not found";
    return probe;
  }
  probe.bwrap = *bwrap;
  ProcessSpec spec;
  spec.argv = {bwrap->string(), "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev",
               "--proc", "/proc", "--tmpfs", "/tmp", "--", "/bin/true"};
  spec.cwd = "/";
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.timeout = std::chrono::seconds(20);
  spec.kill_grace = std::chrono::milliseconds(500);
  // Probe exactly as runs will execute: as root, under a uid of the pool held for the probe.
  // Empty = it worked; else why not.
  auto try_spec = [&](ProcessSpec& s) -> std::string {
    std::optional<uid_t> probe_uid;
    if (probe.host_root) {
      probe_uid = uid_pool().acquire(kDefaultUidBase);
      if (probe_uid) s.run_as = RunAs{*probe_uid, *probe_uid};
    }
    PosixProcessRunner runner;
    auto outcome = runner.run(s);
    if (probe_uid) uid_pool().release(kDefaultUidBase, *probe_uid);
    if (!outcome.ok()) return outcome.error().to_string();
    if (outcome->ok()) return "";
    std::string why(str::trim(outcome->stderr_tail));
    return why.empty() ? describe_outcome(*outcome) : why;
  };
  probe.detail = try_spec(spec);
  probe.namespaces_work = probe.detail.empty();
  if (!probe.namespaces_work) return probe;
  // The same again with our seccomp filter: strict never runs without it.
  auto filter = open_seccomp_fd();
  if (!filter.ok()) {
    probe.seccomp_detail = filter.error().message;
    return probe;
  }
  spec.argv.insert(spec.argv.begin() + 1, {"--seccomp", std::to_string(filter->get())});
  spec.inherited_fds = {filter->get()};
  probe.seccomp_detail = try_spec(spec);
  probe.seccomp_works = probe.seccomp_detail.empty();
  return probe;
}

std::vector<std::string> gpu_device_paths() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator("/dev", ec)) {
    auto name = e.path().filename().string();
    if (str::starts_with(name, "nvidia")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every ancestor of `dir` (and `dir` itself with kSelfToo) must be searchable by
// "others" for a dropped uid to reach it.
enum class Reach { kAncestors, kSelfToo };
Status check_reachable(const fsys::path& dir, Reach reach = Reach::kAncestors) {
  for (fsys::path p = reach == Reach::kSelfToo ? dir : dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH))
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the sandbox uid cannot reach {}: {} is not searchable by other users "
                                    "(chmod o+x {} or put results elsewhere)",
                                    dir.string(), p.string(), p.string()));
    if (p == p.root_path()) break;
  }
  return ok_status();
}

Status repair_leftover_ownership(const fsys::path& workdir, uid_t base) {
  const UidRange pool{base, base + kUidPoolSize - 1};
  struct stat owner {};
  if (::lstat(workdir.c_str(), &owner) != 0) return ok_status();
  if (pool.contains(owner.st_uid) && ::lstat(workdir.parent_path().c_str(), &owner) != 0) return ok_status();
  if (pool.contains(owner.st_uid)) return ok_status();  // no owner to give it back to
  auto fixed = restore_ownership(workdir, owner.st_uid, owner.st_gid, pool);
  if (!fixed.ok()) return fixed.error();
  if (*fixed > 0) log::info("{}: {} entries left to a sandbox uid by an earlier run given back", workdir.string(), *fixed);
  return ok_status();
}

// Paths that must stay hidden cannot live in the working directory: the run can read
// (and, as its owner for the run, change) everything there, at every level.
Status check_hidden_outside_workdir(const SandboxPolicy& policy) {
  std::error_code ec;
  const fsys::path work = fsys::weakly_canonical(policy.workdir, ec);
  for (const auto& hidden : policy.hidden_paths) {
    fsys::path h = fsys::weakly_canonical(fsys::absolute(hidden, ec), ec);
    if (h.empty() || !fs::is_within(h, work)) continue;
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("sandbox: {} must stay hidden from the run (e.g. the config file with API keys) "
                                  "but lies inside its working directory {}: move it out of {} or choose another "
                                  "working directory",
                                  hidden.string(), policy.workdir.string(), policy.workdir.string()));
  }
  return ok_status();
}

// The host opens the logs as root: inside the working directory (which the run owned) no
// directory on the way may be a symlink the run planted.
Status check_log_path(const fsys::path& workdir, const fsys::path& log) {
  if (log.empty() || !fs::is_within(log.parent_path(), workdir)) return ok_status();
  fsys::path at = workdir.lexically_normal();
  auto rel = log.parent_path().lexically_normal().lexically_relative(at);
  for (const auto& part : rel) {
    if (part.empty() || part == ".") continue;
    at /= part;
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) break;  // created fresh below
    if (!S_ISDIR(st.st_mode))
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("sandbox: the log folder {} leads through {}, which is not a directory (an "
                                    "earlier run may have planted a symlink): remove {}",
                                    log.parent_path().string(), at.string(), at.string()));
  }
  return ok_status();
}

fsys::path default_scratch_root() { return fmt::format("/var/tmp/scientist-scratch-{}", ::geteuid()); }

// Makes a fresh <root>/run-XXXXXX (ours, 0711: the run cannot rename what is in it) with
// home/, tmp/ and shm/ owned by the run's uid (0700). The default root is made on demand
// (ours, 0711, not a symlink); a configured one must exist as a directory.
Result<RunScratch> make_run_scratch(const fsys::path& configured, std::optional<uid_t> uid) {
  const bool is_default = configured.empty();
  const fsys::path root = is_default ? default_scratch_root() : fsys::absolute(configured);
  if (is_default) ::mkdir(root.c_str(), 0711);
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (is_default && st.st_uid != ::geteuid()))
    return make_error(ErrorCode::kIo, fmt::format("sandbox scratch directory {} is missing, not a directory or not "
                                                  "ours: remove it or set sandbox scratch to a directory of ours",
                                                  root.string()));
  if (uid) SCI_TRY(check_reachable(root, Reach::kSelfToo));
  std::string templ = (root / "run-XXXXXX").string();
  if (!::mkdtemp(templ.data()))
    return make_error(ErrorCode::kIo, fmt::format("cannot create a scratch directory under {}: {}", root.string(),
                                                  std::strerror(errno)));
  RunScratch scratch = run_scratch_layout(templ);
  ::chmod(scratch.dir.c_str(), 0711);
  for (const auto* d : {&scratch.home, &scratch.tmp, &scratch.shm}) {
    if (::mkdir(d->c_str(), 0700) != 0 || (uid && ::chown(d->c_str(), *uid, *uid) != 0)) {
      int e = errno;
      std::error_code ec;
      fsys::remove_all(scratch.dir, ec);
      return make_error(ErrorCode::kIo, fmt::format("cannot prepare {}: {}", d->string(), std::strerror(e)));
    }
  }
  return scratch;
}

}  // namespace

Status check_sandbox_can_reach(const fsys::path& dir, const SandboxProbe& probe) {
  if (!probe.host_root) return ok_status();
  return check_reachable(fsys::absolute(dir), Reach::kSelfToo);
}

const SandboxProbe& probe_sandbox() {
  static const SandboxProbe probe = run_probe();
  return probe;
}

Result<SandboxLevel> choose_sandbox_level(SandboxRequest request, const SandboxProbe& probe,
                                          UnsafeNoSandbox unsafe) {
  switch (request) {
    case SandboxRequest::kNone:
      if (unsafe == UnsafeNoSandbox::kYes) return SandboxLevel::kNone;
      return make_error(ErrorCode::kInvalidArgument,
                        "sandbox level 'none' runs generated code with your full rights: pass --unsafe-no-sandbox "
                        "to confirm");
    case SandboxRequest::kDegraded: return SandboxLevel::kDegraded;
    case SandboxRequest::kStrict:
      if (probe.strict_available()) return SandboxLevel::kStrict;
      if (probe.namespaces_work)
        return make_error(ErrorCode::kUnavailable,
                          fmt::format("strict sandbox unavailable: bwrap cannot apply the seccomp filter ({}): "
                                      "install libseccomp2 and bubblewrap >= 0.3, or use --sandbox degraded",
                                      probe.seccomp_detail));
      if (probe.bwrap.empty())
        return make_error(ErrorCode::kUnavailable,
                          "strict sandbox unavailable: bwrap not found: install bubblewrap "
                          "(apt-get install bubblewrap) or use --sandbox degraded");
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("strict sandbox unavailable: bwrap cannot create namespaces ({}): enable "
                                    "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
                                    "user.max_user_namespaces>0; in Docker run with --security-opt "
                                    "seccomp=unconfined --security-opt apparmor=unconfined) or use --sandbox degraded",
                                    probe.detail));
    case SandboxRequest::kAuto: return probe.strict_available() ? SandboxLevel::kStrict : SandboxLevel::kDegraded;
  }
  return SandboxLevel::kDegraded;
}

std::string describe_sandbox_availability(const SandboxProbe& probe) {
  if (probe.strict_available())
    return fmt::format("strict (bubblewrap namespaces + seccomp filter of {} rules{})", seccomp_rules().size(),
                       probe.host_root ? ", runs drop to a dedicated uid" : "");
  if (probe.namespaces_work)
    return fmt::format("degraded only: the seccomp filter cannot be applied ({}); strict never runs without it "
                       "(no network or filesystem isolation)",
                       probe.seccomp_detail);
  return fmt::format("degraded only: {} (no network or filesystem isolation)", probe.detail);
}

LevelLimits sandbox_level_limits(SandboxLevel level) {
  const std::string common = "timeout, output cap, disk quota (idea directory + the run's scratch), rlimits "
                             "(address space, CPU time, processes, file size, open files)";
  const std::string env = "scrubbed environment (no secrets); a fresh, empty HOME per run, deleted afterwards";
  switch (level) {
    case SandboxLevel::kStrict:
      return {{"bubblewrap namespaces: user, PID, IPC, UTS, cgroup, mount and network (network off unless the "
               "template asks)",
               "read-only root; writable only: the idea directory and the run's scratch (/tmp, /dev/shm, HOME), "
               "both on disk and counted by the disk quota",
               "/dev, /home and /root read-only; other ideas' results and the config file hidden",
               fmt::format("seccomp filter ({} rules: no namespaces, mounts, ptrace, keyrings, BPF, io_uring, "
                           "modules, ...; EPERM)",
                           seccomp_rules().size()),
               common, env, "a dedicated uid from a pool when scientist runs as root"},
              {"reading host files that other users may read (the root is mounted read-only, not hidden)",
               "memory that RLIMIT_AS does not count (page cache, memfd) unless a cgroup limit is set",
               "GPU memory and GPU time", "with network on: the host's network, including 127.0.0.1"}};
    case SandboxLevel::kDegraded:
      return {{common, env, "TMPDIR in the run's scratch",
               "a dedicated uid from a pool when scientist runs as root: files need o+r / o+w to be touched"},
              {"network: not isolated (degraded level has no network namespace): 127.0.0.1 and the internet are "
               "reachable",
               "filesystem: every file other users may read is readable, every world-writable place (/tmp, "
               "/dev/shm) writable and not counted by the quota",
               "processes: host pids and their command lines are visible in /proc",
               "no seccomp filter (nested namespaces, ptrace of the run's own processes, ...)",
               "without root: runs keep your uid and can read and write everything you can"}};
    case SandboxLevel::kNone:
      return {{common, env}, {"everything else: the code runs with your full rights, network and files included"}};
  }
  return {};
}

NetworkState network_state(SandboxLevel level, NetworkAccess requested) {
  switch (level) {
    case SandboxLevel::kStrict:
      if (requested == NetworkAccess::kOn) return {"on", "on (shares the host network)"};
      return {"off", "off (own network namespace, loopback only)"};
    case SandboxLevel::kDegraded:
      return {"not_isolated", "not isolated (degraded level has no network namespace)"};
    case SandboxLevel::kNone: return {"not_isolated", "not isolated (no sandbox)"};
  }
  return {"not_isolated", "not isolated"};
}

RunScratch run_scratch_layout(const fsys::path& dir) {
  return RunScratch{dir, dir / "home", dir / "tmp", dir / "shm"};
}

bool looks_like_secret(std::string_view env_name) {
  std::string up = str::to_lower(env_name);
  for (const char* marker : {"key", "token", "secret", "password", "passwd", "credential", "auth", "cookie", "session"})
    if (up.find(marker) != std::string::npos) return true;
  return false;
}

std::map<std::string, std::string> sandbox_environment(const SandboxPolicy& policy,
                                                       const std::map<std::string, std::string>& host,
                                                       const RunScratch& scratch) {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ"}) {
    auto it = host.find(name);
    if (it != host.end()) env[name] = it->second;
  }
  if (!env.count("PATH")) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  // HOME is never the idea directory: a ~/.local/.../usercustomize.py planted there would
  // run in every later run (the experiment's and plot.py's alike).
  env["HOME"] = scratch.home.empty() ? "/nonexistent" : scratch.home.string();
  env["TMPDIR"] = policy.level == SandboxLevel::kStrict || scratch.tmp.empty() ? "/tmp" : scratch.tmp.string();
  env["PYTHONNOUSERSITE"] = "1";
  env["PYTHONUNBUFFERED"] = "1";
  env["PYTHONDONTWRITEBYTECODE"] = "1";
  env["MPLBACKEND"] = "Agg";
  env["CUDA_VISIBLE_DEVICES"] = str::join(policy.gpus, ",");  // "" hides every GPU
  // Not every OpenMP/BLAS runtime sizes its pool from the affinity mask (some count the
  // machine's cores): a pinned run is told its CPU count, one thread per CPU.
  if (!policy.cpu_ids.empty())
    for (const char* name : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"})
      env[name] = std::to_string(policy.cpu_ids.size());
  for (const auto& [k, v] : policy.extra_env)
    if (!looks_like_secret(k)) env[k] = v;
  return env;
}

std::vector<std::string> bwrap_arguments(const SandboxPolicy& policy, const fsys::path& bwrap,
                                         const std::vector<std::string>& gpu_devices, const RunScratch& scratch,
                                         int seccomp_fd) {
  std::vector<std::string> a = {bwrap.string(), "--unshare-all"};
  if (policy.network == NetworkAccess::kOn) a.push_back("--share-net");
  a.insert(a.end(), {"--die-with-parent", "--hostname", "sandbox"});
  if (seccomp_fd >= 0) a.insert(a.end(), {"--seccomp", std::to_string(seccomp_fd)});
  // bwrap < 0.9 has no --size: every tmpfs it makes may fill half the RAM, outside the
  // disk quota. So nothing writable is a tmpfs: /tmp and /dev/shm are the run's scratch on
  // disk (counted by the quota), and every tmpfs (/dev, /home, /root, hidden directories)
  // is remounted read-only once its mount points are in place (at the end).
  std::vector<std::string> read_only_at_end = {"/dev"};
  a.insert(a.end(), {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"});
  if (!scratch.shm.empty()) a.insert(a.end(), {"--bind", scratch.shm.string(), "/dev/shm"});
  if (!scratch.tmp.empty()) {
    a.insert(a.end(), {"--bind", scratch.tmp.string(), "/tmp"});
  } else {
    a.insert(a.end(), {"--tmpfs", "/tmp"});
    read_only_at_end.push_back("/tmp");
  }
  std::error_code ec;
  auto hide_dir = [&](const std::string& dir) {
    a.insert(a.end(), {"--tmpfs", dir});
    read_only_at_end.push_back(dir);
  };
  for (const char* home : {"/home", "/root"})
    if (fsys::is_directory(home, ec)) hide_dir(home);
  for (const auto& hidden : policy.hidden_paths) {
    // bwrap needs absolute mount points; a relative path would be taken from "/".
    const fsys::path p = fsys::absolute(hidden, ec);
    if (fsys::is_directory(p, ec)) {
      hide_dir(p.string());
    } else if (fsys::exists(p, ec)) {
      a.insert(a.end(), {"--ro-bind", "/dev/null", p.string()});
    }
  }
  // Other runs' scratch directories are hidden; this run's HOME is bound back below.
  if (!scratch.dir.empty()) hide_dir(scratch.dir.parent_path().string());
  for (const auto& p : policy.read_only_paths)
    if (fsys::exists(p, ec)) a.insert(a.end(), {"--ro-bind", p.string(), p.string()});
  a.insert(a.end(), {"--bind", policy.workdir.string(), policy.workdir.string()});
  if (!scratch.home.empty()) a.insert(a.end(), {"--bind", scratch.home.string(), scratch.home.string()});
  if (!policy.gpus.empty())
    for (const auto& d : gpu_devices) a.insert(a.end(), {"--dev-bind", d, d});
  for (const auto& dir : read_only_at_end) a.insert(a.end(), {"--remount-ro", dir});
  a.insert(a.end(), {"--chdir", policy.workdir.string(), "--"});
  return a;
}

Status reset_private_dir(const fsys::path& dir) {
  std::error_code ec;
  // remove_all removes a symlink itself, never what it points to.
  fsys::remove_all(dir, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot remove {}: {}", dir.string(), ec.message()));
  if (::mkdir(dir.c_str(), 0755) != 0)
    return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno)));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    return make_error(ErrorCode::kIo, fmt::format("{} changed while it was being created: run again", dir.string()));
  ::chmod(dir.c_str(), 0755);  // whatever the umask
  return ok_status();
}

std::map<std::string, std::string> hash_files(const fsys::path& dir, const std::vector<std::string>& files) {
  std::map<std::string, std::string> out;
  for (const auto& f : files) {  // a link in place of the file (or a directory above it) counts as missing
    std::error_code ec;
    const bool plain = fs::check_no_links_beneath(dir, dir / f).ok() && fsys::is_regular_file(dir / f, ec);
    auto h = plain ? fs::sha256_file(dir / f) : Result<std::string>(std::string());
    out[f] = h.ok() ? *h : std::string();
  }
  return out;
}

namespace {

constexpr std::uint64_t kMaxProtectedCopyBytes = 64ull << 20;  // larger protected files are checked, not restored

// The protected files as they were before a run, to put back when the run changed them.
struct ProtectedCopy {
  std::string file;
  bool existed = false;
  std::optional<std::string> content;  // nullopt: missing, or too large to keep a copy of
};

std::vector<ProtectedCopy> copy_protected(const fsys::path& dir, const std::vector<std::string>& files) {
  std::vector<ProtectedCopy> out;
  for (const auto& f : files) {
    auto text = fs::read_file_beneath(dir, f, kMaxProtectedCopyBytes);
    const bool existed = text.ok() || text.error().code != ErrorCode::kNotFound;
    out.push_back({f, existed, text.ok() ? std::optional<std::string>(std::move(*text)) : std::nullopt});
  }
  return out;
}

// Puts each tampered protected file back as it was (whatever the run left there, a link
// included, is removed first; nothing is followed), so the next run starts from the
// original and not from the run's copy.
void restore_protected(const fsys::path& dir, const std::vector<ProtectedCopy>& copies,
                       const std::vector<std::string>& tampered, std::vector<std::string>& warnings) {
  for (const auto& c : copies) {
    if (std::find(tampered.begin(), tampered.end(), c.file) == tampered.end()) continue;
    const fsys::path path = dir / c.file;
    if (c.existed && !c.content) {
      warnings.push_back(fmt::format("protected file {} was changed by the run and is too large to restore", c.file));
      continue;
    }
    Status st = fs::check_no_links_beneath(dir, path.parent_path() / "x");
    std::error_code ec;
    if (st.ok()) fsys::remove_all(path, ec);
    if (st.ok() && c.content) st = fs::write_file_atomic(path, *c.content);
    warnings.push_back(st.ok() ? fmt::format("protected file {} was changed by the run: restored", c.file)
                               : fmt::format("protected file {} was changed by the run and could not be restored: {}",
                                             c.file, st.error().message));
  }
}

}  // namespace

Result<SandboxOutcome> Sandbox::run(const SandboxPolicy& policy, const std::vector<std::string>& argv,
                                    const fsys::path& stdout_path, const fsys::path& stderr_path,
                                    const std::atomic<bool>* cancel) {
  if (argv.empty()) return make_error(ErrorCode::kInvalidArgument, "sandbox: empty command");
  std::error_code ec;
  if (!policy.workdir.is_absolute() || !fsys::is_directory(policy.workdir, ec))
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("sandbox: working directory {} must be an existing absolute directory",
                                  policy.workdir.string()));
  const auto host_env = env::snapshot();
  const auto home = host_env.find("HOME");
  SCI_TRY(check_not_system_directory(policy.workdir, home == host_env.end() ? fsys::path() : fsys::path(home->second)));
  if (policy.level == SandboxLevel::kStrict && !probe_.strict_available()) {
    auto level = choose_sandbox_level(SandboxRequest::kStrict, probe_, UnsafeNoSandbox::kNo);
    return level.error();
  }
  SCI_TRY(check_hidden_outside_workdir(policy));
  SCI_TRY(check_log_path(policy.workdir, stdout_path));
  SCI_TRY(check_log_path(policy.workdir, stderr_path));
  if (!policy.scratch_dir.empty() && fs::is_within(fsys::absolute(policy.scratch_dir), policy.workdir))
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("sandbox: the scratch directory {} lies inside the working directory {}: choose "
                                  "one outside it",
                                  policy.scratch_dir.string(), policy.workdir.string()));

  SandboxOutcome result;
  result.level = policy.level;
  result.network = network_state(policy.level, policy.network);
  if (policy.level == SandboxLevel::kDegraded)
    result.warnings.push_back(
        "degraded sandbox: no network or filesystem isolation (no bubblewrap namespaces, no seccomp filter; network "
        "not isolated); resource limits, timeout, disk quota and environment scrubbing still apply");
  if (policy.level == SandboxLevel::kNone)
    result.warnings.push_back("NO SANDBOX: generated code runs with your full rights (--unsafe-no-sandbox)");
  for (const auto& w : result.warnings) log::warn("{}", w);

  std::optional<uid_t> uid;
  uid_t base = policy.uid_base ? policy.uid_base : kDefaultUidBase;
  std::optional<OwnershipSnapshot> owners;
  if (policy.level != SandboxLevel::kNone && probe_.host_root) {
    // A scientist killed during an earlier run left entries to that run's pool uid: they
    // belong to the directory's owner (its parent's, when the directory itself is left
    // over), or the snapshot would record the stale uid as their owner.
    SCI_TRY(repair_leftover_ownership(policy.workdir, base));
    // Recorded before anything changes: restored exactly after the run.
    SCI_ASSIGN_OR_RETURN(auto snapshot, OwnershipSnapshot::take(policy.workdir));
    owners = std::move(snapshot);
    SCI_TRY(check_reachable(policy.workdir));
    uid = uid_pool().acquire(base);
    if (!uid) return make_error(ErrorCode::kUnavailable, "sandbox: more than 64 concurrent runs");
  }
  auto scratch = make_run_scratch(policy.scratch_dir, uid);
  if (!scratch.ok()) {
    if (uid) uid_pool().release(base, *uid);
    return scratch.error();
  }
  // Nothing of the scratch outlives the run: HOME, /tmp and /dev/shm start empty every time.
  struct RemoveScratch {
    fsys::path dir;
    ~RemoveScratch() {
      std::error_code e;
      fsys::remove_all(dir, e);
    }
  } remove_scratch{scratch->dir};

  auto before = hash_files(policy.workdir, policy.protected_files);
  const auto originals = copy_protected(policy.workdir, policy.protected_files);

  ProcessSpec spec;
  spec.env = sandbox_environment(policy, host_env, *scratch);
  spec.cwd = policy.workdir;
  spec.timeout = policy.timeout;
  spec.kill_grace = policy.kill_grace;
  spec.stdout_path = stdout_path;
  spec.stderr_path = stderr_path;
  spec.max_output_bytes = policy.max_output_bytes;
  spec.cancel = cancel;
  spec.limits = policy.limits;
  spec.cpu_ids = policy.cpu_ids;
  spec.quota = DiskQuota{policy.workdir, policy.disk_quota_bytes, std::chrono::milliseconds(20), policy.max_files,
                         {scratch->dir}};
  spec.cgroup = CgroupMode::kAuto;
  if (policy.disk_quota_bytes > 0 && spec.limits.file_size_bytes == 0)
    spec.limits.file_size_bytes = policy.disk_quota_bytes + (1u << 20);  // one file can't overshoot
  SeccompFd filter;
  if (policy.level == SandboxLevel::kStrict) {
    auto fd = open_seccomp_fd();
    if (!fd.ok()) {
      if (uid) uid_pool().release(base, *uid);
      return fd.error();
    }
    filter = std::move(fd).value();
    spec.inherited_fds = {filter.get()};
    spec.argv = bwrap_arguments(policy, probe_.bwrap, gpu_device_paths(), *scratch, filter.get());
    spec.argv.insert(spec.argv.end(), argv.begin(), argv.end());
  } else {
    spec.argv = argv;
  }

  if (uid) {
    // Leftovers from a crashed earlier scientist using this uid go first.
    kill_all_of_uid(*uid, std::chrono::seconds(5));
    spec.run_as = RunAs{*uid, *uid};
    std::vector<fsys::path> keep;
    for (const auto& f : policy.protected_files) keep.push_back(policy.workdir / f);
    // Log folders inside the workdir stay ours: the run cannot swap the logs for links.
    for (const auto* log : {&stdout_path, &stderr_path})
      if (!log->empty() && fs::is_within(log->parent_path(), policy.workdir)) keep.push_back(log->parent_path());
    owners->hand_to(*uid, *uid, keep);
    result.run_uid = std::to_string(*uid);
  } else if (policy.level != SandboxLevel::kNone && spec.limits.max_processes > 0) {
    // Without a dedicated uid, RLIMIT_NPROC counts all our processes: budget on top.
    spec.limits.max_processes += processes_of_uid(::getuid()).size();
  }

  auto outcome = runner_.run(spec);
  if (uid) {
    owners->restore(*uid);
    uid_pool().release(base, *uid);
  }
  if (!outcome.ok()) return outcome.error();
  result.process = std::move(outcome).value();
  if (result.process.memory_limit == MemoryEnforcement::kRlimitAs && policy.limits.memory_bytes > 0) {
    result.warnings.push_back(fmt::format(
        "memory limit is per process (RLIMIT_AS, {} MB each) plus a total sampled every 100 ms (not a hard "
        "limit: a fast allocation can pass it between samples); no run cgroup here ({})",
        policy.limits.memory_bytes >> 20, probe_cgroup().detail));
    log::warn("{}", result.warnings.back());
  }

  auto after = hash_files(policy.workdir, policy.protected_files);
  for (const auto& [file, hash] : before)
    if (after[file] != hash) result.tampered_files.push_back(file);
  restore_protected(policy.workdir, originals, result.tampered_files, result.warnings);
  return result;
}

}  // namespace sci::proc
