// Parsing a TeX engine's .log (pdflatex/xelatex, with or without -file-line-error)
// into structured diagnostics: errors with file:line and context, undefined
// references and citations, overfull boxes beyond a threshold, missing files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sci::latex {

enum class DiagnosticKind {
  kError,               // a TeX/LaTeX error ("Undefined control sequence.", "Missing $ inserted.")
  kMissingFile,         // a file that \input/\includegraphics/\usepackage could not find
  kUndefinedReference,  // \ref/\eqref to a label that does not exist
  kUndefinedCitation,   // \cite of a key that is not in the bibliography
  kOverfullBox,         // an overfull \hbox/\vbox wider than the threshold
  kMultiplyDefinedLabel,
  kWarning,             // any other LaTeX/package warning worth showing
};
// "error", "missing_file", "undefined_reference", "undefined_citation", "overfull_box",
// "multiply_defined_label", "warning".
const char* diagnostic_kind_name(DiagnosticKind kind);

struct Diagnostic {
  DiagnosticKind kind = DiagnosticKind::kError;
  std::string file;     // as the log names it ("./template.tex"); "" when unknown
  int line = 0;         // 1-based source line; 0 when unknown
  std::string message;  // one line, valid UTF-8
  std::string context;  // the "l.N ..." lines or the box content; valid UTF-8
  std::string key;      // the reference/citation key, the missing file's name, or the label
  double overfull_pt = 0;  // kOverfullBox only
};

struct LogReport {
  std::vector<Diagnostic> diagnostics;  // in log order, missing files deduplicated by name
  bool fatal = false;                   // "Emergency stop", "Fatal error", job aborted
  int pages = -1;                       // from "Output written on X (N pages"; 0 = no pages; -1 unknown
  int count(DiagnosticKind kind) const;
  // Errors and missing files: what makes a build unacceptable.
  int blocking_count() const;
};

struct ParseOptions {
  double overfull_threshold_pt = 10.0;  // smaller overfull boxes are not reported
};

// Never fails: unknown lines are ignored. Invalid UTF-8 (e.g. a multi-byte character
// split by TeX's 79-column wrapping) is replaced by U+FFFD in every output string.
LogReport parse_log(std::string_view log, const ParseOptions& options = {});

// "./template.tex:12: error: Undefined control sequence." plus indented context lines.
std::string format_diagnostic(const Diagnostic& d);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace sci::latex
