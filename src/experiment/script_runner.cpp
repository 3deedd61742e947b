// The sandboxed script runner; see script_runner.h. The rules mirror the run executor's
// (same options struct) so plot.py gets no more rights than experiment.py.
#include "experiment/script_runner.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/log.h"
#include "base/strings.h"
#include "proc/sandbox.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

const char* script_status_name(ScriptStatus s) {
  switch (s) {
    case ScriptStatus::kSucceeded: return "succeeded";
    case ScriptStatus::kFailed: return "failed";
    case ScriptStatus::kTimedOut: return "timed_out";
    case ScriptStatus::kOutputLimit: return "output_limit";
    case ScriptStatus::kQuotaExceeded: return "quota_exceeded";
    case ScriptStatus::kTampered: return "tampered";
  }
  return "failed";
}

namespace {

class SandboxScriptRunner final : public ScriptRunner {
 public:
  SandboxScriptRunner(LocalRunExecutorOptions options, proc::SandboxLevel level, proc::SandboxProbe probe)
      : options_(std::move(options)), level_(level), probe_(std::move(probe)) {
    if (!options_.runner) {
      owned_runner_ = std::make_unique<proc::PosixProcessRunner>();
      options_.runner = owned_runner_.get();
    }
  }

  Result<ScriptResult> run(const templates::Manifest& manifest, const ScriptRequest& request) override {
    if (request.argv.empty()) return make_error(ErrorCode::kInvalidArgument, "script command is empty");
    std::error_code ec;
    // The log folder sits in attempts/ of the idea directory, which runs write: no link followed.
    if (const auto idea_dir = request.log_dir.parent_path().parent_path(); !idea_dir.empty())
      SCI_TRY(fs::check_no_links_beneath(idea_dir, request.log_dir));
    stdfs::create_directories(request.log_dir, ec);
    if (ec)
      return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", request.log_dir.string(), ec.message()));
    const int memory_mb = manifest.memory_mb > 0 ? manifest.memory_mb : options_.memory_mb;
    const int quota_mb = manifest.disk_quota_mb > 0 ? manifest.disk_quota_mb : options_.disk_quota_mb;
    const int max_procs = manifest.max_processes > 0 ? manifest.max_processes : options_.max_processes;

    proc::SandboxPolicy policy;
    policy.level = level_;
    policy.workdir = request.idea_dir;
    policy.hidden_paths = options_.hidden_paths;
    policy.hidden_paths.push_back(request.idea_dir.parent_path());  // other ideas' results
    for (const auto& d : manifest.data_dirs) policy.read_only_paths.push_back(manifest.dir / d);
    stdfs::path interp = stdfs::weakly_canonical(manifest.interpreter, ec);
    if (!str::starts_with(interp.string(), "/usr/") && interp.has_parent_path())
      policy.read_only_paths.push_back(interp.parent_path().parent_path());  // a venv outside /usr
    // Plotting never needs the network, even when the template lets the experiment out.
    policy.network = proc::NetworkAccess::kOff;
    policy.cpu_ids = request.cpu_ids;
    if (memory_mb > 0) policy.limits.memory_bytes = std::uint64_t(memory_mb) << 20;
    // CPU time is counted over all threads: allow every core for the whole wall limit.
    if (request.timeout_s > 0)
      policy.limits.cpu_time_s =
          std::uint64_t(request.timeout_s) * std::max(1u, std::thread::hardware_concurrency()) + 60;
    policy.limits.open_files = 4096;
    policy.limits.max_processes = static_cast<std::uint64_t>(std::max(0, max_procs));
    policy.disk_quota_bytes = std::uint64_t(std::max(0, quota_mb)) << 20;
    policy.max_files = options_.max_files;
    policy.timeout = std::chrono::seconds(request.timeout_s);
    policy.kill_grace = std::chrono::seconds(options_.kill_grace_s);
    policy.max_output_bytes = options_.max_output_mb << 20;
    policy.protected_files = manifest.protected_files;
    policy.uid_base = static_cast<uid_t>(options_.uid_base);
    policy.scratch_dir = options_.scratch_dir;

    proc::Sandbox sandbox(*options_.runner, probe_);
    log::info("plot: {} (sandbox {}, timeout {} s)", str::join(request.argv, " "), proc::sandbox_level_name(level_),
              request.timeout_s);
    auto ran = sandbox.run(policy, request.argv, request.log_dir / "stdout.txt", request.log_dir / "stderr.txt",
                           request.cancel);
    if (!ran.ok()) return ran.error();
    const proc::ProcessOutcome& po = ran->process;
    if (po.kind == proc::ExitKind::kCancelled) return make_error(ErrorCode::kCancelled, "plot command cancelled");
    ScriptResult r;
    r.exit_code = po.exit_code;
    r.stdout_tail = po.stdout_tail;
    r.stderr_tail = po.stderr_tail;
    r.wall_s = po.wall_s;
    r.sandbox_level = proc::sandbox_level_name(ran->level);
    if (ran->tampered()) {
      r.status = ScriptStatus::kTampered;
      r.message = fmt::format("protected files changed: {}", str::join(ran->tampered_files, ", "));
    } else if (po.kind == proc::ExitKind::kTimedOut) {
      r.status = ScriptStatus::kTimedOut;
      r.message = fmt::format("timed out after {} s", request.timeout_s);
    } else if (po.kind == proc::ExitKind::kOutputLimitExceeded) {
      r.status = ScriptStatus::kOutputLimit;
      r.message = fmt::format("output limit exceeded: more than {} MB on stdout or stderr", options_.max_output_mb);
    } else if (po.kind == proc::ExitKind::kQuotaExceeded) {
      r.status = ScriptStatus::kQuotaExceeded;
      r.message = fmt::format("{} (idea directory quota {} MB)", proc::describe_outcome(po), quota_mb);
    } else if (!po.ok()) {
      r.status = ScriptStatus::kFailed;
      r.message = proc::describe_outcome(po);
    } else {
      r.status = ScriptStatus::kSucceeded;
      r.message = fmt::format("succeeded in {:.1f} s", po.wall_s);
    }
    return r;
  }

 private:
  LocalRunExecutorOptions options_;
  proc::SandboxLevel level_;
  proc::SandboxProbe probe_;
  std::unique_ptr<proc::ProcessRunner> owned_runner_;
};

}  // namespace

Result<std::unique_ptr<ScriptRunner>> make_sandbox_script_runner(const LocalRunExecutorOptions& options) {
  const proc::SandboxProbe& probe = options.probe ? *options.probe : proc::probe_sandbox();
  SCI_ASSIGN_OR_RETURN(auto level, proc::choose_sandbox_level(options.sandbox, probe, options.unsafe));
  return std::unique_ptr<ScriptRunner>(std::make_unique<SandboxScriptRunner>(options, level, probe));
}

}  // namespace sci::experiment
