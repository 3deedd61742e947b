// `scientist template check|baseline|new|list`: the template contract from the
// command line (docs/templates.md). The logic lives in templates/; this file parses
// flags and prints.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "templates/baseline.h"
#include "templates/check.h"
#include "templates/manifest.h"

namespace sci::cli {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kFastTemplate = "numpy_fast";

// Where the shipped templates are: $SCIENTIST_TEMPLATES_DIR, ./templates, or next to
// the binary (installed: <prefix>/share/scientist/templates; build tree: <repo>/templates).
stdfs::path shipped_templates_root() {
  std::error_code ec;
  std::vector<stdfs::path> candidates;
  if (const char* env = std::getenv("SCIENTIST_TEMPLATES_DIR"); env && *env) candidates.emplace_back(env);
  candidates.push_back(stdfs::current_path(ec) / "templates");
  stdfs::path exe = stdfs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    stdfs::path bin = exe.parent_path();
    candidates.push_back(bin / ".." / "share" / "scientist" / "templates");
    candidates.push_back(bin / ".." / ".." / ".." / "templates");  // build/<name>/bin/scientist
    candidates.push_back(bin / ".." / ".." / "templates");
  }
  for (const auto& c : candidates)
    if (stdfs::is_directory(c / kFastTemplate, ec)) return c.lexically_normal();
  return {};
}

void print_problems(const templates::CheckReport& report) {
  for (const auto& p : report.problems) {
    std::string where = p.file.empty() ? std::string() : p.file + ": ";
    std::printf("%-7s %s%s\n", templates::severity_name(p.severity), where.c_str(), p.message.c_str());
    if (!p.fix.empty()) std::printf("        fix: %s\n", p.fix.c_str());
  }
}

nlohmann::json report_json(const templates::CheckReport& report) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : report.problems)
    problems.push_back({{"severity", templates::severity_name(p.severity)},
                        {"file", p.file},
                        {"message", p.message},
                        {"fix", p.fix}});
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, spec] : report.manifest.metrics)
    metrics[name] = {{"direction", templates::direction_name(spec.direction)}, {"name", spec.human_name}};
  for (const auto& name : report.metrics)
    if (!metrics.contains(name)) metrics[name] = {{"direction", "unknown"}, {"name", name}};
  return {{"template", report.manifest.dir.string()},
          {"ok", report.ok()},
          {"errors", report.error_count()},
          {"warnings", report.warning_count()},
          {"has_baseline", report.has_baseline},
          {"metrics", metrics},
          {"problems", problems}};
}

int template_check(std::vector<std::string> args) {
  CLI::App app("Validate a template directory against the contract (docs/templates.md)", "template check");
  std::string dir;
  bool json = false;
  templates::CheckOptions options;
  app.add_option("dir", dir, "template directory")->required();
  app.add_option("--metric-direction", options.metric_directions, "NAME=lower|higher (repeatable)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  auto report = templates::check_template(dir, options);
  if (json) {
    std::printf("%s\n", report_json(report).dump(2).c_str());
  } else {
    print_problems(report);
    std::printf("%s%s: %d error(s), %d warning(s)\n", report.problems.empty() ? "" : "\n",
                report.manifest.dir.string().c_str(), report.error_count(), report.warning_count());
  }
  return report.ok() ? kExitOk : kExitFailure;
}

int template_baseline(std::vector<std::string> args) {
  CLI::App app("Run the template's experiment.py (run_0) and plot.py once and cache the result", "template baseline");
  std::string dir;
  bool force = false, json = false;
  templates::BaselineOptions options;
  app.add_option("dir", dir, "template directory")->required();
  app.add_flag("--force", force, "rerun even if run_0 matches the current experiment.py and plot.py");
  app.add_option("--timeout", options.run_timeout_s, "experiment time limit in seconds (default: template.toml)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  options.mode = force ? templates::BaselineMode::kForce : templates::BaselineMode::kUseCache;
  options.cancel = &install_cancel_handlers();  // Ctrl-C kills the baseline run, group and all
  auto manifest = templates::load_manifest(dir);
  if (!manifest.ok()) return report_error(manifest.error());
  auto result = templates::run_baseline(*manifest, options);
  if (!result.ok()) return report_error(result.error().with_context(fmt::format("baseline of {}", manifest->name)));
  if (json) {
    nlohmann::json out = {{"template", manifest->dir.string()},
                          {"cached", result->cached},
                          {"run_wall_s", result->info.run_wall_s},
                          {"plot_wall_s", result->info.plot_wall_s},
                          {"figures", result->info.figures},
                          {"metrics", result->results.metric_names()}};
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%s baseline %s: run %.1f s, plot %.1f s (made %s)\n", manifest->name.c_str(),
              result->cached ? "is current (cached)" : "done", result->info.run_wall_s, result->info.plot_wall_s,
              result->info.created_at.c_str());
  for (const auto& [dataset, d] : result->results.datasets) {
    std::string line;
    for (const auto& [metric, value] : d.means) line += fmt::format("  {}={:.4g}", metric, value);
    std::printf("  %s:%s\n", dataset.c_str(), line.c_str());
  }
  std::printf("  figures: %s\n", str::join(result->info.figures, ", ").c_str());
  return kExitOk;
}

constexpr const char* kGuide = R"(# {name}: a scientist template

Scaffolded from `{from}` by `scientist template new`. Every file below is part of the
contract described in docs/templates.md; `scientist template check .` verifies it.

| file | what it is for |
|---|---|
| `experiment.py` | the experiment. Called as `experiment.py --out_dir=run_i`; writes `run_i/final_info.json` as `{{"<dataset>": {{"means": {{metric: number}}, "stderrs": {{...}}}}}}`. Must be deterministic given its seeds. The AI Scientist edits this file. |
| `plot.py` | reads every `run_*` directory in the cwd and writes PNG figures there. Its `labels` dict names the runs to plot; the AI Scientist edits it. |
| `prompt.json` | `system` (the researcher persona) and `task_description` (what the code does, its metrics and what ideas may change). |
| `seed_ideas.json` | 1-3 example ideas (`Name`, `Title`, `Experiment`, `Interestingness`, `Feasibility`, `Novelty`) that anchor idea generation. |
| `template.toml` | optional manifest: interpreter, commands, timeouts, limits, protected files, data dirs, page limit, local literature and, for every metric, its direction (`lower`/`higher`) and human name. |
| `latex/template.tex` | the paper skeleton: sections with `... HERE` placeholders, `\graphicspath{{{{../}}}}` and the figures plot.py writes. |
| `latex/references.bib` | BibTeX entries the skeleton cites; citations found later are added here. |
| `latex/literature.bib` | the local literature library (real papers of the field) for `--engine local`. |
| `run_0/` | the baseline, made on your machine by `scientist template baseline .`. |

Next steps: edit experiment.py and the metric table in template.toml, run
`scientist template baseline .`, then `scientist template check .`.
)";

int template_new(std::vector<std::string> args) {
  CLI::App app("Scaffold a new template from the fast one", "template new");
  std::string name, from, dest;
  app.add_option("name", name, "name of the new template (a directory of that name is created)")->required();
  app.add_option("--from", from, "template to copy (default: the shipped numpy_fast)");
  app.add_option("--dest", dest, "parent directory (default: the current directory)");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  std::error_code ec;
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   fmt::format("template name \"{}\" must be a plain directory name", name)));
  if (from.empty()) {
    stdfs::path root = shipped_templates_root();
    if (root.empty())
      return report_error(make_error(ErrorCode::kNotFound,
                                     "cannot find the shipped templates: set SCIENTIST_TEMPLATES_DIR or pass --from DIR"));
    from = (root / kFastTemplate).string();
  }
  if (!stdfs::is_directory(from, ec))
    return report_error(make_error(ErrorCode::kNotFound, fmt::format("--from {}: no such template directory", from)));
  stdfs::path target = (dest.empty() ? stdfs::current_path(ec) : stdfs::path(dest)) / name;
  if (stdfs::exists(target, ec))
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   fmt::format("{} already exists: choose another name or remove it", target.string())));
  // Copy the contract files only: no baseline, figures, LaTeX build products or caches.
  auto skip = [](const stdfs::path& rel) {
    std::string first = rel.begin()->string();
    std::string ext = str::to_lower(rel.extension().string());
    if (str::starts_with(first, "run_") || first == "__pycache__" || str::starts_with(first, ".")) return true;
    for (const char* e : {".png", ".pdf", ".aux", ".log", ".bbl", ".blg", ".out", ".pyc"})
      if (ext == e) return true;
    return false;
  };
  for (auto it = stdfs::recursive_directory_iterator(from, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    stdfs::path rel = stdfs::relative(it->path(), from, ec);
    if (skip(rel)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      stdfs::create_directories(target / rel, ec);
    } else if (it->is_regular_file()) {
      stdfs::create_directories((target / rel).parent_path(), ec);
      stdfs::copy_file(it->path(), target / rel, ec);
    }
    if (ec) break;
  }
  if (ec) return report_error(make_error(ErrorCode::kIo, fmt::format("copying {}: {}", from, ec.message())));
  // Retitle the manifest; keep everything else (with its comments) as it is.
  if (auto toml = fs::read_file(target / "template.toml"); toml.ok()) {
    std::vector<std::string> lines = str::split_lines(*toml);
    for (auto& line : lines)
      if (str::starts_with(line, "title =")) line = fmt::format("title = \"{}\"", name);
    if (auto st = fs::write_file_atomic(target / "template.toml", str::join(lines, "\n") + "\n"); !st.ok())
      return report_error(st.error());
  }
  std::string guide = fmt::format(fmt::runtime(kGuide), fmt::arg("name", name), fmt::arg("from", from));
  if (auto st = fs::write_file_atomic(target / "TEMPLATE.md", guide); !st.ok()) return report_error(st.error());
  std::printf("created %s from %s\nnext: edit experiment.py, then `scientist template baseline %s` and "
              "`scientist template check %s`\n",
              target.string().c_str(), from.c_str(), target.string().c_str(), target.string().c_str());
  return kExitOk;
}

int template_list(std::vector<std::string> args) {
  CLI::App app("List templates with their check status and baseline", "template list");
  std::string root;
  bool json = false;
  app.add_option("dir", root, "directory holding templates (default: the shipped ones)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  if (root.empty()) root = shipped_templates_root().string();
  std::error_code ec;
  if (root.empty() || !stdfs::is_directory(root, ec))
    return report_error(make_error(ErrorCode::kNotFound,
                                   "no templates directory: pass one, or set SCIENTIST_TEMPLATES_DIR"));
  std::vector<stdfs::path> dirs;
  for (const auto& entry : stdfs::directory_iterator(root, ec))
    if (entry.is_directory() && stdfs::exists(entry.path() / "experiment.py")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : dirs) {
    auto report = templates::check_template(d);
    bool current = templates::baseline_is_current(d);
    if (json) {
      out.push_back({{"name", report.manifest.name},
                     {"title", report.manifest.title},
                     {"dir", d.string()},
                     {"errors", report.error_count()},
                     {"warnings", report.warning_count()},
                     {"baseline", current}});
    } else {
      std::printf("%-16s %-4s %2d error(s) %2d warning(s)  baseline: %-7s %s\n", report.manifest.name.c_str(),
                  report.ok() ? "ok" : "FAIL", report.error_count(), report.warning_count(),
                  current ? "current" : "none", report.manifest.title.c_str());
    }
  }
  if (json) std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace

int cmd_template_check(Context&, std::vector<std::string> args) { return template_check(std::move(args)); }
int cmd_template_baseline(Context&, std::vector<std::string> args) { return template_baseline(std::move(args)); }
int cmd_template_new(Context&, std::vector<std::string> args) { return template_new(std::move(args)); }
int cmd_template_list(Context&, std::vector<std::string> args) { return template_list(std::move(args)); }

}  // namespace sci::cli
