// The sandbox for LLM-written code: picks the strongest isolation that works here
// (strict = bubblewrap namespaces, degraded = dedicated uid + rlimits, none), builds the
// bwrap command line, scrubs the environment, hashes protected files before and after,
// and runs everything through a ProcessRunner. The rules come from the caller, never
// from the code being run.
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
  bool host_root = false;        // scientist runs as root: runs drop to a dedicated uid
  std::string detail;            // why namespaces do not work (bwrap's own message)
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
// One line for doctor: "strict (bubblewrap namespaces)" or why only degraded works.
std::string describe_sandbox_availability(const SandboxProbe& probe);

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
  std::uint64_t disk_quota_bytes = 0;  // watchdog on workdir (allocated blocks); 0 = off
  std::uint64_t max_files = 100000;    // entries the workdir may hold (watchdog); 0 = off
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
  bool tampered() const { return !tampered_files.empty(); }
};

// True for names that look like credentials (…KEY, …TOKEN, …SECRET, PASSWORD, …).
bool looks_like_secret(std::string_view env_name);
// The environment a sandboxed process gets: a small allow-list from `host` (PATH, locale,
// TZ), HOME=workdir, TMPDIR=/tmp, CUDA_VISIBLE_DEVICES from gpus, OMP_NUM_THREADS,
// OPENBLAS_NUM_THREADS and MKL_NUM_THREADS = the number of cpu_ids (when pinned),
// then extra_env (which wins); never a secret.
std::map<std::string, std::string> sandbox_environment(const SandboxPolicy& policy,
                                                       const std::map<std::string, std::string>& host);
// The bwrap argv prefix for strict mode (ends with "--"); pure, for tests and `--json`.
std::vector<std::string> bwrap_arguments(const SandboxPolicy& policy, const std::filesystem::path& bwrap,
                                         const std::vector<std::string>& gpu_devices);

// Runs commands under a policy through `runner` (the real PosixProcessRunner or a fake).
class Sandbox {
 public:
  explicit Sandbox(ProcessRunner& runner, SandboxProbe probe = probe_sandbox())
      : runner_(runner), probe_(std::move(probe)) {}

  // Runs `argv` in policy.workdir. Errors only when the run cannot start (kInvalidArgument
  // for a bad policy, kUnavailable for strict without namespaces, kNotFound, kIo); a failing,
  // killed or tampering command is an outcome. stdout/stderr go to the given files (capped).
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
