// LocalRunExecutor: one attempt = snapshot, sandboxed run with rules from the manifest
// and config, outcome mapping, attempt record, results validation, environment record.
// Failed attempts are moved, never deleted, so plot.py (glob run_*) sees only successes.
#include "experiment/local_run_executor.h"

#include <sys/utsname.h>

#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/environment.h"
#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"
#include "proc/find_program.h"
#include "proc/run_capture.h"

namespace sci::experiment {

namespace fsys = std::filesystem;
using nlohmann::json;

std::vector<std::string> run_argv(const templates::Manifest& manifest, int run_index) {
  return templates::expand_command(manifest, manifest.run_command, fmt::format("run_{}", run_index));
}

bool is_cuda_oom(const std::string& text) {
  for (const char* marker : {"CUDA out of memory", "torch.cuda.OutOfMemoryError", "torch.OutOfMemoryError",
                             "CUDA_ERROR_OUT_OF_MEMORY", "cudaErrorMemoryAllocation", "RESOURCE_EXHAUSTED: Out of memory"})
    if (text.find(marker) != std::string::npos) return true;
  return false;
}

namespace {

std::string first_match(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (str::starts_with(line, key)) {
      auto colon = line.find_first_of(":=", key.size());
      if (colon == std::string::npos) continue;
      std::string v(str::trim(std::string_view(line).substr(colon + 1)));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "";
}

// Interpreter facts, probed once per interpreter (importing nothing heavy: versions come
// from package metadata), in a scrubbed environment from "/" in isolated mode so no file
// of the idea directory can shadow a module.
json interpreter_facts(const std::string& interpreter) {
  static std::mutex mu;
  static std::map<std::string, json> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(interpreter); it != cache.end()) return it->second;
  static const char* kScript =
      "import sys, json\n"
      "out = {'python': sys.version.split()[0], 'packages': {}}\n"
      "try:\n"
      "    from importlib import metadata\n"
      "except Exception:\n"
      "    metadata = None\n"
      "for m in ('torch', 'numpy', 'scipy', 'matplotlib'):\n"
      "    try:\n"
      "        out['packages'][m] = metadata.version(m)\n"
      "    except Exception:\n"
      "        out['packages'][m] = None\n"
      "print(json.dumps(out))\n";
  proc::ProcessSpec spec;
  spec.argv = {interpreter, "-I", "-c", kScript};
  spec.cwd = "/";
  proc::SandboxPolicy scrub;
  scrub.workdir = "/";
  spec.env = proc::sandbox_environment(scrub, env::snapshot());
  spec.timeout = std::chrono::seconds(60);
  spec.kill_grace = std::chrono::seconds(1);
  proc::PosixProcessRunner runner;
  json facts = {{"interpreter", interpreter}, {"python", nullptr}, {"packages", json::object()}};
  auto out = runner.run(spec);
  if (out.ok() && out->ok()) {
    auto parsed = sci::json::parse(str::trim(out->stdout_tail), "interpreter probe");
    if (parsed.ok() && parsed->is_object()) {
      facts["python"] = (*parsed)["python"];
      facts["packages"] = (*parsed)["packages"];
    }
  }
  cache[interpreter] = facts;
  return facts;
}

json gpu_facts(const std::vector<std::string>& gpus) {
  json arr = json::array();
  if (gpus.empty()) return arr;
  auto probe = proc::run_capture(
      {"nvidia-smi", "--query-gpu=index,name,memory.total,driver_version", "--format=csv,noheader,nounits"},
      std::chrono::seconds(15));
  if (!probe.ok() || probe->exit_code != 0) return arr;
  for (const auto& line : str::split_lines(probe->output)) {
    auto parts = str::split(line, ',');
    if (parts.size() < 4) continue;
    std::string index(str::trim(parts[0]));
    if (std::find(gpus.begin(), gpus.end(), index) == gpus.end()) continue;
    json g = {{"index", index}, {"name", std::string(str::trim(parts[1]))}, {"driver", std::string(str::trim(parts[3]))}};
    try {
      g["memory_mb"] = std::stol(std::string(str::trim(parts[2])));
    } catch (...) {
      g["memory_mb"] = nullptr;
    }
    arr.push_back(g);
  }
  return arr;
}

json machine_facts(const std::string& interpreter, const std::vector<std::string>& gpus) {
  json j;
  j["cpu_model"] = first_match("/proc/cpuinfo", "model name");
  j["cpu_cores"] = std::thread::hardware_concurrency();
  std::string mem = first_match("/proc/meminfo", "MemTotal");  // "16318412 kB"
  try {
    j["ram_mb"] = mem.empty() ? json(nullptr) : json(std::stoll(mem) / 1024);
  } catch (...) {
    j["ram_mb"] = nullptr;
  }
  utsname u{};
  std::string kernel = ::uname(&u) == 0 ? fmt::format("{} {} {}", u.sysname, u.release, u.machine) : "";
  j["os"] = first_match("/etc/os-release", "PRETTY_NAME");
  j["kernel"] = kernel;
  j["gpus"] = gpu_facts(gpus);
  json interp = interpreter_facts(interpreter);
  j["interpreter"] = interp["interpreter"];
  j["python"] = interp["python"];
  j["packages"] = interp["packages"];
  return j;
}

// Moves `from` into `to` (a new path); never deletes. Falls back to copy+remove across
// filesystems.
void move_path(const fsys::path& from, const fsys::path& to) {
  std::error_code ec;
  fsys::rename(from, to, ec);
  if (!ec) return;
  fsys::copy(from, to, fsys::copy_options::recursive | fsys::copy_options::copy_symlinks, ec);
  if (ec) {
    log::warn("could not move {} to {}: {}", from.string(), to.string(), ec.message());
    return;
  }
  fsys::remove_all(from, ec);
}

class LocalRunExecutor final : public RunExecutor {
 public:
  LocalRunExecutor(LocalRunExecutorOptions options, proc::SandboxLevel level, const proc::SandboxProbe& probe)
      : options_(std::move(options)), level_(level), probe_(probe) {
    if (!options_.runner) {
      owned_runner_ = std::make_unique<proc::PosixProcessRunner>();
      options_.runner = owned_runner_.get();
    }
  }

  Result<RunResult> run(const templates::Manifest& manifest, const RunRequest& request) override;

 private:
  LocalRunExecutorOptions options_;
  proc::SandboxLevel level_;
  proc::SandboxProbe probe_;
  std::unique_ptr<proc::ProcessRunner> owned_runner_;
};

Result<RunResult> LocalRunExecutor::run(const templates::Manifest& manifest, const RunRequest& request) {
  std::error_code ec;
  fsys::path idea_dir = fsys::weakly_canonical(fsys::absolute(request.idea_dir, ec), ec);
  if (!fsys::is_directory(idea_dir, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("idea directory {} does not exist", request.idea_dir.string()));
  if (!proc::find_program(manifest.interpreter))
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("interpreter {} not found: install it or set interpreter in template.toml",
                                  manifest.interpreter));
  const int i = request.run_index;
  const std::string run_name = fmt::format("run_{}", i);
  const fsys::path out_dir = idea_dir / run_name;
  fsys::path attempt_dir = idea_dir / "attempts" / fmt::format("{}.{}", run_name, request.attempt);
  for (int n = 2; fsys::exists(attempt_dir, ec); ++n)  // a re-attempt after a crash keeps both
    attempt_dir = idea_dir / "attempts" / fmt::format("{}.{}-{}", run_name, request.attempt, n);
  // attempts/ is in the directory the runs write: a planted link there is refused, not followed.
  SCI_TRY(fs::check_no_links_beneath(idea_dir, attempt_dir));
  fsys::create_directories(attempt_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", attempt_dir.string(), ec.message()));
  if (fsys::exists(out_dir, ec)) move_path(out_dir, attempt_dir / "previous_out");

  // Snapshot the code this attempt runs with (the original's run_i.py).
  const fsys::path snapshot = idea_dir / (run_name + ".py");
  if (auto code = fs::read_file_beneath(idea_dir, "experiment.py", fs::kMaxSourceFileBytes); code.ok())
    SCI_TRY(fs::write_file_atomic(snapshot, *code));

  const int timeout_s = request.timeout_s > 0 ? request.timeout_s : manifest.run_timeout_s;
  const int memory_mb = manifest.memory_mb > 0 ? manifest.memory_mb : options_.memory_mb;
  const int quota_mb = manifest.disk_quota_mb > 0 ? manifest.disk_quota_mb : options_.disk_quota_mb;
  const int max_procs = manifest.max_processes > 0 ? manifest.max_processes : options_.max_processes;

  proc::SandboxPolicy policy;
  policy.level = level_;
  policy.workdir = idea_dir;
  policy.hidden_paths = options_.hidden_paths;
  policy.hidden_paths.push_back(idea_dir.parent_path());  // other ideas' results
  for (const auto& d : manifest.data_dirs) policy.read_only_paths.push_back(manifest.dir / d);
  fsys::path interp = fsys::weakly_canonical(manifest.interpreter, ec);
  if (!str::starts_with(interp.string(), "/usr/") && interp.has_parent_path())
    policy.read_only_paths.push_back(interp.parent_path().parent_path());  // a venv outside /usr
  policy.network = (manifest.network == templates::Network::kOn || options_.network == proc::NetworkAccess::kOn)
                       ? proc::NetworkAccess::kOn
                       : proc::NetworkAccess::kOff;
  policy.gpus = request.gpus;
  policy.cpu_ids = request.cpu_ids;
  // The whole run's memory (a cgroup where one works). CUDA reserves far more address
  // space than it uses: without a cgroup a GPU run gets no RLIMIT_AS instead.
  if (memory_mb > 0) policy.limits.memory_bytes = std::uint64_t(memory_mb) << 20;
  if (!request.gpus.empty()) policy.limits.memory_fallback = proc::MemoryFallback::kNone;
  if (timeout_s > 0)
    policy.limits.cpu_time_s = std::uint64_t(timeout_s) * std::max(1u, std::thread::hardware_concurrency()) + 60;
  policy.limits.open_files = 4096;
  policy.limits.max_processes = static_cast<std::uint64_t>(std::max(0, max_procs));
  policy.disk_quota_bytes = std::uint64_t(std::max(0, quota_mb)) << 20;
  policy.max_files = options_.max_files;
  policy.timeout = std::chrono::seconds(timeout_s);
  policy.kill_grace = std::chrono::seconds(options_.kill_grace_s);
  policy.max_output_bytes = options_.max_output_mb << 20;
  policy.protected_files = manifest.protected_files;
  policy.uid_base = static_cast<uid_t>(options_.uid_base);
  policy.scratch_dir = options_.scratch_dir;

  auto argv = run_argv(manifest, i);
  proc::Sandbox sandbox(*options_.runner, probe_);
  log::info("run {} attempt {}: {} (sandbox {}, timeout {} s)", i, request.attempt, str::join(argv, " "),
            proc::sandbox_level_name(level_), timeout_s);
  auto ran = sandbox.run(policy, argv, attempt_dir / "stdout.txt", attempt_dir / "stderr.txt", request.cancel);
  if (!ran.ok()) return ran.error().with_context(fmt::format("{} attempt {}", run_name, request.attempt));
  const proc::SandboxOutcome& so = *ran;
  const proc::ProcessOutcome& po = so.process;
  if (po.kind == proc::ExitKind::kCancelled)
    return make_error(ErrorCode::kCancelled, fmt::format("{} cancelled", run_name));

  RunResult result;
  result.exit_code = po.exit_code;
  result.stderr_tail = po.stderr_tail;
  result.sandbox_level = proc::sandbox_level_name(so.level);
  result.wall_s = po.wall_s;
  if (so.tampered()) {
    result.status = RunStatus::kTampered;
    result.message = fmt::format("protected files changed: {} (the template's harness files must stay as they are)",
                                 str::join(so.tampered_files, ", "));
  } else if (po.kind == proc::ExitKind::kTimedOut) {
    result.status = RunStatus::kTimedOut;
    result.message = fmt::format("timed out after {} s (the limit comes from the template and config; "
                                 "experiment.py cannot change it)", timeout_s);
  } else if (po.kind == proc::ExitKind::kOutputLimitExceeded) {
    result.status = RunStatus::kOutputLimit;
    result.message = fmt::format("output limit exceeded: more than {} MB on stdout or stderr; print less",
                                 options_.max_output_mb);
  } else if (po.kind == proc::ExitKind::kQuotaExceeded) {
    result.status = RunStatus::kQuotaExceeded;
    // describe_outcome names the limit crossed: total size, file count or one file's size.
    result.message = fmt::format("{} (idea directory quota {} MB); write fewer or smaller files (no checkpoints)",
                                 proc::describe_outcome(po), quota_mb);
  } else if (po.kind == proc::ExitKind::kMemoryLimitExceeded) {
    result.status = RunStatus::kFailed;
    result.message = fmt::format("memory limit exceeded: the run (all its processes together) used more than {} MB; "
                                 "use less memory (smaller batches or data)",
                                 memory_mb);
  } else if (!po.ok()) {
    if (is_cuda_oom(po.stderr_tail)) {
      result.status = RunStatus::kCudaOom;
      result.message = fmt::format("CUDA out of memory on GPU {}: reduce the batch size or the model size",
                                   request.gpus.empty() ? std::string("(none assigned)") : str::join(request.gpus, ","));
    } else {
      result.status = RunStatus::kFailed;
      result.message = proc::describe_outcome(po);
      if (po.stderr_tail.find("MemoryError") != std::string::npos && memory_mb > 0)
        result.message += fmt::format(" (out of memory: the limit is {} MB)", memory_mb);
    }
  } else {
    auto info = templates::load_final_info(out_dir / "final_info.json");
    if (!info.ok()) {
      result.status = RunStatus::kBadResults;
      result.message = info.error().to_string();
    } else {
      result.status = RunStatus::kSucceeded;
      result.results = std::move(info).value();
      result.message = fmt::format("succeeded in {:.1f} s", po.wall_s);
    }
  }

  // The rules and the outcome, recorded with every attempt.
  json rules = {{"sandbox_level", result.sandbox_level},
                {"argv", argv},
                {"timeout_s", timeout_s},
                {"memory_mb", memory_mb},
                {"memory_limit", proc::memory_enforcement_name(po.memory_limit)},
                {"max_files", policy.max_files},
                {"disk_quota_mb", quota_mb},
                {"max_processes", max_procs},
                {"max_output_mb", options_.max_output_mb},
                {"network", so.network.name},  // off | on | not_isolated (degraded, none)
                {"network_detail", so.network.description},
                {"gpus", request.gpus},
                {"cpus", request.cpu_ids},
                {"run_uid", so.run_uid},
                {"protected_files", manifest.protected_files}};
  json record = {{"run", i},
                 {"attempt", request.attempt},
                 {"status", run_status_name(result.status)},
                 {"message", result.message},
                 {"exit_kind", proc::exit_kind_name(po.kind)},
                 {"exit_code", po.exit_code},
                 {"signal", po.signal},
                 {"wall_s", po.wall_s},
                 {"peak_rss_mb", po.peak_rss_kb / 1024},
                 {"stdout_bytes", po.stdout_bytes},
                 {"stderr_bytes", po.stderr_bytes},
                 {"peak_disk_mb", po.peak_disk_bytes >> 20},
                 {"leftover_processes_killed", po.leftover_processes_killed},
                 {"tampered_files", so.tampered_files},
                 {"warnings", so.warnings},
                 {"rules", rules},
                 {"finished_at", time::now_iso8601()}};
  SCI_TRY(fs::write_file_atomic(attempt_dir / "attempt.json", sci::json::dump(record, 2) + "\n"));

  if (result.status != RunStatus::kSucceeded) {
    if (fsys::exists(out_dir, ec)) move_path(out_dir, attempt_dir / "out");
    if (auto code = fs::read_file_beneath(idea_dir, snapshot, fs::kMaxSourceFileBytes); code.ok())
      SCI_TRY(fs::write_file_atomic(attempt_dir / (run_name + ".py"), *code));
    result.run_dir = attempt_dir;
    return result;
  }
  result.run_dir = out_dir;
  json env = options_.record_environment ? machine_facts(manifest.interpreter, request.gpus) : json::object();
  env["wall_s"] = po.wall_s;
  env["peak_rss_mb"] = po.peak_rss_kb / 1024;
  env["sandbox"] = rules;
  env["recorded_at"] = time::now_iso8601();
  SCI_TRY(fs::write_file_atomic(out_dir / "environment.json", sci::json::dump(env, 2) + "\n"));
  return result;
}

}  // namespace

std::string machine_environment_json(const std::string& interpreter, const std::vector<std::string>& gpus) {
  return sci::json::dump(machine_facts(interpreter, gpus), 2);
}

Result<std::unique_ptr<RunExecutor>> make_local_run_executor(const LocalRunExecutorOptions& options) {
  const proc::SandboxProbe& probe = options.probe ? *options.probe : proc::probe_sandbox();
  SCI_ASSIGN_OR_RETURN(auto level, proc::choose_sandbox_level(options.sandbox, probe, options.unsafe));
  log::info("sandbox: {} (this machine: {})", proc::sandbox_level_name(level), proc::describe_sandbox_availability(probe));
  return std::unique_ptr<RunExecutor>(std::make_unique<LocalRunExecutor>(options, level, probe));
}

}  // namespace sci::experiment
