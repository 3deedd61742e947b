// Baseline runs and their cache; see baseline.h.
// The commands run in the sandbox like every experiment run (auto level), with the
// manifest's timeouts and limits.
#include "templates/baseline.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"
#include "proc/find_program.h"
#include "proc/process_runner.h"
#include "proc/sandbox.h"

namespace sci::templates {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kInfoFile = "run_0/baseline.json";
constexpr size_t kTailBytes = 3000;
constexpr std::uintmax_t kMaxCopyBytes = 64ull << 20;  // skip big data files in the plot scratch copy

std::string hash_or_empty(const stdfs::path& path) {
  auto h = fs::sha256_file(path);
  return h.ok() ? *h : std::string();
}

struct Step {
  double wall_s = 0;
  std::string output;
};

// Runs one baseline command in the sandbox (auto level: strict where namespaces work),
// with the manifest's limits, `cwd` the only writable directory, output kept in files
// next to it. A timeout or a non-zero exit is an error naming the fix.
Result<Step> run_step(const char* what, const Manifest& manifest, const stdfs::path& cwd,
                      const std::vector<std::string>& argv, int timeout_s, const std::atomic<bool>* cancel) {
  static const proc::SandboxProbe probe = proc::probe_sandbox();
  SCI_ASSIGN_OR_RETURN(proc::SandboxLevel level,
                       proc::choose_sandbox_level(proc::SandboxRequest::kAuto, probe, proc::UnsafeNoSandbox::kNo));
  proc::SandboxPolicy policy;
  policy.level = level;
  policy.workdir = cwd;
  for (const auto& d : manifest.data_dirs) policy.read_only_paths.push_back(manifest.dir / d);
  policy.network = manifest.network == Network::kOn ? proc::NetworkAccess::kOn : proc::NetworkAccess::kOff;
  if (manifest.memory_mb > 0) policy.limits.address_space_bytes = std::uint64_t(manifest.memory_mb) << 20;
  if (manifest.max_processes > 0) policy.limits.max_processes = static_cast<std::uint64_t>(manifest.max_processes);
  policy.limits.open_files = 4096;
  policy.timeout = std::chrono::seconds(timeout_s);
  fs::ScopedTempDir log_dir("scientist-baseline-log");  // private: 0700, a fresh name
  if (log_dir.path().empty()) return make_error(ErrorCode::kIo, "cannot create a private temp directory for logs");
  const stdfs::path& logs = log_dir.path();
  proc::PosixProcessRunner runner;
  proc::Sandbox sandbox(runner, probe);
  auto start = std::chrono::steady_clock::now();
  auto r = sandbox.run(policy, argv, logs / "stdout.txt", logs / "stderr.txt", cancel);
  Step step;
  step.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  step.output = fs::read_file_beneath(logs, "stdout.txt", fs::kMaxResultFileBytes).value_or("") +
                fs::read_file_beneath(logs, "stderr.txt", fs::kMaxResultFileBytes).value_or("");
  if (!r.ok()) return r.error().with_context(fmt::format("running {}", what));
  std::string cmd = str::join(argv, " ");
  const proc::ProcessOutcome& po = r->process;
  if (po.kind == proc::ExitKind::kCancelled) return make_error(ErrorCode::kCancelled, fmt::format("{} cancelled", what));
  if (po.kind == proc::ExitKind::kTimedOut)
    return make_error(ErrorCode::kTimeout,
                      fmt::format("{} (`{}` in {}) exceeded its {} s limit; make it faster or raise timeouts.{}_s in "
                                  "template.toml. Output tail:\n{}",
                                  what, cmd, cwd.string(), timeout_s, what == std::string("plot.py") ? "plot" : "run",
                                  str::tail_utf8(step.output, kTailBytes)));
  if (po.kind != proc::ExitKind::kCompleted || po.exit_code != 0)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("{} (`{}` in {}) failed ({}). Output tail:\n{}", what, cmd, cwd.string(),
                                  po.kind == proc::ExitKind::kCompleted ? fmt::format("exit status {}", po.exit_code)
                                                                        : std::string("killed by the sandbox's limits"),
                                  str::tail_utf8(step.output, kTailBytes)));
  return step;
}

Status copy_for_plot(const stdfs::path& from, const stdfs::path& to) {
  std::error_code ec;
  stdfs::create_directories(to, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", to.string(), ec.message()));
  SCI_ASSIGN_OR_RETURN(fs::DirListing top, fs::list_dir_beneath(from, from));
  for (const auto& e : top.entries)
    if (e.kind == fs::EntryKind::kFile && e.size_bytes <= kMaxCopyBytes)
      SCI_TRY(fs::copy_file_beneath(from, e.name, to / e.name, kMaxCopyBytes));
  // run_0 was written by the sandboxed experiment: links in it are not followed.
  std::vector<std::string> skipped;
  SCI_TRY(fs::copy_tree_beneath(from, from / "run_0", to / "run_0", 10000, kMaxCopyBytes, skipped));
  for (const auto& s : skipped) log::warn("template baseline: run_0/{} is not a regular file: not given to plot.py", s);
  return ok_status();
}

stdfs::path scratch_dir(const Manifest& m) {
  static std::atomic<int> counter{0};
  return stdfs::temp_directory_path() /
         fmt::format("scientist-baseline-{}-{}-{}", m.name, static_cast<long>(::getpid()), counter++);
}

}  // namespace

Result<BaselineInfo> load_baseline_info(const stdfs::path& template_dir) {
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse_file((template_dir / kInfoFile).string()));
  BaselineInfo info;
  if (!j.is_object()) return make_error(ErrorCode::kParse, fmt::format("{}: not an object", kInfoFile));
  info.experiment_sha256 = j.value("experiment_sha256", "");
  info.plot_sha256 = j.value("plot_sha256", "");
  info.run_wall_s = j.value("run_wall_s", 0.0);
  info.plot_wall_s = j.value("plot_wall_s", 0.0);
  info.created_at = j.value("created_at", "");
  info.interpreter = j.value("interpreter", "");
  if (j.contains("figures") && j["figures"].is_array())
    for (const auto& f : j["figures"])
      if (f.is_string()) info.figures.push_back(f.get<std::string>());
  return info;
}

bool baseline_is_current(const stdfs::path& template_dir) {
  auto info = load_baseline_info(template_dir);
  if (!info.ok()) return false;
  std::error_code ec;
  return !info->experiment_sha256.empty() &&
         info->experiment_sha256 == hash_or_empty(template_dir / "experiment.py") &&
         info->plot_sha256 == hash_or_empty(template_dir / "plot.py") &&
         stdfs::is_regular_file(template_dir / "run_0" / "final_info.json", ec);
}

Result<BaselineResult> run_baseline(const Manifest& manifest, const BaselineOptions& options) {
  const stdfs::path& dir = manifest.dir;
  BaselineResult result;
  if (options.mode == BaselineMode::kUseCache && baseline_is_current(dir)) {
    SCI_ASSIGN_OR_RETURN(result.info, load_baseline_info(dir));
    SCI_ASSIGN_OR_RETURN(result.results, load_final_info(dir / "run_0" / "final_info.json"));
    result.cached = true;
    return result;
  }
  std::error_code ec;
  if (!stdfs::is_regular_file(dir / "experiment.py", ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{}/experiment.py missing: a template needs one",
                                                        dir.string()));
  if (!proc::find_program(manifest.interpreter))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("interpreter {} not found: install python3 (apt-get install python3) or set "
                                  "`interpreter` in template.toml",
                                  manifest.interpreter));

  // The old run_0 is a cache for another experiment.py: drop it so no stale file survives.
  stdfs::remove_all(dir / "run_0", ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot remove stale {}/run_0: {}", dir.string(), ec.message()));

  int run_timeout_s = options.run_timeout_s > 0 ? options.run_timeout_s : manifest.run_timeout_s;
  int plot_timeout_s = options.plot_timeout_s > 0 ? options.plot_timeout_s : manifest.plot_timeout_s;
  SCI_ASSIGN_OR_RETURN(Step run, run_step("experiment", manifest, dir, expand_command(manifest, manifest.run_command, "run_0"),
                                          run_timeout_s, options.cancel));
  SCI_TRY(fs::check_no_links_beneath(dir, dir / "run_0" / "baseline_run.log"));
  SCI_TRY(fs::write_file_atomic(dir / "run_0" / "baseline_run.log", run.output));
  SCI_ASSIGN_OR_RETURN(result.results, load_final_info(dir / "run_0" / "final_info.json"));

  // plot.py runs in a scratch copy, so figures land there and the template stays clean.
  stdfs::path scratch = scratch_dir(manifest);
  SCI_TRY(copy_for_plot(dir, scratch));
  auto plot = run_step("plot.py", manifest, scratch, expand_command(manifest, manifest.plot_command, "run_0"), plot_timeout_s,
                       options.cancel);
  if (!plot.ok()) {
    stdfs::remove_all(scratch, ec);
    return plot.error();
  }
  SCI_TRY(fs::check_no_links_beneath(dir, dir / "run_0" / "baseline_plot.log"));
  SCI_TRY(fs::write_file_atomic(dir / "run_0" / "baseline_plot.log", plot->output));
  std::vector<std::string> figures;
  if (auto listing = fs::list_dir_beneath(scratch, scratch); listing.ok())
    for (const auto& e : listing->entries)
      if (e.kind == fs::EntryKind::kFile && str::to_lower(stdfs::path(e.name).extension().string()) == ".png")
        figures.push_back(e.name);
  Status copied = fs::check_no_links_beneath(dir, dir / "run_0" / "figures" / "x");
  for (const auto& f : figures) {
    if (!copied.ok()) break;
    copied = fs::copy_file_beneath(scratch, f, dir / "run_0" / "figures" / f, kMaxCopyBytes);
  }
  std::error_code ec_rm;
  stdfs::remove_all(scratch, ec_rm);
  if (!copied.ok()) return copied.error().with_context("copying figures into run_0/figures");

  result.info.experiment_sha256 = hash_or_empty(dir / "experiment.py");
  result.info.plot_sha256 = hash_or_empty(dir / "plot.py");
  result.info.run_wall_s = run.wall_s;
  result.info.plot_wall_s = plot->wall_s;
  result.info.figures = figures;
  result.info.created_at = time::now_iso8601();
  result.info.interpreter = manifest.interpreter;
  json::Json j = {{"experiment_sha256", result.info.experiment_sha256},
                  {"plot_sha256", result.info.plot_sha256},
                  {"run_wall_s", result.info.run_wall_s},
                  {"plot_wall_s", result.info.plot_wall_s},
                  {"figures", result.info.figures},
                  {"created_at", result.info.created_at},
                  {"interpreter", result.info.interpreter}};
  SCI_TRY(fs::write_file_atomic(dir / kInfoFile, json::dump(j, 2) + "\n"));
  return result;
}

}  // namespace sci::templates
