// The integrity check: every number in a paper must come from a machine-written source
// (final_info.json, environment.json, template.toml, run_i.py literals) or be derived
// from them (percent change, difference, ratio, x100, unit conversion, counts, within
// rounding). Also flags wrong-direction and within-noise improvement claims, single-seed
// claims, "Run 3 shows" references and hardware/software claims contradicting the record.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "writeup/run_data.h"

namespace sci::writeup {

struct IntegrityFinding {
  std::string value;    // the number or phrase as written ("97.5", "V100", "Run 3")
  int line = 0;         // 1-based line in the checked text
  std::string context;  // the line, trimmed, at most ~200 bytes
  std::string reason;
};

struct IntegrityReport {
  std::vector<IntegrityFinding> unsupported;
  std::vector<IntegrityFinding> wrong_direction;
  std::vector<IntegrityFinding> within_noise;
  std::vector<IntegrityFinding> single_seed;
  std::vector<IntegrityFinding> run_references;
  std::vector<IntegrityFinding> environment_contradictions;
  int numbers_checked = 0;
  int numbers_supported = 0;
  int numbers_exempt = 0;
  // What the check left out of its evidence (over kMaxIndexedMeans or kMaxEvidenceValues),
  // one line each: numbers quoting the rest show as unsupported. Not a problem of the
  // paper (problem_count and to_feedback leave it out); to_json lists it as "limits".
  std::vector<std::string> limits;

  int problem_count() const;
  // {"unsupported":[{"value","line","context","reason"}], "wrong_direction":[...], ...,
  //  "stats":{...}} with a stable key order.
  std::string to_json() const;
  // One line per finding, "line N: category: value: reason".
  std::string to_feedback() const;
};

// Bounds on the evidence index, so a final_info.json with millions of metrics costs
// seconds and memory in proportion, not more: means (with their standard errors and
// derived values) beyond the first kMaxIndexedMeans are not indexed, nor are values
// beyond kMaxEvidenceValues (code literals, environment numbers, derived pairs).
inline constexpr size_t kMaxIndexedMeans = 200000;
inline constexpr size_t kMaxEvidenceValues = 4000000;

enum class TextKind { kLatex, kPlain };  // .tex source, or text extracted from a PDF

struct IntegrityInput {
  std::string text;                           // the paper
  TextKind kind = TextKind::kLatex;
  std::map<std::string, std::string> macros;  // "\ResRunOneMoonsTestAcc" -> "0.9124" (results/environment.tex)
  std::vector<int> cited_years;               // years of the bibliography's entries (exempt)
};

// Pure: classifies every number and claim in `input.text` against `data`. Near-linear
// in the size of the text and the evidence (sorted indexes, no pairwise scans except
// over the runs of one metric).
IntegrityReport check_integrity(const IntegrityInput& input, const IdeaData& data);

// Zero-argument macro definitions (\newcommand, \renewcommand, \providecommand, \def)
// in a .tex text: name (with backslash) -> body.
std::map<std::string, std::string> parse_macro_definitions(const std::string& tex);

// Years ("year = {2020}") of the entries in a .bib text.
std::vector<int> bib_years(const std::string& bib);

struct PaperPaths {
  std::filesystem::path tex;  // default <idea>/latex/template.tex
  std::filesystem::path pdf;  // when set, the PDF's text is checked instead (another system's paper)
};

// Loads the paper, <idea>/latex/{results,environment}.tex macros, *.bib years and the
// idea's data, then checks. Errors: kNotFound (paper or runs missing), kParse, kExternalTool (pdftotext).
Result<IntegrityReport> check_idea_paper(const std::filesystem::path& idea_dir, const IdeaData& data,
                                         const PaperPaths& paths);

}  // namespace sci::writeup
