// The integrity check; see integrity.h. The text is normalised in place (comments,
// preamble and exempt command arguments blanked, our macros expanded) with every
// newline kept, so an offset's line number is the line in the original file.
#include "writeup/integrity.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/strings.h"
#include "latex/build.h"
#include "latex/log_parser.h"
#include "writeup/results_tex.h"

namespace sci::writeup {

namespace stdfs = std::filesystem;

int IntegrityReport::problem_count() const {
  return static_cast<int>(unsupported.size() + wrong_direction.size() + within_noise.size() + single_seed.size() +
                          run_references.size() + environment_contradictions.size());
}

namespace {

nlohmann::json findings_json(const std::vector<IntegrityFinding>& v) {
  auto arr = nlohmann::json::array();
  for (const auto& f : v)
    arr.push_back({{"value", f.value}, {"line", f.line}, {"context", f.context}, {"reason", f.reason}});
  return arr;
}

}  // namespace

std::string IntegrityReport::to_json() const {
  nlohmann::ordered_json j;
  j["unsupported"] = findings_json(unsupported);
  j["wrong_direction"] = findings_json(wrong_direction);
  j["within_noise"] = findings_json(within_noise);
  j["single_seed"] = findings_json(single_seed);
  j["run_references"] = findings_json(run_references);
  j["environment_contradictions"] = findings_json(environment_contradictions);
  j["stats"] = {{"numbers_checked", numbers_checked},
                {"numbers_supported", numbers_supported},
                {"numbers_exempt", numbers_exempt}};
  j["limits"] = limits;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string IntegrityReport::to_feedback() const {
  std::string out;
  auto add = [&](const char* cat, const std::vector<IntegrityFinding>& v) {
    for (const auto& f : v) out += fmt::format("line {}: {}: {}: {}\n    {}\n", f.line, cat, f.value, f.reason, f.context);
  };
  add("unsupported number", unsupported);
  add("wrong-direction claim", wrong_direction);
  add("improvement within noise", within_noise);
  add("single-seed claim", single_seed);
  add("internal run reference", run_references);
  add("hardware/software contradiction", environment_contradictions);
  return out;
}

std::map<std::string, std::string> parse_macro_definitions(const std::string& tex) {
  std::map<std::string, std::string> out;
  static const std::regex kDef(R"(\\(?:newcommand|renewcommand|providecommand)\*?\s*\{?\s*(\\[A-Za-z]+)\s*\}?\s*\{)");
  static const std::regex kTexDef(R"(\\def\s*(\\[A-Za-z]+)\s*\{)");
  for (const auto* re : {&kDef, &kTexDef}) {
    for (auto it = std::sregex_iterator(tex.begin(), tex.end(), *re); it != std::sregex_iterator(); ++it) {
      size_t start = static_cast<size_t>(it->position(0) + it->length(0));
      int depth = 1;
      size_t i = start;
      for (; i < tex.size() && depth > 0; ++i) {
        if (tex[i] == '\\' && i + 1 < tex.size()) {
          ++i;
          continue;
        }
        if (tex[i] == '{') ++depth;
        if (tex[i] == '}') --depth;
      }
      if (depth != 0) continue;
      std::string body = tex.substr(start, i - 1 - start);
      if (!body.empty() || !out.count((*it)[1].str())) out[(*it)[1].str()] = body;
    }
  }
  return out;
}

std::vector<int> bib_years(const std::string& bib) {
  std::vector<int> years;
  static const std::regex kYear(R"(year\s*=\s*[{"]?\s*(\d{4}))", std::regex::icase);
  for (auto it = std::sregex_iterator(bib.begin(), bib.end(), kYear); it != std::sregex_iterator(); ++it)
    years.push_back(std::stoi((*it)[1].str()));
  return years;
}

namespace {

// ---- evidence --------------------------------------------------------------------

struct MeanRef {
  int run;
  std::string dataset, metric;
  double mean;
  bool has_stderr;
  double stderr_value;
};

class Evidence {
 public:
  explicit Evidence(const IdeaData& data) {
    std::set<std::string> datasets, metrics;
    size_t means_seen = 0;
    for (const auto& run : data.runs) {
      for (const auto& [ds, r] : run.info.datasets) {
        datasets.insert(ds);
        for (const auto& [m, v] : r.means) {
          if (++means_seen > kMaxIndexedMeans) continue;
          metrics.insert(m);
          auto se = r.stderrs.find(m);
          means_.push_back({run.index, ds, m, v, se != r.stderrs.end(), se != r.stderrs.end() ? se->second : 0});
          add_value(v);
          std::string lm = str::to_lower(m);
          if (lm.find("time") != std::string::npos || str::ends_with(lm, "_s")) {
            add(v / 60), add(v / 3600), add(v * 1000);
          }
        }
        for (const auto& [m, v] : r.stderrs)
          if (means_seen <= kMaxIndexedMeans) add_value(v);
      }
      for (const auto& [key, value] : run.environment) {
        add_numbers_in(value);
        text_sources_ += value + "\n";
        char* end = nullptr;
        double v = std::strtod(value.c_str(), &end);
        if (end && *end == '\0' && !value.empty()) {
          std::string lk = str::to_lower(key);
          if (str::ends_with(lk, "_mb")) add(v / 1024), add(v / 1000), add(v / 1024 / 1024), add(v / 1e6);
          if (str::ends_with(lk, "_kb")) add(v / 1024), add(v / 1024 / 1024), add(v / 1e6);
          if (str::ends_with(lk, "_gb")) add(v * 1024);
          if (str::ends_with(lk, "_s") || lk.find("time") != std::string::npos) add(v / 60), add(v / 3600);
          if (str::ends_with(lk, "_bytes")) add(v / (1 << 20)), add(v / (1 << 30));
        }
      }
      add_numbers_in(run.code);
      text_sources_ += run.code + "\n";
    }
    add_numbers_in(data.template_toml);
    text_sources_ += data.template_toml;
    // Counts derived from the record (not a blanket exemption for small integers).
    add(static_cast<double>(data.runs.size()));
    add(static_cast<double>(data.runs.size()) - 1);
    add(static_cast<double>(datasets.size()));
    add(static_cast<double>(metrics.size()));
    if (data.seeds > 0) add(data.seeds);
    if (data.page_limit > 0) add(data.page_limit);
    // Derived values: pairs of the same metric within a dataset, and per-run means over datasets.
    std::map<std::pair<int, std::string>, std::vector<double>> per_run_metric;
    for (const auto& m : means_) per_run_metric[{m.run, m.metric}].push_back(m.mean);
    std::vector<MeanRef> pooled = means_;
    for (const auto& [key, vs] : per_run_metric) {
      if (vs.size() < 2) continue;
      double avg = 0;
      for (double v : vs) avg += v;
      avg /= static_cast<double>(vs.size());
      add_value(avg);
      pooled.push_back({key.first, "*mean*", key.second, avg, false, 0});
    }
    add_pairs(pooled);
    std::sort(values_.begin(), values_.end());
    for (size_t i = 0; i < means_.size(); ++i) {
      by_mean_.push_back({means_[i].mean, i});
      by_mean_.push_back({means_[i].mean * 100, i});
    }
    std::sort(by_mean_.begin(), by_mean_.end());
    if (means_seen > kMaxIndexedMeans)
      limits_.push_back(fmt::format("the runs report {} means; only the first {} (with their standard errors) are "
                                    "indexed, so numbers quoting the others show as unsupported",
                                    means_seen, kMaxIndexedMeans));
    if (values_dropped_ > 0)
      limits_.push_back(fmt::format("the evidence index is full ({} values): further recorded and derived "
                                    "values are not indexed",
                                    kMaxEvidenceValues));
  }

  // Lines for IntegrityReport::limits.
  const std::vector<std::string>& limits() const { return limits_; }

  // Whether `x` (written with `decimals` places and `sig` significant digits) is some
  // evidence value rounded to the written precision.
  bool supports(double x, int decimals, int sig, bool percent) const {
    double ax = std::fabs(x);
    double tol = 0.5 * std::pow(10.0, -decimals) * (1 + 1e-9) + 1e-12;
    auto lo = std::lower_bound(values_.begin(), values_.end(), ax - tol);
    for (auto it = lo; it != values_.end() && *it <= ax + tol; ++it) {
      if (sig >= 2 || *it == ax || std::fabs(*it - ax) <= 0.05 * std::fabs(*it)) return true;
    }
    (void)percent;
    return false;
  }

  bool mentions_text(const std::string& s) const { return text_sources_.find(s) != std::string::npos; }

  // Means that `x` (as written) could be a rounding of (as a fraction or x100), in the
  // order of the record.
  std::vector<const MeanRef*> means_matching(double x, int decimals) const {
    double tol = 0.5 * std::pow(10.0, -decimals) * (1 + 1e-9) + 1e-12;
    std::vector<size_t> hits;
    auto lo = std::lower_bound(by_mean_.begin(), by_mean_.end(), std::make_pair(x - tol, size_t{0}));
    for (auto it = lo; it != by_mean_.end() && it->first <= x + tol; ++it) hits.push_back(it->second);
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    std::vector<const MeanRef*> out;
    for (size_t i : hits) out.push_back(&means_[i]);
    return out;
  }

 private:
  // Differences, percent changes and ratios of the same metric on the same dataset in
  // two runs. Pairs only within one (dataset, metric) group, not all pairs of means;
  // stops when the index is full (many runs of many metrics).
  void add_pairs(const std::vector<MeanRef>& pooled) {
    std::map<std::pair<std::string, std::string>, std::vector<const MeanRef*>> groups;
    for (const auto& m : pooled) groups[{m.dataset, m.metric}].push_back(&m);
    for (const auto& [key, group] : groups)
      for (const MeanRef* a : group)
        for (const MeanRef* b : group) {
          if (a->run == b->run) continue;
          if (values_.size() >= kMaxEvidenceValues) {
            ++values_dropped_;
            return;
          }
          double d = a->mean - b->mean;
          add(d), add(d * 100);
          if (b->mean != 0) add(d / b->mean * 100), add(a->mean / b->mean);
        }
  }

  void add(double v) {
    if (!std::isfinite(v)) return;
    if (values_.size() >= kMaxEvidenceValues) {
      ++values_dropped_;
      return;
    }
    values_.push_back(std::fabs(v));
  }
  void add_value(double v) {
    add(v);
    add(v * 100);
  }
  void add_numbers_in(const std::string& s) {
    static const std::regex kNum(R"((\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), kNum); it != std::sregex_iterator(); ++it) {
      add(std::strtod((*it)[1].str().c_str(), nullptr));
    }
  }

  std::vector<double> values_;  // sorted
  size_t values_dropped_ = 0;
  std::vector<MeanRef> means_;
  std::vector<std::pair<double, size_t>> by_mean_;  // (mean or mean x100, index into means_), sorted
  std::vector<std::string> limits_;
  std::string text_sources_;
};

// ---- text normalisation -----------------------------------------------------------

void blank(std::string& s, size_t from, size_t to) {
  for (size_t i = from; i < to && i < s.size(); ++i)
    if (s[i] != '\n') s[i] = ' ';
}

void strip_comments(std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      continue;
    }
    if (s[i] == '%') {
      size_t e = s.find('\n', i);
      blank(s, i, e == std::string::npos ? s.size() : e);
      i = e == std::string::npos ? s.size() : e;
    }
  }
}

// End of a balanced group starting at s[open] ('{' or '['); npos when unbalanced.
size_t group_end(const std::string& s, size_t open) {
  char o = s[open], c = o == '{' ? '}' : ']';
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == o) ++depth;
    if (s[i] == c && --depth == 0) return i;
  }
  return std::string::npos;
}

size_t skip_spaces(const std::string& s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return i;
}

// Blanks the arguments (optional [..] and the first `n_braced` {..}) of every \cmd in `names`.
void blank_command_args(std::string& s, const std::set<std::string>& names, int n_braced, bool blank_name) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    size_t j = i + 1;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
    std::string name = s.substr(i + 1, j - i - 1);
    if (name.empty() || !names.count(name)) continue;
    if (j < s.size() && s[j] == '*') ++j;
    int braced = 0;
    size_t k = skip_spaces(s, j);
    while (k < s.size() && (s[k] == '[' || (s[k] == '{' && braced < n_braced))) {
      size_t e = group_end(s, k);
      if (e == std::string::npos) break;
      if (s[k] == '{') ++braced;
      blank(s, k, e + 1);
      k = skip_spaces(s, e + 1);
    }
    if (blank_name) blank(s, i, j);
  }
}

void expand_macros(std::string& s, const std::map<std::string, std::string>& macros) {
  for (int pass = 0; pass < 3; ++pass) {
    std::string out;
    out.reserve(s.size());
    bool changed = false;
    for (size_t i = 0; i < s.size();) {
      if (s[i] == '\\') {
        size_t j = i + 1;
        while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
        auto it = macros.find(s.substr(i, j - i));
        if (j > i + 1 && it != macros.end()) {
          std::string body = it->second;
          std::replace(body.begin(), body.end(), '\n', ' ');
          out += body;
          if (j < s.size() && s[j] == '{' && j + 1 < s.size() && s[j + 1] == '}') j += 2;  // "\Macro{}"
          i = j;
          changed = true;
          continue;
        }
        out.append(s, i, std::max<size_t>(j - i, 1));
        i = std::max(j, i + 1);
        continue;
      }
      out += s[i++];
    }
    s = std::move(out);
    if (!changed) break;
  }
}

// Line numbers of offsets in one text, by binary search over its newlines (a count from
// the start for each of thousands of numbers would be quadratic).
class LineIndex {
 public:
  explicit LineIndex(const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n') newlines_.push_back(i);
  }
  int line_at(size_t offset) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }

 private:
  std::vector<size_t> newlines_;
};

std::string context_of(const std::vector<std::string>& original_lines, int line) {
  if (line < 1 || line > static_cast<int>(original_lines.size())) return {};
  std::string c(str::trim(original_lines[static_cast<size_t>(line - 1)]));
  if (c.size() > 200) c = c.substr(0, 200) + "...";
  return latex::sanitize_utf8(c);
}

struct NumberToken {
  size_t offset;
  std::string text;
  double value;
  int decimals;
  int sig;
  bool percent;
};

int significant_digits(const std::string& digits) {
  std::string d;
  for (char c : digits)
    if (std::isdigit(static_cast<unsigned char>(c))) d += c;
  size_t first = d.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  std::string rest = d.substr(first);
  if (digits.find('.') == std::string::npos)
    while (rest.size() > 1 && rest.back() == '0') rest.pop_back();  // 1200 -> 2 significant
  return static_cast<int>(rest.size());
}

const std::set<std::string> kStructuralWords = {
    "figure", "fig", "figs", "table", "tab", "section", "sec", "secs", "sections", "eq", "eqs", "equation",
    "equations", "appendix", "algorithm", "alg", "line", "lines", "step", "chapter", "theorem", "lemma",
    "proposition", "corollary", "definition", "stage", "phase", "part", "page", "pages", "footnote", "item"};

std::string previous_word(const std::string& s, size_t offset) {
  size_t i = offset;
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '~' || s[i - 1] == '(' || s[i - 1] == '\t')) --i;
  size_t end = i;
  while (i > 0 && (s[i - 1] == '.')) --i, --end;  // "Fig." / "Eq."
  while (i > 0 && std::isalpha(static_cast<unsigned char>(s[i - 1]))) --i;
  return str::to_lower(s.substr(i, end - i));
}

}  // namespace

IntegrityReport check_integrity(const IntegrityInput& input, const IdeaData& data) {
  IntegrityReport report;
  Evidence evidence(data);
  const std::vector<std::string> original_lines = str::split_lines(input.text);
  std::string s = input.text;
  std::set<int> cited_years(input.cited_years.begin(), input.cited_years.end());

  if (input.kind == TextKind::kLatex) {
    strip_comments(s);
    std::map<std::string, std::string> macros = input.macros;
    for (auto& [k, v] : parse_macro_definitions(s)) macros[k] = v;  // the paper's \renewcommand wins
    size_t begin_doc = s.find("\\begin{document}");
    if (begin_doc != std::string::npos) blank(s, 0, begin_doc + 16);
    size_t end_doc = s.find("\\end{document}");
    if (end_doc != std::string::npos) blank(s, end_doc, s.size());
    size_t bib = s.find("\\begin{thebibliography}");
    if (bib != std::string::npos) blank(s, bib, end_doc == std::string::npos ? s.size() : end_doc);
    blank_command_args(s, {"newcommand", "renewcommand", "providecommand"}, 2, true);
    expand_macros(s, macros);
  } else {
    // Compiled text: drop the reference list (after a "References" heading).
    static const std::regex kRefs(R"((^|\n)\s*(References|Bibliography|REFERENCES)\s*\n)");
    std::smatch m;
    if (std::regex_search(s, m, kRefs)) blank(s, static_cast<size_t>(m.position(0) + m.length(0)), s.size());
  }
  const std::string expanded = s;  // for phrase checks (hardware, run refs, claims)
  const LineIndex expanded_lines(expanded);

  // ---- run references ("Run 3 shows", "run_2", "run\_2") ----
  std::vector<std::pair<size_t, size_t>> exempt_spans;
  static const std::regex kRunRef(R"(\b([Rr]uns?)(\s|~|-|\\_|_)?(\d+)\b)");
  for (auto it = std::sregex_iterator(expanded.begin(), expanded.end(), kRunRef); it != std::sregex_iterator(); ++it) {
    size_t off = static_cast<size_t>(it->position(0));
    int line = expanded_lines.line_at(off);
    report.run_references.push_back({it->str(0), line, context_of(original_lines, line),
                                     "internal run number: name the method or ablation instead"});
    exempt_spans.push_back({off, off + static_cast<size_t>(it->length(0))});
  }

  // ---- hardware / software claims ----
  std::string env_gpu;
  bool env_recorded = false;
  std::map<std::string, std::string> env_versions;  // lower-case package -> version
  for (const auto& run : data.runs) {
    for (const auto& [k, v] : run.environment) {
      env_recorded = true;
      std::string lk = str::to_lower(k);
      if (lk.find("gpu") != std::string::npos && (lk.find("model") != std::string::npos || lk.find("name") != std::string::npos))
        env_gpu += " " + v;
      size_t dot = lk.rfind('.');
      std::string leaf = dot == std::string::npos ? lk : lk.substr(dot + 1);
      if (leaf.find('[') != std::string::npos) leaf = leaf.substr(0, leaf.find('['));
      env_versions[leaf] = v;
      if (leaf == "python_version" || leaf == "python") env_versions["python"] = v;
      if (leaf == "cuda_version" || leaf == "cuda") env_versions["cuda"] = v;
      if (leaf == "torch_version") env_versions["torch"] = v;
    }
  }
  auto squash = [](std::string x) {
    x = str::to_lower(x);
    x.erase(std::remove_if(x.begin(), x.end(), [](char c) { return c == ' ' || c == '-'; }), x.end());
    return x;
  };
  static const std::regex kGpu(
      R"(\b(V100|A100|H100|H200|B200|P100|K80|T4|A10G?|A6000|A40|L40S?|L4|RTX[ ~-]?\d{4}(?:[ ~-]?Ti)?|GTX[ ~-]?\d{3,4}(?:[ ~-]?Ti)?|TITAN[ ~-]?[A-Z]+|MI\d{3}X?|TPU[ ~-]?v?\d*)\b)");
  for (auto it = std::sregex_iterator(expanded.begin(), expanded.end(), kGpu); it != std::sregex_iterator(); ++it) {
    size_t off = static_cast<size_t>(it->position(0));
    int line = expanded_lines.line_at(off);
    std::string claim = it->str(1);
    exempt_spans.push_back({off, off + static_cast<size_t>(it->length(0))});
    std::string reason;
    if (!env_recorded) reason = "no environment.json records the hardware";
    else if (str::trim(env_gpu).empty() || str::to_lower(env_gpu).find("none") != std::string::npos)
      reason = "the runs recorded no GPU";
    else if (squash(env_gpu).find(squash(claim)) == std::string::npos)
      reason = fmt::format("the runs recorded GPU '{}'", std::string(str::trim(env_gpu)));
    if (!reason.empty()) report.environment_contradictions.push_back({claim, line, context_of(original_lines, line), reason});
  }
  static const std::regex kSoftware(
      R"(\b(PyTorch|Pytorch|pytorch|torch|NumPy|Numpy|numpy|Python|SciPy|scipy|matplotlib|Matplotlib|JAX|jax|TensorFlow|CUDA|scikit-learn|sklearn)(?:\s|~)*(?:version(?:\s|~)*)?v?(\d+(?:\.\d+)+))");
  for (auto it = std::sregex_iterator(expanded.begin(), expanded.end(), kSoftware); it != std::sregex_iterator(); ++it) {
    size_t off = static_cast<size_t>(it->position(0));
    int line = expanded_lines.line_at(off);
    std::string pkg = str::to_lower(it->str(1));
    if (pkg == "pytorch") pkg = "torch";
    if (pkg == "sklearn") pkg = "scikit-learn";
    std::string claimed = it->str(2);
    exempt_spans.push_back({off, off + static_cast<size_t>(it->length(0))});
    auto rec = env_versions.find(pkg);
    if (rec == env_versions.end() && pkg == "scikit-learn") rec = env_versions.find("sklearn");
    std::string reason;
    if (rec == env_versions.end()) {
      reason = fmt::format("no environment.json records the {} version", it->str(1));
    } else {
      const std::string& recorded = rec->second;
      bool matches = str::starts_with(recorded, claimed) &&
                     (recorded.size() == claimed.size() || !std::isdigit(static_cast<unsigned char>(recorded[claimed.size()])));
      if (!matches) reason = fmt::format("the runs recorded {} {}", it->str(1), recorded);
    }
    if (!reason.empty())
      report.environment_contradictions.push_back({it->str(0), line, context_of(original_lines, line), reason});
  }

  // ---- exempt constructs ----
  if (input.kind == TextKind::kLatex) {
    blank_command_args(s, {"ref", "eqref", "cref", "Cref", "autoref", "pageref", "label", "cite", "citet", "citep",
                           "citealp", "citealt", "citeauthor", "citeyear", "citeyearpar", "nocite", "input", "include",
                           "includegraphics", "bibliography", "bibliographystyle", "usepackage", "documentclass",
                           "vspace", "hspace", "setlength", "addtolength", "url", "href", "color", "textcolor",
                           "graphicspath", "cmidrule", "setcounter", "resizebox", "scalebox", "rule", "linewidth",
                           "textwidth", "hypersetup", "fontsize", "multirow"},
                       1, true);
    blank_command_args(s, {"multicolumn", "resizebox"}, 2, true);
    blank_command_args(s, {"begin", "end"}, 1, false);
    // tabular column specs: \begin{tabular}{lcc} leaves "{lcc}" after blanking the env name.
    static const std::regex kSpec(R"(\\begin\s+\{[^{}]*\})");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), kSpec); it != std::sregex_iterator(); ++it)
      blank(s, static_cast<size_t>(it->position(0)), static_cast<size_t>(it->position(0) + it->length(0)));
  }
  for (auto [from, to] : exempt_spans) blank(s, from, to);
  // Scientific notation: "3\times 10^{-4}", "10^{-3}", "1e-3" become one token.
  static const std::regex kSci(R"((\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|x)\s*10\^\{?\s*(-?\d+)\s*\}?)");
  static const std::regex kPow(R"(\b10\^\{?\s*(-?\d+)\s*\}?)");
  auto replace_sci = [&](const std::regex& re, bool has_mantissa) {
    std::string out;
    size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
      out.append(s, last, static_cast<size_t>(it->position(0)) - last);
      double mant = has_mantissa ? std::stod(it->str(1)) : 1.0;
      int exp = std::stoi(it->str(has_mantissa ? 2 : 1));
      std::string num = format_number(mant * std::pow(10.0, exp), has_mantissa ? significant_digits(it->str(1)) : 1);
      // Keep offsets aligned with `expanded` where possible (sentence checks use both).
      if (num.size() < static_cast<size_t>(it->length(0))) num.resize(static_cast<size_t>(it->length(0)), ' ');
      out += num;
      last = static_cast<size_t>(it->position(0) + it->length(0));
    }
    out.append(s, last, std::string::npos);
    s = std::move(out);
  };
  replace_sci(kSci, true);
  replace_sci(kPow, false);
  if (input.kind == TextKind::kLatex) {
    // Math sub/superscripts are indices, not claims: x_1, w^{(2)}.
    static const std::regex kScript(R"([_^](\{[^{}]{0,6}\}|[0-9A-Za-z]))");
    for (auto it = std::sregex_iterator(s.begin(), s.end(), kScript); it != std::sregex_iterator(); ++it)
      blank(s, static_cast<size_t>(it->position(0)), static_cast<size_t>(it->position(0) + it->length(0)));
    s = str::replace_all(s, "{,}", ",");
  }

  // ---- numbers ----
  const LineIndex lines(s);  // `s` is final from here on
  std::vector<NumberToken> tokens;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    if (i > 0) {
      char p = s[i - 1];
      if (std::isalnum(static_cast<unsigned char>(p)) || p == '_' || p == '.' || p == '\\') {
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
        continue;  // part of an identifier ("L2", "H100", "fig3.png")
      }
      if (p == '-' && i > 1 && std::isalpha(static_cast<unsigned char>(s[i - 2]))) {
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        continue;  // "ResNet-50", "GPT-4"
      }
    }
    size_t j = i;
    std::string digits;
    int dots = 0;
    while (j < s.size()) {
      if (std::isdigit(static_cast<unsigned char>(s[j]))) {
        digits += s[j++];
      } else if (s[j] == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1]))) {
        digits += s[j++];
        ++dots;
      } else if (s[j] == ',' && j + 3 < s.size() + 0 && std::isdigit(static_cast<unsigned char>(s[j + 1])) &&
                 std::isdigit(static_cast<unsigned char>(s[j + 2])) && std::isdigit(static_cast<unsigned char>(s[j + 3])) &&
                 (j + 4 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[j + 4])))) {
        j++;  // thousands separator
      } else {
        break;
      }
    }
    NumberToken t{i, digits, 0, 0, 0, false};
    size_t after = j;
    // Ordinals ("3rd") and identifiers ("3x3", "80GB" keeps its number).
    if (after + 1 < s.size()) {
      std::string suf = str::to_lower(s.substr(after, 2));
      if ((suf == "st" || suf == "nd" || suf == "rd" || suf == "th") &&
          (after + 2 >= s.size() || !std::isalpha(static_cast<unsigned char>(s[after + 2])))) {
        ++report.numbers_exempt;
        i = after;
        continue;
      }
    }
    if (dots >= 2) {  // a version string "2.3.1"
      i = after;
      ++report.numbers_checked;
      if (evidence.mentions_text(digits)) {
        ++report.numbers_supported;
      } else {
        int line = lines.line_at(t.offset);
        report.unsupported.push_back({digits, line, context_of(original_lines, line),
                                      "version string not found in environment.json, template.toml or the code"});
      }
      continue;
    }
    size_t k = skip_spaces(s, after);
    if (k < s.size() && (s.compare(k, 2, "\\%") == 0 || s[k] == '%' || s.compare(k, 7, "percent") == 0)) t.percent = true;
    t.value = std::strtod(digits.c_str(), nullptr);
    auto dot = digits.find('.');
    t.decimals = dot == std::string::npos ? 0 : static_cast<int>(digits.size() - dot - 1);
    t.sig = significant_digits(digits);
    tokens.push_back(t);
    i = after;
  }

  std::vector<std::pair<size_t, const NumberToken*>> supported_tokens;
  for (const auto& t : tokens) {
    // Units of length are layout, not claims.
    size_t k = skip_spaces(s, t.offset + t.text.size());
    static const std::regex kUnit(R"(^(pt|cm|mm|in|em|ex|bp|pc|\\textwidth|\\linewidth|\\columnwidth|\\textheight)\b)");
    std::string rest = s.substr(k, 14);
    if (std::regex_search(rest, kUnit) && input.kind == TextKind::kLatex) {
      ++report.numbers_exempt;
      continue;
    }
    std::string word = previous_word(s, t.offset);
    if (t.decimals == 0 && kStructuralWords.count(word)) {
      ++report.numbers_exempt;
      continue;
    }
    if (t.decimals == 0 && t.value >= 1900 && t.value <= 2100 && (cited_years.count(static_cast<int>(t.value)) || word == "al")) {
      ++report.numbers_exempt;
      continue;
    }
    if (input.kind == TextKind::kPlain) {
      // Section numbers at the start of a heading line, and lone page numbers.
      static const std::regex kHeading(R"(^\d+(\.\d+)*\s+[A-Z][A-Za-z ]{2,60}$)");
      size_t bol = s.rfind('\n', t.offset);
      bol = bol == std::string::npos ? 0 : bol + 1;
      size_t eol = s.find('\n', t.offset);
      std::string line_text(str::trim(s.substr(bol, (eol == std::string::npos ? s.size() : eol) - bol)));
      if (str::trim(s.substr(bol, t.offset - bol)).empty() &&
          (line_text == t.text || std::regex_match(line_text, kHeading))) {
        ++report.numbers_exempt;
        continue;
      }
    }
    ++report.numbers_checked;
    if (evidence.supports(t.value, t.decimals, t.sig, t.percent)) {
      ++report.numbers_supported;
      supported_tokens.push_back({t.offset, &t});
      continue;
    }
    int line = lines.line_at(t.offset);
    report.unsupported.push_back({t.text + (t.percent ? "%" : ""), line, context_of(original_lines, line),
                                  "no run result, recorded setting or code literal gives this value (nor a "
                                  "difference, ratio or percent change of them) at the written precision"});
  }

  // ---- claims: sentence by sentence ----
  static const std::regex kClaim(
      R"(\b(improv\w*|outperform\w*|better|surpass\w*|beats?|superior|gains?|boost\w*)\b)", std::regex::icase);
  static const std::regex kNegation(R"(\b(not|no|never|fails?|failed|cannot|worse|without)\b|n't)", std::regex::icase);
  static const std::regex kSingleSeed(R"(\b(single|one)\s+(random\s+)?(seed|run)\b)", std::regex::icase);
  report.limits = evidence.limits();
  std::vector<std::pair<size_t, size_t>> sentences;
  {
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      bool end = false;
      if ((s[i] == '.' || s[i] == '!' || s[i] == '?') && (i + 1 >= s.size() || std::isspace(static_cast<unsigned char>(s[i + 1]))))
        end = true;
      if (s[i] == '\n' && i + 1 < s.size() && s[i + 1] == '\n') end = true;
      if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') end = true;
      if (end) {
        sentences.push_back({start, i + 1});
        start = i + 1;
      }
    }
    sentences.push_back({start, s.size()});
  }
  for (auto [from, to] : sentences) {
    std::string sentence = s.substr(from, to - from);
    std::string sentence_expanded = expanded.size() >= to ? expanded.substr(from, to - from) : sentence;
    int line = lines.line_at(from + (sentence.size() - str::trim(sentence).size() > 0 ? sentence.find_first_not_of(" \n\t") : 0));
    if (data.seeds > 1 && std::regex_search(sentence_expanded, kSingleSeed)) {
      report.single_seed.push_back({"single seed", line, context_of(original_lines, line),
                                    fmt::format("the template runs {} seeds; report the mean over seeds", data.seeds)});
    }
    if (!std::regex_search(sentence_expanded, kClaim) || std::regex_search(sentence_expanded, kNegation)) continue;
    // Means mentioned in this sentence, in order.
    std::vector<std::pair<const NumberToken*, std::vector<const MeanRef*>>> mentioned;
    auto first = std::lower_bound(supported_tokens.begin(), supported_tokens.end(), from,
                                  [](const auto& entry, size_t offset) { return entry.first < offset; });
    for (auto it = first; it != supported_tokens.end() && it->first < to; ++it) {
      auto refs = evidence.means_matching(it->second->value, it->second->decimals);
      if (!refs.empty()) mentioned.push_back({it->second, refs});
    }
    static const std::regex kFromTo(R"(\bfrom\b.*\bto\b)");
    bool from_to = std::regex_search(sentence_expanded, kFromTo);
    bool done = false;
    for (size_t a = 0; a < mentioned.size() && !done; ++a)
      for (size_t b = a + 1; b < mentioned.size() && !done; ++b)
        for (const MeanRef* ra : mentioned[a].second)
          for (const MeanRef* rb : mentioned[b].second) {
            if (done || ra->metric != rb->metric || ra->dataset != rb->dataset || ra->run == rb->run) continue;
            // Which one is claimed better: the non-baseline run over the baseline; otherwise
            // "from A to B" claims B, and "A ... compared to B" claims A.
            const MeanRef* better = rb;
            const MeanRef* worse = ra;
            if (ra->run == 0) better = rb, worse = ra;
            else if (rb->run == 0) better = ra, worse = rb;
            else if (!from_to) better = ra, worse = rb;
            auto dir_it = data.directions.find(ra->metric);
            auto dir = dir_it == data.directions.end() ? templates::Direction::kUnknown : dir_it->second;
            std::string value = fmt::format("{} vs {}", format_number(better->mean), format_number(worse->mean));
            if (dir != templates::Direction::kUnknown) {
              bool improved = dir == templates::Direction::kHigher ? better->mean > worse->mean : better->mean < worse->mean;
              if (!improved) {
                report.wrong_direction.push_back(
                    {value, line, context_of(original_lines, line),
                     fmt::format("{} on {}: {} is better, but the claimed improvement goes from {} to {}", ra->metric,
                                 ra->dataset, dir == templates::Direction::kHigher ? "higher" : "lower",
                                 format_number(worse->mean), format_number(better->mean))});
                done = true;
                continue;
              }
            }
            if (better->has_stderr && worse->has_stderr) {
              double noise = std::sqrt(better->stderr_value * better->stderr_value + worse->stderr_value * worse->stderr_value);
              if (std::fabs(better->mean - worse->mean) < noise) {
                report.within_noise.push_back(
                    {value, line, context_of(original_lines, line),
                     fmt::format("difference {} is smaller than the combined standard error {}",
                                 format_number(std::fabs(better->mean - worse->mean)), format_number(noise))});
              }
            } else if (data.seeds > 1) {
              report.single_seed.push_back({value, line, context_of(original_lines, line),
                                            "claim compares results logged without a standard error (one seed?)"});
            }
            done = true;
          }
  }
  return report;
}

Result<IntegrityReport> check_idea_paper(const stdfs::path& idea_dir, const IdeaData& data, const PaperPaths& paths) {
  IntegrityInput input;
  const stdfs::path latex_dir = idea_dir / "latex";
  if (!paths.pdf.empty()) {
    SCI_ASSIGN_OR_RETURN(input.text, latex::pdf_text(paths.pdf));
    input.kind = TextKind::kPlain;
  } else {
    stdfs::path tex = paths.tex.empty() ? latex_dir / "template.tex" : paths.tex;
    auto text = read_idea_file(idea_dir, tex);
    if (!text.ok()) return make_error(text.error().code, fmt::format("paper {}: {}", tex.string(), text.error().message));
    input.text = std::move(*text);
  }
  for (const char* f : {"results.tex", "environment.tex"}) {
    auto t = read_idea_file(idea_dir, stdfs::path("latex") / f);
    if (t.ok())
      for (auto& [k, v] : parse_macro_definitions(*t)) input.macros[k] = v;
  }
  if (auto listing = fs::list_dir_beneath(idea_dir, latex_dir); listing.ok())
    for (const auto& e : listing->entries) {
      if (e.kind != fs::EntryKind::kFile || stdfs::path(e.name).extension() != ".bib") continue;
      auto t = read_idea_file(idea_dir, stdfs::path("latex") / e.name);
      if (t.ok())
        for (int y : bib_years(*t)) input.cited_years.push_back(y);
    }
  return check_integrity(input, data);
}

}  // namespace sci::writeup
