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
#include "base/toml_limits.h"
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

// A parse error's message without the absolute path it starts with (the Problem already
// names the file) and without nlohmann's exception tag, so it reads as one short line:
// "invalid JSON at line 4, column 1: syntax error ...".
std::string file_error_text(std::string message, const stdfs::path& path) {
  std::string prefix = path.string() + ": ";
  if (str::starts_with(message, prefix)) message.erase(0, prefix.size());
  static const std::regex kTag(R"(\[json\.exception\.[a-z_]+\.[0-9]+\] )");
  message = std::regex_replace(message, kTag, "");
  static const std::regex kByte(R"(invalid JSON at byte [0-9]+: parse error at (line [0-9]+, column [0-9]+): )");
  return std::regex_replace(message, kByte, "invalid JSON at $1: ");
}

constexpr const char* kJsonSyntaxFix =
    "fix the JSON syntax there (usual causes: a comma before } or ], single quotes, a missing comma or quote)";

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
    if (experiment->find("out_dir") == std::string::npos) {
      c.error("experiment.py", "does not mention out_dir",
              "parse --out_dir (argparse: parser.add_argument(\"--out_dir\", default=\"run_0\")) and write "
              "final_info.json into it");
    } else if (experiment->find("add_argument(") != std::string::npos &&
               std::any_of(m.run_command.begin(), m.run_command.end(),
                           [](const std::string& a) { return str::ends_with(a, "experiment.py"); })) {
      // argparse rejects an option it was not given ("unrecognized arguments"), so a
      // script declaring --out-dir fails every run that passes --out_dir=run_i.
      for (const auto& arg : m.run_command) {
        auto at = arg.find("={out_dir}");
        if (!str::starts_with(arg, "--") || at == std::string::npos) continue;
        std::string flag = arg.substr(0, at);
        if (experiment->find("\"" + flag + "\"") == std::string::npos &&
            experiment->find("'" + flag + "'") == std::string::npos)
          c.error("experiment.py",
                  fmt::format("argparse never declares \"{}\", but each run is started with {}=run_i (argparse "
                              "would stop with \"unrecognized arguments\")",
                              flag, flag),
                  fmt::format("declare it: parser.add_argument(\"{}\", default=\"run_0\"), or make run_command in "
                              "template.toml pass the option experiment.py declares",
                              flag));
      }
    }
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
}

void check_prompt(Checker& c, const stdfs::path& dir) {
  auto j = json::parse_file((dir / "prompt.json").string());
  if (!j.ok()) {
    if (j.error().code == ErrorCode::kNotFound)
      c.error("prompt.json", "missing", "add {\"system\": \"...\", \"task_description\": \"...\"}");
    else
      c.error("prompt.json", file_error_text(j.error().message, dir / "prompt.json"), kJsonSyntaxFix);
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
      c.error("seed_ideas.json", file_error_text(j.error().message, dir / "seed_ideas.json"), kJsonSyntaxFix);
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
                std::string(key) == "Name"
                    ? std::string("add \"Name\": \"a_short_snake_case_id\" (it becomes part of a directory name)")
                    : fmt::format("add \"{}\": \"...\"", key));
    }
    for (const char* key : {"Interestingness", "Feasibility", "Novelty"}) {
      if (!idea.contains(key))
        c.error("seed_ideas.json", fmt::format("{}: \"{}\" missing", where, key),
                fmt::format("add \"{}\": a score from 1 to 10", key));
      else if (!idea[key].is_number())
        c.error("seed_ideas.json",
                fmt::format("{}: \"{}\" is {} ({}), not a number", where, key, idea[key].dump(), idea[key].type_name()),
                fmt::format("write \"{}\": a number from 1 to 10, without quotes", key));
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
  std::vector<std::string> bib_files;  // latex/NAME.bib as named in \bibliography
  std::string bib_text = *text;        // every entry the paper can cite: embedded ones are in the .tex
  bool bib_complete = false;           // \bibliography present and each of its files found
  if (!std::regex_search(tex, m, kBib)) {
    c.error("latex/template.tex", "no \\bibliography{...}",
            "add \\bibliographystyle{plainnat} and \\bibliography{references} with latex/references.bib");
  } else {
    bib_complete = true;
    for (const auto& raw : str::split(m[1].str(), ',')) {
      std::string name(str::trim(raw));
      if (name.empty()) continue;
      std::string file = str::ends_with(name, ".bib") ? name : name + ".bib";
      bool embedded = text->find("filecontents}{" + file + "}") != std::string::npos ||
                      text->find("filecontents*}{" + file + "}") != std::string::npos;
      bib_files.push_back("latex/" + file);
      if (embedded) continue;
      if (auto bib = fs::read_file(dir / "latex" / file); bib.ok()) {
        bib_text += "\n" + *bib;
      } else {
        bib_complete = false;
        c.error("latex/template.tex", fmt::format("\\bibliography{{{}}} but latex/{} does not exist", name, file),
                fmt::format("add latex/{} or embed it with \\begin{{filecontents}}{{{}}}", file, file));
      }
    }
  }

  // Citations: a key missing from the bibliography prints as "?" in every paper made
  // from the template, and BibTeX only warns about it.
  if (bib_complete && !bib_files.empty()) {
    static const std::regex kEntryKey(R"(@\s*([A-Za-z]+)\s*\{\s*([^,\s{}]+)\s*,)");
    std::set<std::string> keys;
    for (std::sregex_iterator it(bib_text.begin(), bib_text.end(), kEntryKey), end; it != end; ++it)
      keys.insert((*it)[2].str());
    static const std::regex kCite(R"(\\[A-Za-z]*cite[A-Za-z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^}]*)\})");
    std::set<std::string> reported;
    for (std::sregex_iterator it(tex.begin(), tex.end(), kCite), end; it != end; ++it)
      for (const auto& raw : str::split((*it)[1].str(), ',')) {
        std::string key(str::trim(raw));
        if (key.empty() || key == "*" || keys.count(key) || !reported.insert(key).second) continue;
        c.error("latex/template.tex",
                fmt::format("cites {}, which {} does not define (the paper would show \"?\")", key,
                            str::join(bib_files, ", ")),
                fmt::format("add a BibTeX entry with key {} to {}, or remove the citation", key, bib_files.front()));
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
      c.error("run_0/final_info.json", file_error_text(info.error().message, final_info),
              fmt::format("make experiment.py write that shape, then rerun `scientist template baseline --force {}`",
                          m.dir.string()));
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
    // load_manifest says "template.toml:LINE: ..."; the Problem already names the file.
    std::string message = manifest.error().message;
    static const std::regex kLine(R"(^template\.toml:([0-9]+): )");
    message = std::regex_replace(message, kLine, "line $1: ");
    const char* fix = "fix that value (docs/templates.md lists every key and what it accepts)";
    if (manifest.error().code == ErrorCode::kParse)
      fix = "fix the TOML syntax on that line (usual causes: a string missing its closing \", a key without = "
            "value, an unclosed [ or ])";
    else if (toml_limits::is_limit_error(manifest.error())) {
      if (str::starts_with(message, "template.toml ")) message.erase(0, std::string("template.toml ").size());
      fix = "flatten template.toml (docs/templates.md lists every key; none nests more than 3 levels)";
    }
    c.error("template.toml", message, fix);
    std::error_code ec;
    report.manifest.dir = stdfs::absolute(dir, ec).lexically_normal();
    if (!report.manifest.dir.has_filename()) report.manifest.dir = report.manifest.dir.parent_path();  // "dir/"
    report.manifest.name = report.manifest.dir.filename().string();
  } else {
    report.manifest = std::move(*manifest);
    for (std::string w : report.manifest.warnings) {
      // A declared metric without a direction is reported once, with both ways to fix
      // it, by check_baseline_and_metrics.
      if (str::starts_with(w, "metric '") && w.find("has no direction") != std::string::npos) continue;
      const bool unknown_key = w.find("unknown key") != std::string::npos;
      if (str::starts_with(w, "template.toml: ")) w.erase(0, std::string("template.toml: ").size());
      std::string fix = unknown_key                ? "rename it to a key docs/templates.md lists, or remove it"
                        : report.manifest.has_toml ? "edit template.toml"
                                                   : "add template.toml (optional)";
      c.warning("template.toml", w, fix);
    }
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
