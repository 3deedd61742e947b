// Baseline runs and their cache; see baseline.h.
// The commands run through proc::run_capture under `env -C DIR` (run_capture has no
// cwd parameter) with the manifest's timeouts; the pipeline's own runs go through the
// sandbox, which the baseline should use too once it exists (docs/templates.md).
#include "templates/baseline.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <system_error>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"
#include "base/time.h"
#include "proc/find_program.h"
#include "proc/run_capture.h"

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

Result<Step> run_step(const char* what, const stdfs::path& cwd, const std::vector<std::string>& argv, int timeout_s) {
  std::vector<std::string> full = {"env", "-C", cwd.string()};
  full.insert(full.end(), argv.begin(), argv.end());
  auto start = std::chrono::steady_clock::now();
  auto r = proc::run_capture(full, std::chrono::seconds(timeout_s));
  Step step;
  step.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!r.ok()) return r.error().with_context(fmt::format("running {}", what));
  step.output = r->output;
  std::string cmd = str::join(argv, " ");
  if (r->timed_out)
    return make_error(ErrorCode::kTimeout,
                      fmt::format("{} (`{}` in {}) exceeded its {} s limit; make it faster or raise timeouts.{}_s in "
                                  "template.toml. Output tail:\n{}",
                                  what, cmd, cwd.string(), timeout_s, what == std::string("plot.py") ? "plot" : "run",
                                  str::tail_utf8(r->output, kTailBytes)));
  if (r->exit_code != 0)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("{} (`{}` in {}) failed with exit status {}. Output tail:\n{}", what, cmd,
                                  cwd.string(), r->exit_code, str::tail_utf8(r->output, kTailBytes)));
  return step;
}

Status copy_for_plot(const stdfs::path& from, const stdfs::path& to) {
  std::error_code ec;
  stdfs::create_directories(to, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", to.string(), ec.message()));
  for (const auto& entry : stdfs::directory_iterator(from, ec)) {
    std::error_code e2;
    if (entry.is_regular_file(e2) && entry.file_size(e2) <= kMaxCopyBytes) {
      stdfs::copy_file(entry.path(), to / entry.path().filename(), e2);
    }
    if (e2) return make_error(ErrorCode::kIo, fmt::format("cannot copy {}: {}", entry.path().string(), e2.message()));
  }
  stdfs::copy(from / "run_0", to / "run_0", stdfs::copy_options::recursive, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot copy run_0 to {}: {}", to.string(), ec.message()));
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
  SCI_ASSIGN_OR_RETURN(Step run, run_step("experiment", dir, expand_command(manifest, manifest.run_command, "run_0"),
                                          run_timeout_s));
  SCI_TRY(fs::write_file_atomic(dir / "run_0" / "baseline_run.log", run.output));
  SCI_ASSIGN_OR_RETURN(result.results, load_final_info(dir / "run_0" / "final_info.json"));

  // plot.py runs in a scratch copy, so figures land there and the template stays clean.
  stdfs::path scratch = scratch_dir(manifest);
  SCI_TRY(copy_for_plot(dir, scratch));
  auto plot = run_step("plot.py", scratch, expand_command(manifest, manifest.plot_command, "run_0"), plot_timeout_s);
  if (!plot.ok()) {
    stdfs::remove_all(scratch, ec);
    return plot.error();
  }
  SCI_TRY(fs::write_file_atomic(dir / "run_0" / "baseline_plot.log", plot->output));
  std::vector<std::string> figures;
  for (const auto& entry : stdfs::directory_iterator(scratch, ec))
    if (entry.is_regular_file() && str::to_lower(entry.path().extension().string()) == ".png")
      figures.push_back(entry.path().filename().string());
  std::sort(figures.begin(), figures.end());
  stdfs::create_directories(dir / "run_0" / "figures", ec);
  for (const auto& f : figures) {
    stdfs::copy_file(scratch / f, dir / "run_0" / "figures" / f, stdfs::copy_options::overwrite_existing, ec);
    if (ec) break;
  }
  std::error_code ec_rm;
  stdfs::remove_all(scratch, ec_rm);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot copy figures into run_0/figures: {}", ec.message()));

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
