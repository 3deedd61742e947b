// Building a paper: latexmk (or pdflatex + bibtex + pdflatex x2) in nonstopmode with a
// timeout per command, the log parsed into diagnostics, the page count from pdfinfo,
// and every attempt's PDF plus the exact .tex/.bib that produced it kept on disk.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "latex/log_parser.h"

namespace sci::latex {

enum class Driver { kAuto, kLatexmk, kManual };  // kAuto: latexmk when installed
enum class TexEngine { kPdflatex, kXelatex };    // xelatex for non-Latin output languages

struct BuildOptions {
  std::filesystem::path dir;              // the directory holding main_file (e.g. <idea>/latex)
  std::string main_file = "template.tex";
  int timeout_s = 300;                    // per command (config writeup.latex_timeout_s)
  Driver driver = Driver::kAuto;
  TexEngine engine = TexEngine::kPdflatex;
  double overfull_threshold_pt = 10.0;
  // When set, the attempt is kept as <attempts_dir>/paper_N/ (N = 1 + the largest
  // existing N): the .tex/.bib/.sty/.bst as they were before the build, then the PDF and log.
  std::filesystem::path attempts_dir;
};

struct BuildResult {
  // Judged from the artifact: <main>.pdf exists, was written by this build, starts
  // with "%PDF" and the engine did not stop fatally.
  bool success = false;
  bool timed_out = false;
  std::filesystem::path pdf;          // <dir>/<main>.pdf (may be stale when !success)
  int pages = -1;                     // pdfinfo; -1 when unknown
  LogReport log;                      // the final engine run's log
  std::vector<std::string> commands;  // what ran, for people
  std::string tool_output_tail;       // last command's output tail (UTF-8 safe)
  std::filesystem::path attempt_dir;  // "" when attempts_dir was empty
  double wall_s = 0;
};

// Runs the build. A LaTeX error is an outcome (success=false, diagnostics), not an error.
// Errors: kNotFound (dir or main file missing), kExternalTool when the engine is not
// installed ("pdflatex not found: install texlive-latex-base (or run with --no-pdf)"),
// kIo when the attempt copy fails.
Result<BuildResult> build_paper(const BuildOptions& options);

// Page count via `pdfinfo`. kExternalTool when pdfinfo is missing or fails, kParse
// when its output has no "Pages:" line.
Result<int> pdf_page_count(const std::filesystem::path& pdf, int timeout_s = 60);

// Plain text via `pdftotext -layout PDF -` (UTF-8). kExternalTool on failure.
Result<std::string> pdf_text(const std::filesystem::path& pdf, int timeout_s = 60);

// Whether the tools a build needs are on PATH (for --no-pdf decisions and doctor).
bool latex_available(TexEngine engine = TexEngine::kPdflatex);

}  // namespace sci::latex
