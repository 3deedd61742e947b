// The writeup stage: fills latex/template.tex section by section through the coder,
// refines, adds citations from literature records, checks numbers and structure, runs
// chktex, compiles with bounded fix rounds and keeps every attempt. run_writeup() is
// the single entry the pipeline and `scientist writeup` call.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "coder/coder.h"
#include "literature/client.h"
#include "llm/client.h"
#include "proc/sandboxed_tool.h"
#include "templates/manifest.h"
#include "writeup/integrity.h"

namespace sci::writeup {

// The seam to the coder: an instruction goes in, the model's edits are applied to the
// chat files under the idea directory. CoderPaperEditor forwards to coder::Coder;
// tests use a scripted editor.
class PaperEditor {
 public:
  virtual ~PaperEditor() = default;
  // LLM errors (budget, auth, cancelled...) end the stage; failed edits are in TurnResult.
  virtual Result<coder::TurnResult> run(const std::string& instruction) = 0;
  virtual Status set_chat_files(std::vector<std::string> files) = 0;
};

// Forwards to a coder::Coder owned by the caller (which must outlive the editor).
class CoderPaperEditor final : public PaperEditor {
 public:
  explicit CoderPaperEditor(coder::Coder& coder) : coder_(&coder) {}
  Result<coder::TurnResult> run(const std::string& instruction) override;
  Status set_chat_files(std::vector<std::string> files) override;

 private:
  coder::Coder* coder_;
};

enum class PdfMode { kBuild, kSkip };               // kSkip: --no-pdf, .tex + .bib only
enum class LiteratureMode { kSearch, kTemplateOnly };  // kTemplateOnly: --no-literature

struct WriteupOptions {
  int cite_rounds = 20;        // writeup.cite_rounds
  int min_references = 12;     // writeup.min_references (target told to the writer)
  int chktex_rounds = 5;       // writeup.chktex_rounds; 0 disables chktex
  int latex_fix_rounds = 5;    // writeup.latex_fix_rounds
  int integrity_rounds = 3;    // writeup.integrity_rounds
  int latex_timeout_s = 300;   // writeup.latex_timeout_s
  double overfull_threshold_pt = 10.0;
  std::string language = "English";  // general.language; non-Latin scripts build with xelatex
  PdfMode pdf = PdfMode::kBuild;
  LiteratureMode literature = LiteratureMode::kSearch;
  int results_per_query = 10;
  std::string citation_model;  // for query/selection calls; "" = the editor's model
  // Non-empty = an improvement round: the existing paper is revised once with this
  // text (a review) as feedback, then checked and built again; no sections are
  // rewritten and no citation rounds run.
  std::string feedback;
  // How LaTeX, bibtex, chktex and poppler run over the model-written paper: the run's
  // sandbox setting (sandbox.level, --unsafe-no-sandbox, sandbox.uid_base).
  proc::ToolSandbox tools;
};

struct WriteupEvent {
  std::string phase;    // "prepare", "section", "refine", "citations", "title", "check", "chktex", "build", "done"
  std::string message;  // one line for people
};

struct WriteupContext {
  std::filesystem::path idea_dir;               // holds run_i/, notes.txt, latex/template.tex
  const templates::Manifest* manifest = nullptr;  // metric directions, page limit; may be null
  PaperEditor* editor = nullptr;                  // required
  llm::LlmClient* llm = nullptr;                  // citation query/selection calls; required for kSearch
  literature::LiteratureClient* literature = nullptr;  // required for kSearch
  std::string idea_name;         // the PDF is <idea_dir>/<idea_name>.pdf ("" = directory name)
  std::string idea_title;        // "" = read from idea.json when present
  std::string idea_description;  // "" = read from idea.json when present
  llm::CallTag tag;              // idea name etc.; stage/role are set here
  WriteupOptions options;
  std::function<void(const WriteupEvent&)> on_event;  // may be empty
  const std::atomic<bool>* cancel = nullptr;
};

struct WriteupOutcome {
  bool pdf_built = false;          // judged from the artifact on disk
  std::filesystem::path pdf;       // <idea_dir>/<idea>.pdf ("" when none)
  std::filesystem::path tex;       // <idea_dir>/latex/template.tex
  std::filesystem::path bib;       // <idea_dir>/latex/references.bib
  int pages = -1;
  int references = 0;              // distinct bibliography entries cited in the final text
  int references_found = 0;        // entries added from the literature search
  int build_attempts = 0;
  int citation_rounds_used = 0;
  IntegrityReport integrity;       // of the final text; also written to <idea_dir>/integrity.json
  std::vector<std::string> remaining_problems;  // unresolved after the bounded rounds
  std::vector<std::string> removed_citations;   // \cite keys removed as unresolvable
  int chktex_warnings_left = -1;   // chktex warnings in the paper after the rounds; -1 = not run
  double cost_usd = 0;
};

// Runs the whole stage. Writes latex/results.tex, latex/environment.tex,
// latex/references.bib, latex/attempts/paper_N/, <idea>.pdf and integrity.json.
// Problems the bounded rounds could not fix are outcomes (remaining_problems), not
// errors. Errors: kNotFound (no runs or no latex/template.tex), kInvalidArgument (no
// editor / literature client when needed), kExternalTool (pdflatex missing and pdf
// = kBuild: "pdflatex not found: install texlive-latex-base (or run with --no-pdf)"),
// LLM errors (kBudgetExceeded, kAuth, kCancelled, ...) and kIo.
Result<WriteupOutcome> run_writeup(const WriteupContext& context);

// The sections written in order, each with its guidance prompt name under prompts/writeup/.
struct SectionSpec {
  std::string name;    // as in \section{...}; "Title and Abstract" for the first
  std::string prompt;  // "writeup/section_intro", ...
};
const std::vector<SectionSpec>& section_order();

// True for languages written in a non-Latin script (Chinese, Japanese, Russian, ...).
bool needs_xelatex(const std::string& language);

}  // namespace sci::writeup
