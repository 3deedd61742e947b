// Pre-compile checks; see preflight.h. Comments are blanked first (offsets kept) so a
// commented-out draft neither triggers nor hides a finding.
#include "writeup/preflight.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "base/strings.h"
#include "writeup/bibliography.h"

namespace sci::writeup {

namespace stdfs = std::filesystem;

const char* preflight_kind_name(PreflightKind kind) {
  switch (kind) {
    case PreflightKind::kMissingFigure: return "missing_figure";
    case PreflightKind::kDuplicateFigure: return "duplicate_figure";
    case PreflightKind::kDuplicateLabel: return "duplicate_label";
    case PreflightKind::kDuplicateSection: return "duplicate_section";
    case PreflightKind::kPlaceholder: return "placeholder";
    case PreflightKind::kUnreferencedFloat: return "unreferenced_float";
    case PreflightKind::kUnresolvedCitation: return "unresolved_citation";
    case PreflightKind::kDebuggingHistory: return "debugging_history";
    case PreflightKind::kTypedBibliography: return "typed_bibliography";
    case PreflightKind::kTopicDrift: return "topic_drift";
    case PreflightKind::kEmptySection: return "empty_section";
  }
  return "unknown";
}

namespace {

std::string blank_comments(std::string_view tex) {
  std::string s(tex);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '%')
      while (i < s.size() && s[i] != '\n') s[i++] = ' ';
  }
  return s;
}

int line_at(const std::string& s, size_t offset) {
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(std::min(offset, s.size())), '\n'));
}

bool figure_exists(const std::string& name, const std::vector<stdfs::path>& dirs) {
  static const std::vector<std::string> kExts = {"", ".pdf", ".png", ".jpg", ".jpeg", ".eps"};
  std::error_code ec;
  for (const auto& d : dirs) {
    for (const auto& ext : kExts) {
      if (!ext.empty() && stdfs::path(name).has_extension()) continue;
      if (stdfs::is_regular_file(d / (name + ext), ec)) return true;
    }
  }
  return false;
}

size_t document_start(const std::string& s) {
  size_t p = s.find("\\begin{document}");
  return p == std::string::npos ? 0 : p;
}

std::set<std::string> content_words(const std::string& text) {
  static const std::set<std::string> kStop = {
      "about", "above", "after", "again", "against", "their", "there", "these", "those", "which", "while",
      "where", "would", "could", "should", "other", "using", "based", "between", "through", "under", "within",
      "without", "model", "models", "method", "methods", "approach", "results", "paper", "propose", "proposed",
      "study", "experiment", "experiments", "performance", "improve", "improves", "improved", "whether",
      "effect", "effects", "different", "various", "section", "novel", "simple", "training", "first"};
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    if (word.size() >= 5 && !kStop.count(word)) {
      // Crude stemming so "schedules" matches "schedule".
      std::string w = word;
      if (w.size() > 5 && w.back() == 's') w.pop_back();
      out.insert(w);
    }
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalpha(c)) word += static_cast<char>(std::tolower(c));
    else flush();
  }
  flush();
  return out;
}

std::string braced_arg_after(const std::string& s, size_t pos) {
  size_t open = s.find('{', pos);
  if (open == std::string::npos) return "";
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return s.substr(open + 1, i - open - 1);
  }
  return "";
}

}  // namespace

std::string section_body(const std::string& tex, const std::string& name) {
  std::string s = blank_comments(tex);
  std::regex re("\\\\section\\*?\\s*\\{\\s*" + std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                    "\\s*\\}",
                std::regex::icase);
  std::smatch m;
  if (!std::regex_search(s, m, re)) return "";
  size_t start = static_cast<size_t>(m.position(0) + m.length(0));
  size_t end = s.size();
  for (const char* stop : {"\\section", "\\end{document}", "\\bibliography", "\\appendix"}) {
    size_t p = s.find(stop, start);
    if (p != std::string::npos) end = std::min(end, p);
  }
  return s.substr(start, end - start);
}

double topic_overlap(const std::string& tex, const std::string& idea_title, const std::string& idea_description) {
  auto idea = content_words(idea_title + " " + idea_description);
  if (idea.empty()) return 1.0;
  std::string s = blank_comments(tex);
  std::string paper;
  size_t t = s.find("\\title");
  if (t != std::string::npos) paper += braced_arg_after(s, t) + " ";
  size_t a = s.find("\\begin{abstract}");
  size_t ae = s.find("\\end{abstract}");
  if (a != std::string::npos && ae != std::string::npos && ae > a) paper += s.substr(a, ae - a) + " ";
  paper += section_body(tex, "Method");
  auto words = content_words(paper);
  int hit = 0;
  for (const auto& w : idea) hit += words.count(w) ? 1 : 0;
  return static_cast<double>(hit) / static_cast<double>(idea.size());
}

std::vector<PreflightFinding> run_preflight(const PreflightInput& input) {
  std::vector<PreflightFinding> out;
  const std::string s = blank_comments(input.tex);
  const size_t body_start = document_start(s);
  auto add = [&](PreflightKind k, size_t offset, std::string what, std::string message) {
    out.push_back({k, offset == std::string::npos ? 0 : line_at(s, offset), std::move(what), std::move(message)});
  };

  // Figures: exist, included once.
  static const std::regex kGraphics(R"(\\includegraphics\s*(?:\[[^\]]*\])?\s*\{([^}]*)\})");
  std::map<std::string, int> figure_uses;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kGraphics); it != std::sregex_iterator(); ++it) {
    std::string name(str::trim((*it)[1].str()));
    size_t pos = static_cast<size_t>(it->position(0));
    if (++figure_uses[name] == 2)
      add(PreflightKind::kDuplicateFigure, pos, name, "this figure is included more than once; include each figure once");
    if (!figure_exists(name, input.figure_dirs))
      add(PreflightKind::kMissingFigure, pos, name,
          "no such figure file was produced by the runs; use only the figures listed in the notes");
  }

  // Labels and section headers: unique.
  static const std::regex kLabel(R"(\\label\s*\{([^}]*)\})");
  std::set<std::string> labels;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kLabel); it != std::sregex_iterator(); ++it) {
    std::string label = (*it)[1].str();
    if (!labels.insert(label).second)
      add(PreflightKind::kDuplicateLabel, static_cast<size_t>(it->position(0)), label,
          "this label is defined more than once");
  }
  static const std::regex kSection(R"(\\((?:sub)*section)\*?\s*\{([^}]*)\})");
  std::set<std::string> headers;
  for (auto it = std::sregex_iterator(s.begin() + static_cast<long>(body_start), s.end(), kSection);
       it != std::sregex_iterator(); ++it) {
    std::string key = (*it)[1].str() + ":" + str::to_lower(str::trim((*it)[2].str()));
    if (!headers.insert(key).second)
      add(PreflightKind::kDuplicateSection, body_start + static_cast<size_t>(it->position(0)), (*it)[2].str(),
          "this section header appears more than once; merge the duplicates into one section");
  }

  // Placeholders in the document body.
  static const std::regex kPlaceholder(
      R"(\bTODO\b|\bTBD\b|\bXXX\b|PLACEHOLDER|[Ll]orem ipsum|\[(?:INSERT|CITATION|CITE|TBD|REF)[^\]]*\]|\?\?\?|<(?:INSERT|YOUR|PLACEHOLDER)[^>]*>|CITATION NEEDED|\b[A-Z]{3,}(?: [A-Z]{2,})* HERE\b)");
  for (auto it = std::sregex_iterator(s.begin() + static_cast<long>(body_start), s.end(), kPlaceholder);
       it != std::sregex_iterator(); ++it)
    add(PreflightKind::kPlaceholder, body_start + static_cast<size_t>(it->position(0)), it->str(0),
        "leftover placeholder text; write the final content or remove it");

  // Every figure and table is referenced.
  static const std::regex kRef(R"(\\(?:ref|cref|Cref|autoref|eqref|pageref|vref)\s*\{([^}]*)\})");
  std::set<std::string> refs;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kRef); it != std::sregex_iterator(); ++it)
    for (const auto& r : str::split((*it)[1].str(), ',')) refs.insert(std::string(str::trim(r)));
  static const std::regex kFloat(R"(\\begin\{(figure|table)\*?\})");
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kFloat); it != std::sregex_iterator(); ++it) {
    std::string env = (*it)[1].str();
    size_t start = static_cast<size_t>(it->position(0));
    size_t end = s.find("\\end{" + env, start);
    if (end == std::string::npos) end = s.size();
    std::string inner = s.substr(start, end - start);
    std::smatch lm;
    if (!std::regex_search(inner, lm, kLabel)) {
      add(PreflightKind::kUnreferencedFloat, start, env,
          fmt::format("this {} has no \\label, so the text cannot reference it; add a label and \\ref it", env));
    } else if (!refs.count(lm[1].str())) {
      add(PreflightKind::kUnreferencedFloat, start, lm[1].str(),
          fmt::format("this {} is never referenced in the text; discuss it with \\ref{{{}}} or remove it", env,
                      lm[1].str()));
    }
  }

  // Citations resolve against the bibliography.
  for (const auto& key : cited_keys(input.tex)) {
    if (input.bib_keys.count(key)) continue;
    size_t pos = s.find(key);
    add(PreflightKind::kUnresolvedCitation, pos, key,
        "no bibliography entry has this key; cite only keys from the bibliography");
  }

  // The bibliography is ours; the model must not type one.
  static const std::regex kTypedBib(R"(\\begin\{thebibliography\}|\\bibitem\b|\\begin\{filecontents)");
  std::smatch bm;
  if (std::regex_search(s, bm, kTypedBib))
    add(PreflightKind::kTypedBibliography, static_cast<size_t>(bm.position(0)), bm.str(0),
        "bibliography entries come only from the literature search; remove the typed bibliography");

  // Results present final comparisons, not the debugging history.
  std::string results = section_body(input.tex, "Results");
  static const std::regex kDebug(
      R"(\b(bugs?|debugg\w*|crash(?:ed|es)?|failed (?:runs?|attempts?)|first attempt|we fixed|re-?ran)\b)",
      std::regex::icase);
  std::smatch dm;
  if (!results.empty() && std::regex_search(results, dm, kDebug)) {
    size_t pos = s.find(dm.str(0), body_start);
    add(PreflightKind::kDebuggingHistory, pos, dm.str(0),
        "the Results section must present the final comparisons (baseline vs. the method and its ablations), "
        "not the history of failed or debugged attempts");
  }

  for (const auto& name : input.required_sections) {
    std::string body = section_body(input.tex, name);
    body = std::regex_replace(body, kLabel, "");
    size_t letters = 0;
    for (unsigned char c : body) letters += std::isalpha(c) ? 1 : 0;
    if (letters < 40) add(PreflightKind::kEmptySection, std::string::npos, name, "this section has no content yet");
  }

  if (!input.idea_title.empty()) {
    double overlap = topic_overlap(input.tex, input.idea_title, input.idea_description);
    if (overlap < 0.25)
      add(PreflightKind::kTopicDrift, std::string::npos, input.idea_title,
          fmt::format("the title, abstract and Method share only {:.0f}% of the idea's key terms; the paper must "
                      "describe the idea that was run: {}",
                      overlap * 100, input.idea_title));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

std::string preflight_feedback(const std::vector<PreflightFinding>& findings) {
  std::string out;
  for (const auto& f : findings)
    out += fmt::format("{}{}: {}: {}\n", f.line > 0 ? fmt::format("line {}: ", f.line) : "",
                       preflight_kind_name(f.kind), f.what, f.message);
  return out;
}

}  // namespace sci::writeup
