// Building a paper: latexmk (or pdflatex + bibtex + pdflatex x2) in nonstopmode with a
// timeout per command, the log parsed into diagnostics, the page count from pdfinfo,
// and every attempt's PDF plus the exact .tex/.bib that produced it kept on disk.
// The sources are model-written: every tool runs in the sandbox (proc/sandboxed_tool.h)
// with rc files, shell escape and file access outside the build directory switched off.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "latex/log_parser.h"
#include "proc/sandboxed_tool.h"

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
  // The idea directory whose top-level figures (png/pdf/jpg/jpeg) the paper may include;
  // default: the parent of `dir`. They are copied (no link followed, bounded) into a
  // private read-only directory on TeX's search path: TeX itself may not leave `dir`.
  std::filesystem::path figures_dir;
  proc::ToolSandbox sandbox;  // the run's sandbox setting
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
  std::vector<std::string> findings;  // figures skipped (links, too large), for people
};

// Runs the build. A LaTeX error is an outcome (success=false, diagnostics), not an error.
// Errors: kNotFound (dir or main file missing), kExternalTool when the engine is not
// installed ("pdflatex not found: install texlive-latex-base (or run with --no-pdf)"),
// kInvalidArgument when `dir` holds a symbolic link or too many files (named, with the
// fix), kUnavailable when the requested sandbox level does not work here, kIo when the
// attempt copy fails.
Result<BuildResult> build_paper(const BuildOptions& options);

// Page count via `pdfinfo`. kExternalTool when pdfinfo is missing or fails, kParse
// when its output has no "Pages:" line.
// The PDF is read without following a link (it must be a regular file) and examined in
// the sandbox, from a private copy.
Result<int> pdf_page_count(const std::filesystem::path& pdf, int timeout_s = 60,
                           const proc::ToolSandbox& sandbox = {});

// Plain text via `pdftotext -layout PDF -` (UTF-8). kExternalTool on failure.
Result<std::string> pdf_text(const std::filesystem::path& pdf, int timeout_s = 60,
                             const proc::ToolSandbox& sandbox = {});

// The environment every TeX tool gets: rc files and shell escape off, kpathsea's
// paranoid file access (no absolute paths, no "..", no dot files), unwrapped logs,
// and `search_dirs` on TEXINPUTS after the build directory.
std::map<std::string, std::string> tex_environment(const std::vector<std::filesystem::path>& search_dirs);

// Whether the tools a build needs are on PATH (for --no-pdf decisions and doctor).
bool latex_available(TexEngine engine = TexEngine::kPdflatex);

}  // namespace sci::latex
