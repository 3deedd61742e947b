// The sandbox for LLM-written code: picks the strongest isolation that works here
// (strict = bubblewrap namespaces + seccomp filter, degraded = dedicated uid + rlimits,
// none), builds the bwrap command line, scrubs the environment, gives every run a private
// scratch area (HOME, /tmp, /dev/shm) counted by the disk quota, hashes protected files
// before and after, and runs everything through a ProcessRunner. The rules come from the
// caller, never from the code being run.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proc/process_runner.h"

namespace sci::proc {

enum class SandboxLevel { kStrict, kDegraded, kNone };
enum class SandboxRequest { kAuto, kStrict, kDegraded, kNone };
enum class UnsafeNoSandbox { kNo, kYes };  // --unsafe-no-sandbox given
enum class NetworkAccess { kOff, kOn };

const char* sandbox_level_name(SandboxLevel level);  // "strict", "degraded", "none"
// Parses "auto|strict|degraded|none"; kInvalidArgument naming the choices otherwise.
Result<SandboxRequest> parse_sandbox_request(std::string_view text);

// What this machine supports (probed once per process by probe_sandbox()).
struct SandboxProbe {
  std::filesystem::path bwrap;   // empty when bwrap is not installed
  bool namespaces_work = false;  // `bwrap --unshare-all ... true` succeeded
  bool seccomp_works = false;    // ... and with `--seccomp FD` (our filter) too
  bool host_root = false;        // scientist runs as root: runs drop to a dedicated uid
  std::string detail;            // why namespaces do not work (bwrap's own message)
  std::string seccomp_detail;    // why the seccomp filter cannot be applied
  // The strict level needs both: it never runs without its seccomp filter.
  bool strict_available() const { return namespaces_work && seccomp_works; }
};

// Probes bwrap (as the uid runs would use) and caches the answer; thread-safe.
const SandboxProbe& probe_sandbox();

// As root, every run drops to a dedicated uid, which needs `dir` (when it exists) and
// each of its ancestors to be searchable by other users. kInvalidArgument names the
// directory and the fix; OK when runs keep our uid. For pre-flight checks of --results.
Status check_sandbox_can_reach(const std::filesystem::path& dir, const SandboxProbe& probe = probe_sandbox());

// The level a request gets. Errors (kUnavailable / kInvalidArgument) carry the fix:
// strict without working namespaces names the package or sysctl; none without
// --unsafe-no-sandbox is refused.
Result<SandboxLevel> choose_sandbox_level(SandboxRequest request, const SandboxProbe& probe,
                                          UnsafeNoSandbox unsafe);
// One line for doctor: "strict (bubblewrap namespaces + seccomp filter)" or why only degraded works.
std::string describe_sandbox_availability(const SandboxProbe& probe);

// What a level enforces and what it does not, one phrase each, for doctor and the docs.
struct LevelLimits {
  std::vector<std::string> enforced;
  std::vector<std::string> not_enforced;
};
LevelLimits sandbox_level_limits(SandboxLevel level);

// The network a run really gets. name: "off" | "on" | "not_isolated"; description, e.g.
// "not isolated (degraded level has no network namespace)".
struct NetworkState {
  std::string name;
  std::string description;
};
NetworkState network_state(SandboxLevel level, NetworkAccess requested);

// The rules of one sandboxed run. Everything here comes from the template manifest
// and the configuration, never from the code being run.
struct SandboxPolicy {
  SandboxLevel level = SandboxLevel::kStrict;
  std::filesystem::path workdir;  // absolute; the only writable place (plus a private /tmp)
  std::vector<std::filesystem::path> read_only_paths;  // re-exposed read-only (data dirs, a venv)
  std::vector<std::filesystem::path> hidden_paths;     // made empty/invisible (other ideas, config)
  NetworkAccess network = NetworkAccess::kOff;
  std::vector<std::string> gpus;  // CUDA_VISIBLE_DEVICES; empty = no GPU visible
  std::vector<int> cpu_ids;       // CPUs the run is pinned to (and thread pools sized for); empty = no pinning
  ResourceLimits limits;          // max_processes is the sandbox's own process budget; memory_bytes the run's
  std::uint64_t disk_quota_bytes = 0;  // watchdog on workdir + the run's scratch (allocated blocks); 0 = off
  std::uint64_t max_files = 100000;    // entries the workdir may hold (watchdog); 0 = off
  // Where each run's private scratch directory (HOME, /tmp and /dev/shm of the run) is
  // made and, after the run, deleted; on disk, counted by disk_quota_bytes. Empty =
  // /var/tmp/scientist-scratch-<our uid>.
  std::filesystem::path scratch_dir;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds kill_grace{2000};
  std::uint64_t max_output_bytes = 64ull << 20;
  std::vector<std::string> protected_files;  // relative to workdir; hashed before and after
  std::map<std::string, std::string> extra_env;  // e.g. template settings; secrets are dropped
  uid_t uid_base = 61000;  // as root, runs use uids uid_base .. uid_base+63 (one per concurrent run)
};

struct SandboxOutcome {
  ProcessOutcome process;
  SandboxLevel level = SandboxLevel::kStrict;
  std::vector<std::string> tampered_files;  // protected files changed, added or removed
  std::vector<std::string> warnings;        // e.g. the degraded-mode warning
  std::string run_uid;                      // host uid the run used ("" = ours)
  // How limits.memory_bytes held: process.memory_limit ("cgroup" or "per-process RLIMIT_AS").
  NetworkState network;  // what the run's network really was
  bool tampered() const { return !tampered_files.empty(); }
};

// One run's private scratch directory (host paths): `home` becomes HOME, `tmp` the run's
// /tmp (strict) or TMPDIR (degraded, none), `shm` the run's /dev/shm (strict).
struct RunScratch {
  std::filesystem::path dir;  // holds the three below; removed after the run
  std::filesystem::path home, tmp, shm;
};
// The layout of a scratch directory at `dir` (nothing is created).
RunScratch run_scratch_layout(const std::filesystem::path& dir);

// True for names that look like credentials (…KEY, …TOKEN, …SECRET, PASSWORD, …).
bool looks_like_secret(std::string_view env_name);
// The environment a sandboxed process gets: a small allow-list from `host` (PATH, locale,
// TZ), HOME=scratch.home (/nonexistent without a scratch), TMPDIR (/tmp in strict, else
// scratch.tmp), PYTHONNOUSERSITE=1, CUDA_VISIBLE_DEVICES from gpus, OMP_NUM_THREADS,
// OPENBLAS_NUM_THREADS and MKL_NUM_THREADS = the number of cpu_ids (when pinned), then
// extra_env (which wins); never a secret.
std::map<std::string, std::string> sandbox_environment(const SandboxPolicy& policy,
                                                       const std::map<std::string, std::string>& host,
                                                       const RunScratch& scratch = {});
// The bwrap argv prefix for strict mode (ends with "--"); pure, for tests and `--json`.
// /tmp and /dev/shm are the scratch's tmp and shm, HOME its home; /dev, /home and /root are
// read-only; `seccomp_fd` >= 0 adds `--seccomp FD`.
std::vector<std::string> bwrap_arguments(const SandboxPolicy& policy, const std::filesystem::path& bwrap,
                                         const std::vector<std::string>& gpu_devices, const RunScratch& scratch,
                                         int seccomp_fd);

// Makes `dir` a fresh, empty directory owned by us (mode 0755): whatever is there (a
// file, a symlink, a tree an earlier run owned) is removed without following links.
// For log folders the host writes inside a working directory. kIo on failure.
Status reset_private_dir(const std::filesystem::path& dir);

// Runs commands under a policy through `runner` (the real PosixProcessRunner or a fake).
class Sandbox {
 public:
  explicit Sandbox(ProcessRunner& runner, SandboxProbe probe = probe_sandbox())
      : runner_(runner), probe_(std::move(probe)) {}

  // Runs `argv` in policy.workdir. Errors only when the run cannot start (kInvalidArgument
  // for a bad policy, e.g. a hidden path inside the workdir or a log path reached through a
  // symlink below it; kUnavailable for strict without namespaces or seccomp, kNotFound,
  // kIo); a failing, killed or tampering command is an outcome. stdout/stderr go to the
  // given files (capped; never through a symlink; a log folder inside the workdir stays
  // ours during the run).
  Result<SandboxOutcome> run(const SandboxPolicy& policy, const std::vector<std::string>& argv,
                             const std::filesystem::path& stdout_path, const std::filesystem::path& stderr_path,
                             const std::atomic<bool>* cancel = nullptr);

 private:
  ProcessRunner& runner_;
  SandboxProbe probe_;
};

// Hashes of `files` (relative to dir); a missing file, or a symbolic link in its place, maps to "".
std::map<std::string, std::string> hash_files(const std::filesystem::path& dir, const std::vector<std::string>& files);

}  // namespace sci::proc
