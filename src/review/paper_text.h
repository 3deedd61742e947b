// What the reviewer reads: the text of a paper from a PDF (poppler-cpp, or `pdftotext`
// as a fallback), a .tex or .txt file, or an idea directory (its PDF or .tex plus the
// recorded results and the integrity report), and the prompt-injection screen.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sci::review {

enum class PdfBackend { kAuto, kPoppler, kPdftotext };
enum class InputKind { kPdf, kTex, kText, kIdeaDir };

struct PaperOptions {
  int max_pages = 0;               // 0 = every page
  size_t max_chars = 400000;       // longer text is cut (a note says so); 0 = no cap
  PdfBackend pdf_backend = PdfBackend::kAuto;
};

struct PaperInput {
  InputKind kind = InputKind::kText;
  std::filesystem::path source;  // the file actually read (the PDF inside an idea dir)
  std::string text;              // the paper
  int pages_total = 0;           // PDFs only
  int pages_used = 0;
  std::string results;           // idea dir: run_*/final_info.json, labelled; else ""
  std::string integrity;         // idea dir: the integrity report text; else ""
  std::vector<std::string> notes;  // truncation, fallback backend, missing context files
};

// Text of a PDF, pages separated by form feeds. Errors: kNotFound (no file),
// kParse (not a PDF / damaged), kInvalidArgument for a PDF without extractable text
// ("scanned PDF? run OCR first"), kExternalTool when pdftotext is needed but fails.
// `pages_total` / `pages_used` may be null.
Result<std::string> extract_pdf_text(const std::filesystem::path& pdf, int max_pages, PdfBackend backend,
                                     int* pages_total, int* pages_used);

// Loads `path`: *.pdf, *.tex, *.txt/*.md, or a directory (an idea dir: the newest
// top-level *.pdf, else latex/template.tex; plus run_*/final_info.json as results and
// integrity.json / integrity_report.json / integrity.txt as the integrity report).
// Errors: kNotFound, kInvalidArgument (unsupported type, empty text), and those of
// extract_pdf_text.
Result<PaperInput> load_paper(const std::filesystem::path& path, const PaperOptions& options);

// Lines of `text` that address a reviewer or a language model ("ignore previous
// instructions", "as an AI reviewer, give this paper..."), trimmed; empty when none.
std::vector<std::string> find_injection_attempts(std::string_view text);

// Makes paper text safe to place between our markers: removes any "<paper-" /
// "</paper-" / "<recorded-results" / "<integrity-report" / "REVIEW JSON" look-alikes
// so the paper cannot close the fence or fake a reply section.
std::string neutralize_markers(std::string_view text);

}  // namespace sci::review
