// Template contract checks; see check.h and docs/templates.md. Each check adds
// Problems and carries on, so one run of `template check` shows everything to fix.
#include "templates/check.h"

#include <algorithm>
#include <regex>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"
#include "templates/baseline.h"
#include "templates/final_info.h"

namespace sci::templates {

namespace stdfs = std::filesystem;

namespace {

class Checker {
 public:
  explicit Checker(CheckReport& report) : report_(report) {}
  void error(std::string file, std::string message, std::string fix) {
    report_.problems.push_back({Severity::kError, std::move(file), std::move(message), std::move(fix)});
  }
  void warning(std::string file, std::string message, std::string fix) {
    report_.problems.push_back({Severity::kWarning, std::move(file), std::move(message), std::move(fix)});
  }

 private:
  CheckReport& report_;
};

// LaTeX source without % comments (an escaped \% stays).
std::string strip_tex_comments(const std::string& tex) {
  std::string out;
  out.reserve(tex.size());
  for (const auto& line : str::split_lines(tex)) {
    size_t cut = line.size();
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '%' && (i == 0 || line[i - 1] != '\\')) {
        cut = i;
        break;
      }
    out.append(line, 0, cut);
    out += '\n';
  }
  return out;
}

void check_python(Checker& c, const stdfs::path& dir, const Manifest& m) {
  auto experiment = fs::read_file(dir / "experiment.py");
  if (!experiment.ok()) {
    c.error("experiment.py", "missing",
            "add experiment.py: it must accept --out_dir=run_i and write run_i/final_info.json");
  } else {
    if (experiment->find("out_dir") == std::string::npos)
      c.error("experiment.py", "does not mention out_dir",
              "parse --out_dir (argparse: parser.add_argument(\"--out_dir\", default=\"run_0\")) and write "
              "final_info.json into it");
    if (experiment->find("final_info") == std::string::npos)
      c.error("experiment.py", "never writes final_info.json",
              "write {dataset: {\"means\": {metric: value}, \"stderrs\": {...}}} to <out_dir>/final_info.json");
  }
  auto plot = fs::read_file(dir / "plot.py");
  if (!plot.ok()) {
    c.error("plot.py", "missing", "add plot.py: it reads every run_* directory in the cwd and writes PNG figures");
    return;
  }
  static const std::regex kLabels(R"((^|\n)\s*labels\s*(:[^=\n]*)?=\s*\{)");
  if (!std::regex_search(*plot, kLabels))
    c.error("plot.py", "has no `labels` dict",
            "add a module-level `labels = {\"run_0\": \"Baseline\"}` naming the runs to plot (the experiment stage "
            "edits it)");
  if (plot->find(".png") == std::string::npos && plot->find("savefig") == std::string::npos)
    c.error("plot.py", "never saves a figure", "save PNGs into the cwd with plt.savefig(\"name.png\")");
  (void)m;
}

void check_prompt(Checker& c, const stdfs::path& dir) {
  auto j = json::parse_file((dir / "prompt.json").string());
  if (!j.ok()) {
    if (j.error().code == ErrorCode::kNotFound)
      c.error("prompt.json", "missing", "add {\"system\": \"...\", \"task_description\": \"...\"}");
    else
      c.error("prompt.json", j.error().message, "fix the JSON syntax");
    return;
  }
  if (!j->is_object()) {
    c.error("prompt.json", "must be a JSON object", "use {\"system\": \"...\", \"task_description\": \"...\"}");
    return;
  }
  for (const char* key : {"system", "task_description"}) {
    if (!j->contains(key) || !(*j)[key].is_string())
      c.error("prompt.json", fmt::format("field \"{}\" missing or not a string", key),
              fmt::format("add \"{}\": \"...\" (a string)", key));
    else if (str::trim((*j)[key].get<std::string>()).empty())
      c.error("prompt.json", fmt::format("field \"{}\" is empty", key), "describe the task in a few sentences");
  }
}

void check_seed_ideas(Checker& c, const stdfs::path& dir) {
  auto j = json::parse_file((dir / "seed_ideas.json").string());
  if (!j.ok()) {
    if (j.error().code == ErrorCode::kNotFound)
      c.error("seed_ideas.json", "missing",
              "add a JSON list of 1-3 ideas with Name, Title, Experiment, Interestingness, Feasibility, Novelty");
    else
      c.error("seed_ideas.json", j.error().message, "fix the JSON syntax");
    return;
  }
  if (!j->is_array() || j->empty()) {
    c.error("seed_ideas.json", "must be a non-empty JSON list of ideas",
            "use [{\"Name\": ..., \"Title\": ..., \"Experiment\": ..., \"Interestingness\": 1-10, \"Feasibility\": "
            "1-10, \"Novelty\": 1-10}]");
    return;
  }
  std::set<std::string> names;
  static const std::regex kName("^[a-z0-9_]+$");
  for (size_t i = 0; i < j->size(); ++i) {
    const auto& idea = (*j)[i];
    std::string where = fmt::format("idea {}", i + 1);
    if (!idea.is_object()) {
      c.error("seed_ideas.json", where + " is not an object", "each idea is an object with the six fields");
      continue;
    }
    for (const char* key : {"Name", "Title", "Experiment"}) {
      if (!idea.contains(key) || !idea[key].is_string() || str::trim(idea[key].get<std::string>()).empty())
        c.error("seed_ideas.json", fmt::format("{}: \"{}\" missing or not a non-empty string", where, key),
                fmt::format("add \"{}\": \"...\"", key));
    }
    for (const char* key : {"Interestingness", "Feasibility", "Novelty"}) {
      if (!idea.contains(key) || !idea[key].is_number())
        c.error("seed_ideas.json", fmt::format("{}: \"{}\" missing or not a number", where, key),
                fmt::format("add \"{}\": a score from 1 to 10", key));
      else if (double v = idea[key].get<double>(); v < 1 || v > 10)
        c.error("seed_ideas.json", fmt::format("{}: \"{}\" is {} (outside 1-10)", where, key, v),
                "use a score from 1 to 10");
    }
    if (idea.contains("Name") && idea["Name"].is_string()) {
      std::string name = idea["Name"].get<std::string>();
      if (!names.insert(name).second)
        c.error("seed_ideas.json", fmt::format("{}: duplicate Name \"{}\"", where, name), "give each idea its own Name");
      if (!name.empty() && !std::regex_match(name, kName))
        c.warning("seed_ideas.json", fmt::format("{}: Name \"{}\" is not lowercase_with_underscores", where, name),
                  "use a short snake_case identifier; it becomes part of a directory name");
    }
  }
}

void check_latex(Checker& c, const stdfs::path& dir, const CheckReport& report, std::set<std::string>& figures_out) {
  auto text = fs::read_file(dir / "latex" / "template.tex");
  if (!text.ok()) {
    c.error("latex/template.tex", "missing", "add a LaTeX paper skeleton (copy one from templates/numpy_fast/latex)");
    return;
  }
  std::string tex = strip_tex_comments(*text);
  auto need = [&](const char* what, const char* fix) {
    if (tex.find(what) == std::string::npos)
      c.error("latex/template.tex", fmt::format("no {}", what), fix);
  };
  need("\\documentclass", "start the file with \\documentclass{article}");
  need("\\begin{document}", "add \\begin{document} ... \\end{document}");
  need("\\end{document}", "end the file with \\end{document}");
  need("\\title{", "add \\title{TITLE HERE}; the writeup stage fills it");
  need("\\begin{abstract}", "add \\begin{abstract} ABSTRACT HERE \\end{abstract}");
  if (tex.find("\\graphicspath") == std::string::npos)
    c.error("latex/template.tex", "no \\graphicspath",
            "add \\graphicspath{{../}} so figures that plot.py writes into the idea directory are found");

  static const std::regex kSection(R"(\\section\*?\{([^}]*)\})");
  std::vector<std::string> sections;
  for (std::sregex_iterator it(tex.begin(), tex.end(), kSection), end; it != end; ++it)
    sections.push_back(str::to_lower((*it)[1].str()));
  auto has_section = [&](std::initializer_list<const char*> names) {
    for (const auto& s : sections)
      for (const char* n : names)
        if (s.find(n) != std::string::npos) return true;
    return false;
  };
  struct Expected {
    std::initializer_list<const char*> names;
    const char* shown;
  };
  for (const Expected& e : {Expected{{"introduction"}, "Introduction"}, Expected{{"related"}, "Related Work"},
                            Expected{{"method"}, "Method"}, Expected{{"experiment"}, "Experimental Setup"},
                            Expected{{"result"}, "Results"}, Expected{{"conclusion"}, "Conclusions"}})
    if (!has_section(e.names))
      c.warning("latex/template.tex", fmt::format("no \\section{{{}}}", e.shown),
                fmt::format("add \\section{{{}}} with a placeholder line ({} HERE) for the writeup stage to fill",
                            e.shown, str::to_lower(e.shown)));

  // Bibliography: \bibliography{x} needs latex/x.bib or an embedded filecontents{x.bib}.
  static const std::regex kBib(R"(\\bibliography\{([^}]*)\})");
  std::smatch m;
  if (!std::regex_search(tex, m, kBib)) {
    c.error("latex/template.tex", "no \\bibliography{...}",
            "add \\bibliographystyle{plainnat} and \\bibliography{references} with latex/references.bib");
  } else {
    for (const auto& raw : str::split(m[1].str(), ',')) {
      std::string name(str::trim(raw));
      if (name.empty()) continue;
      std::string file = str::ends_with(name, ".bib") ? name : name + ".bib";
      bool embedded = text->find("filecontents}{" + file + "}") != std::string::npos ||
                      text->find("filecontents*}{" + file + "}") != std::string::npos;
      std::error_code ec;
      if (!embedded && !stdfs::is_regular_file(dir / "latex" / file, ec))
        c.error("latex/template.tex", fmt::format("\\bibliography{{{}}} but latex/{} does not exist", name, file),
                fmt::format("add latex/{} or embed it with \\begin{{filecontents}}{{{}}}", file, file));
    }
  }

  // Figures: every \includegraphics target must be something plot.py produces.
  auto targets = includegraphics_targets(*text);
  if (targets.empty())
    c.warning("latex/template.tex", "includes no figure",
              "include at least one figure that plot.py writes, e.g. \\includegraphics{train_loss.png}");
  auto plot = fs::read_file(dir / "plot.py");
  auto baseline = load_baseline_info(dir);
  bool current = baseline.ok() && baseline_is_current(dir);
  for (const auto& target : targets) {
    std::string file = stdfs::path(target).filename().string();
    figures_out.insert(file);
    if (current) {
      const auto& figs = baseline->figures;
      std::string stem = stdfs::path(file).stem().string();
      bool produced = std::any_of(figs.begin(), figs.end(), [&](const std::string& f) {
        return f == file || (!stdfs::path(file).has_extension() && stdfs::path(f).stem() == stem);
      });
      if (!produced)
        c.error("latex/template.tex",
                fmt::format("\\includegraphics{{{}}}: plot.py did not write {} on the baseline (it wrote: {})", target,
                            file, figs.empty() ? std::string("nothing") : str::join(figs, ", ")),
                "make plot.py save that file, or include one of the figures it writes");
    } else if (plot.ok() && plot->find(stdfs::path(file).stem().string()) == std::string::npos) {
      c.error("latex/template.tex",
              fmt::format("\\includegraphics{{{}}}: plot.py never mentions {}", target, file),
              "make plot.py save that file, or include one of the figures it writes");
    }
  }
  (void)report;
}

void check_manifest_paths(Checker& c, const Manifest& m) {
  std::error_code ec;
  for (const auto& p : m.protected_files)
    if (!stdfs::exists(m.dir / p, ec))
      c.error("template.toml", fmt::format("protected file {} does not exist", p),
              "fix the path in protected_files (relative to the template)");
  for (const auto& d : m.data_dirs)
    if (!stdfs::is_directory(m.dir / d, ec))
      c.error("template.toml", fmt::format("data_dirs entry {} is not a directory (resolved to {})", d,
                                           (m.dir / d).lexically_normal().string()),
              "create the data directory or fix the relative path");
  if (m.literature_bib.empty()) {
    c.warning("", "no local literature library (literature.bib)",
              "add literature.bib with real papers of the field so --engine local works offline");
  } else if (auto bib = fs::read_file(m.dir / m.literature_bib); !bib.ok()) {
    c.error("template.toml", fmt::format("literature file {} does not exist", m.literature_bib),
            "fix `literature` in template.toml");
  } else {
    static const std::regex kEntry(R"(@\s*[A-Za-z]+\s*\{)");
    auto count = std::distance(std::sregex_iterator(bib->begin(), bib->end(), kEntry), std::sregex_iterator());
    static const std::regex kNonEntry(R"(@\s*(comment|string|preamble)\s*\{)", std::regex::icase);
    auto comments = std::distance(std::sregex_iterator(bib->begin(), bib->end(), kNonEntry), std::sregex_iterator());
    if (count - comments == 0)
      c.error(m.literature_bib, "holds no BibTeX entries", "add @article{...} / @inproceedings{...} entries");
  }
  if (m.interpreter.find('/') != std::string::npos && !stdfs::exists(m.interpreter, ec))
    c.warning("template.toml", fmt::format("interpreter {} does not exist on this machine", m.interpreter),
              "install it or set `interpreter` in template.toml");
}

void check_baseline_and_metrics(Checker& c, CheckReport& report) {
  const Manifest& m = report.manifest;
  std::error_code ec;
  const stdfs::path final_info = m.dir / "run_0" / "final_info.json";
  if (stdfs::exists(final_info, ec)) {
    auto info = load_final_info(final_info);
    if (!info.ok()) {
      c.error("run_0/final_info.json", info.error().message,
              "fix experiment.py's output and rerun `scientist template baseline --force`");
    } else {
      report.has_baseline = true;
      report.metrics = info->metric_names();
      for (const auto& w : info->warnings) c.warning("run_0/final_info.json", w, "write plain numbers");
      if (!baseline_is_current(m.dir))
        c.warning("run_0", "baseline is stale or was not made by `scientist template baseline`",
                  fmt::format("run `scientist template baseline {}`", m.dir.string()));
    }
  } else {
    c.warning("run_0", "no baseline yet",
              fmt::format("run `scientist template baseline {}` (it is machine-dependent, so it is made here)",
                          m.dir.string()));
  }
  std::set<std::string> names(report.metrics.begin(), report.metrics.end());
  for (const auto& [name, _] : m.metrics) names.insert(name);
  for (const auto& name : names) {
    if (m.direction_of(name) == Direction::kUnknown)
      c.warning("template.toml",
                fmt::format("metric '{}' has no direction; best-value marking and wrong-direction checks stay off for "
                            "it",
                            name),
                fmt::format("add [metrics.{}] direction = \"lower\" or \"higher\" to template.toml, or pass "
                            "--metric-direction {}=lower|higher",
                            name, name));
    if (report.has_baseline && m.metrics.count(name) && !std::binary_search(report.metrics.begin(),
                                                                           report.metrics.end(), name))
      c.warning("template.toml", fmt::format("metric '{}' is declared but run_0/final_info.json does not report it",
                                             name),
                "fix the metric name in template.toml or make experiment.py report it");
  }
}

}  // namespace

const char* severity_name(Severity s) { return s == Severity::kError ? "error" : "warning"; }

bool CheckReport::ok() const { return error_count() == 0; }
int CheckReport::error_count() const {
  return static_cast<int>(std::count_if(problems.begin(), problems.end(),
                                        [](const Problem& p) { return p.severity == Severity::kError; }));
}
int CheckReport::warning_count() const { return static_cast<int>(problems.size()) - error_count(); }

std::vector<std::string> includegraphics_targets(const std::string& tex) {
  std::string clean = strip_tex_comments(tex);
  static const std::regex kInclude(R"(\\includegraphics\s*(\[[^\]]*\])?\s*\{([^}]*)\})");
  std::vector<std::string> out;
  for (std::sregex_iterator it(clean.begin(), clean.end(), kInclude), end; it != end; ++it)
    out.emplace_back(str::trim((*it)[2].str()));
  return out;
}

CheckReport check_template(const stdfs::path& dir, const CheckOptions& options) {
  CheckReport report;
  Checker c(report);
  auto manifest = load_manifest(dir);
  if (!manifest.ok()) {
    if (manifest.error().code == ErrorCode::kNotFound) {
      c.error("", manifest.error().message, "pass the template directory (it holds experiment.py)");
      return report;
    }
    c.error("template.toml", manifest.error().message, "fix template.toml (see docs/templates.md for every key)");
    std::error_code ec;
    report.manifest.dir = stdfs::absolute(dir, ec).lexically_normal();
    report.manifest.name = report.manifest.dir.filename().string();
  } else {
    report.manifest = std::move(*manifest);
    for (const auto& w : report.manifest.warnings)
      c.warning("template.toml", w, report.manifest.has_toml ? "edit template.toml" : "add template.toml (optional)");
  }
  for (const auto& spec : options.metric_directions)
    if (auto st = apply_metric_direction(report.manifest, spec); !st.ok())
      c.error("", st.error().message, "use --metric-direction NAME=lower or NAME=higher");

  const stdfs::path& root = report.manifest.dir;
  check_python(c, root, report.manifest);
  check_prompt(c, root);
  check_seed_ideas(c, root);
  std::set<std::string> figures;
  check_latex(c, root, report, figures);
  if (manifest.ok()) check_manifest_paths(c, report.manifest);
  check_baseline_and_metrics(c, report);
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.severity < b.severity; });
  return report;
}

}  // namespace sci::templates
