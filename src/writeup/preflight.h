// Checks of the paper's .tex before compiling: figures exist and came from the runs,
// no duplicate figures/labels/section headers, no leftover placeholders, every figure
// and table referenced, every \cite resolvable, no debugging history in Results, no
// bibliography typed into the .tex, and a topic-drift check against the idea.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace sci::writeup {

enum class PreflightKind {
  kMissingFigure,
  kDuplicateFigure,
  kDuplicateLabel,
  kDuplicateSection,
  kPlaceholder,
  kUnreferencedFloat,
  kUnresolvedCitation,
  kDebuggingHistory,
  kTypedBibliography,
  kTopicDrift,
  kEmptySection,
};
// "missing_figure", "duplicate_figure", ...
const char* preflight_kind_name(PreflightKind kind);

struct PreflightFinding {
  PreflightKind kind = PreflightKind::kPlaceholder;
  int line = 0;       // 1-based line in the .tex; 0 when not tied to a line
  std::string what;   // the figure file, label, header, key or placeholder text
  std::string message;
};

struct PreflightInput {
  std::string tex;
  // Where \includegraphics files are looked up (latex/ and the idea directory).
  std::vector<std::filesystem::path> figure_dirs;
  std::set<std::string> bib_keys;  // every key the bibliography holds
  std::string idea_title;          // for the topic-drift check ("" skips it)
  std::string idea_description;
  // Sections that must have body text (e.g. after the writer is done); empty skips.
  std::vector<std::string> required_sections;
};

// Pure except for file-existence checks of figures.
std::vector<PreflightFinding> run_preflight(const PreflightInput& input);

// One line per finding: "line 12: duplicate_section: Introduction: ...".
std::string preflight_feedback(const std::vector<PreflightFinding>& findings);

// Fraction (0..1) of the idea's content words (title + description, 5+ letters, not
// stop words) that occur in the paper's title, abstract and Method section. 1 when the
// idea has no content words.
double topic_overlap(const std::string& tex, const std::string& idea_title, const std::string& idea_description);

// The body of \section{name} (up to the next \section or \end{document}); "" when absent.
std::string section_body(const std::string& tex, const std::string& name);

}  // namespace sci::writeup
