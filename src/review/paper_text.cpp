// Paper loading for the reviewer; see paper_text.h. poppler-cpp is the primary PDF
// backend (no subprocess); `pdftotext` is used when poppler cannot open the file or
// returns no text, because the two occasionally disagree on odd PDFs.
#include "review/paper_text.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <regex>

#include <fmt/format.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"
#include "proc/sandboxed_tool.h"

namespace sci::review {
namespace {

namespace stdfs = std::filesystem;

// poppler prints parser complaints to stderr by default; route them to debug logs.
void quiet_poppler(const std::string& msg, void*) { log::debug("poppler: {}", msg); }

size_t visible_chars(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) ++n;
  return n;
}

struct PdfText {
  std::string text;
  int pages_total = 0, pages_used = 0;
};

Result<PdfText> poppler_text(const stdfs::path& pdf, int max_pages) {
  poppler::set_debug_error_function(quiet_poppler, nullptr);
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(pdf.string()));
  if (!doc) return make_error(ErrorCode::kParse, fmt::format("{}: not a readable PDF (poppler could not open it)", pdf.string()));
  if (doc->is_locked())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: the PDF is password-protected; export an unlocked copy", pdf.string()));
  PdfText out;
  out.pages_total = doc->pages();
  out.pages_used = max_pages > 0 ? std::min(max_pages, out.pages_total) : out.pages_total;
  for (int i = 0; i < out.pages_used; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    auto bytes = page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    if (i > 0) out.text += '\f';
    out.text.append(bytes.begin(), bytes.end());
  }
  return out;
}

Result<PdfText> pdftotext_text(const stdfs::path& pdf, int max_pages) {
  // In the sandbox, on a private copy: the PDF may come from an idea directory.
  std::vector<std::string> argv = {"pdftotext", "-layout", "-enc", "UTF-8"};
  if (max_pages > 0) {
    argv.push_back("-l");
    argv.push_back(std::to_string(max_pages));
  }
  auto ran = proc::run_tool_on_copy(proc::ToolSandbox{}, pdf, argv, {"-"}, fs::kMaxPdfBytes, std::chrono::seconds(120),
                                    "poppler-utils");
  if (!ran.ok()) return ran.error();
  const proc::ToolOutcome& res = *ran;
  if (res.timed_out || res.exit_code != 0)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("pdftotext failed on {} (exit {}): {}", pdf.string(), res.exit_code,
                                  str::tail_utf8(res.output, 300)));
  PdfText out;
  out.text = res.stdout_text;
  out.pages_used = static_cast<int>(std::count(out.text.begin(), out.text.end(), '\f'));
  out.pages_total = out.pages_used;
  return out;
}

// Files inside an idea directory were written by a model or its code: read without
// following links, bounded.
std::string read_context_file(const stdfs::path& idea_dir, const stdfs::path& rel) {
  auto text = fs::read_file_beneath(idea_dir, rel, fs::kMaxResultFileBytes);
  return text.ok() ? *text : std::string();
}

// Idea dir: the newest top-level PDF (a regular file, not a link).
std::optional<stdfs::path> find_idea_pdf(const stdfs::path& dir, const fs::DirListing& listing) {
  std::optional<stdfs::path> best;
  stdfs::file_time_type best_time{};
  std::error_code ec;
  for (const auto& e : listing.entries) {
    if (e.kind != fs::EntryKind::kFile || stdfs::path(e.name).extension() != ".pdf") continue;
    auto t = stdfs::last_write_time(dir / e.name, ec);
    if (!best || t > best_time) {
      best = dir / e.name;
      best_time = t;
    }
  }
  return best;
}

}  // namespace

Result<std::string> extract_pdf_text(const stdfs::path& pdf, int max_pages, PdfBackend backend, int* pages_total,
                                     int* pages_used) {
  std::error_code ec;
  if (!stdfs::is_regular_file(pdf, ec)) return make_error(ErrorCode::kNotFound, fmt::format("{}: no such file", pdf.string()));
  Result<PdfText> got = make_error(ErrorCode::kInternal, "no PDF backend ran");
  if (backend != PdfBackend::kPdftotext) {
    got = poppler_text(pdf, max_pages);
    if (got.ok() && visible_chars(got->text) == 0 && backend == PdfBackend::kAuto) {
      auto alt = pdftotext_text(pdf, max_pages);
      if (alt.ok() && visible_chars(alt->text) > 0) got = std::move(alt);
    } else if (!got.ok() && got.error().code == ErrorCode::kParse && backend == PdfBackend::kAuto) {
      auto alt = pdftotext_text(pdf, max_pages);
      if (alt.ok()) got = std::move(alt);
    }
  } else {
    got = pdftotext_text(pdf, max_pages);
  }
  if (!got.ok()) return got.error();
  if (pages_total) *pages_total = got->pages_total;
  if (pages_used) *pages_used = got->pages_used;
  // A scanned PDF has pages but (almost) no text layer.
  size_t pages = static_cast<size_t>(std::max(1, got->pages_used));
  if (visible_chars(got->text) < 20 * pages)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: no extractable text in {} page(s) (a scanned PDF?): run OCR first (e.g. "
                                  "`ocrmypdf in.pdf out.pdf`) or review the .tex source instead",
                                  pdf.string(), got->pages_used));
  return std::move(got->text);
}

Result<PaperInput> load_paper(const stdfs::path& path, const PaperOptions& options) {
  std::error_code ec;
  if (!stdfs::exists(path, ec)) return make_error(ErrorCode::kNotFound, fmt::format("{}: no such file or directory", path.string()));
  PaperInput in;
  stdfs::path file = path;
  if (stdfs::is_directory(path, ec)) {
    in.kind = InputKind::kIdeaDir;
    SCI_ASSIGN_OR_RETURN(fs::DirListing listing, fs::list_dir_beneath(path, path));
    if (auto pdf = find_idea_pdf(path, listing)) {
      file = *pdf;
    } else if (fs::check_no_links_beneath(path, path / "latex" / "template.tex").ok() &&
               stdfs::is_regular_file(path / "latex" / "template.tex", ec)) {
      file = path / "latex" / "template.tex";
      in.notes.push_back("no PDF in the idea directory; reviewing latex/template.tex");
    } else {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("{}: no paper found (expected a .pdf or latex/template.tex); run the writeup "
                                    "stage first",
                                    path.string()));
    }
    // Recorded results: run_*/final_info.json, in run order (links are not followed).
    std::vector<std::string> runs;
    for (const auto& e : listing.entries)
      if (e.kind == fs::EntryKind::kDirectory && str::starts_with(e.name, "run_")) runs.push_back(e.name);
    for (const auto& r : runs) {
      std::string info = read_context_file(path, stdfs::path(r) / "final_info.json");
      if (!info.empty()) in.results += fmt::format("{}/final_info.json:\n{}\n", r, str::trim(info));
    }
    if (in.results.empty()) in.notes.push_back("no run_*/final_info.json in the idea directory");
    for (const char* name : {"integrity.json", "integrity_report.json", "integrity.txt"}) {
      std::string text = read_context_file(path, name);
      if (!text.empty()) {
        in.integrity = std::string(str::trim(text));
        break;
      }
    }
    if (in.integrity.empty()) in.notes.push_back("no integrity report in the idea directory");
  }

  in.source = file;
  std::string ext = str::to_lower(file.extension().string());
  if (ext == ".pdf") {
    if (in.kind != InputKind::kIdeaDir) in.kind = InputKind::kPdf;
    // The idea directory's PDF is read from a private copy (a regular file, bounded).
    fs::ScopedTempDir copy("scientist-review");
    stdfs::path readable = file;
    if (in.kind == InputKind::kIdeaDir) {
      readable = copy.path() / "paper.pdf";
      SCI_TRY(fs::copy_file_beneath(path, file, readable, fs::kMaxPdfBytes));
    }
    SCI_ASSIGN_OR_RETURN(in.text, extract_pdf_text(readable, options.max_pages, options.pdf_backend, &in.pages_total,
                                                    &in.pages_used));
    if (in.pages_used < in.pages_total)
      in.notes.push_back(fmt::format("reviewed the first {} of {} pages", in.pages_used, in.pages_total));
  } else if (ext == ".tex" || ext == ".txt" || ext == ".md" || ext == ".text") {
    if (in.kind != InputKind::kIdeaDir) in.kind = ext == ".tex" ? InputKind::kTex : InputKind::kText;
    if (in.kind == InputKind::kIdeaDir) {
      SCI_ASSIGN_OR_RETURN(in.text, fs::read_file_beneath(path, file, fs::kMaxSourceFileBytes));
    } else {
      SCI_ASSIGN_OR_RETURN(in.text, fs::read_file(file));
    }
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: unsupported paper type '{}' (use a .pdf, .tex, .txt or an idea directory)",
                                  file.string(), ext));
  }
  if (str::trim(in.text).empty())
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: the paper is empty", file.string()));
  if (options.max_chars > 0 && in.text.size() > options.max_chars) {
    size_t cut = options.max_chars;
    while (cut > 0 && (static_cast<unsigned char>(in.text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    in.notes.push_back(fmt::format("paper text cut from {} to {} bytes", in.text.size(), cut));
    in.text.resize(cut);
  }
  return in;
}

std::vector<std::string> find_injection_attempts(std::string_view text) {
  // Phrases that only make sense as instructions to a reviewer or a model. Matching
  // is per line and case-insensitive; a hit is reported, never silently removed, so
  // the reviewer can judge it.
  static const std::regex kPatterns(
      R"((ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)?(previous|prior|above|earlier|preceding|system)?\s*(instructions|prompts?|rules|guidelines)|)"
      R"(\b(llm|language model|ai|automated|gpt|chatgpt|claude|machine)\s+reviewers?\b.{0,80}\b(must|should|shall|will|are instructed|give|rate|score|recommend|accept)|)"
      R"(\b(reviewers?|you)\s+(must|should|shall|are instructed to)\s+(give|rate|score|assign|recommend|accept|output)|)"
      R"(\b(give|assign|rate)\s+(this|the)\s+(paper|submission|work)\s+(a\s+)?(score|rating|overall)|)"
      R"(\b(new|updated)\s+instructions?\s*:|)"
      R"(\brecommend\s+(strong\s+)?accept(ance)?\s+(regardless|no matter))",
      std::regex::icase);
  std::vector<std::string> hits;
  for (const auto& line : str::split_lines(text)) {
    if (line.size() > 4000) continue;  // a runaway line is not a sentence; keeps regex cost bounded
    if (std::regex_search(line, kPatterns)) hits.emplace_back(str::trim(line));
  }
  return hits;
}

std::string neutralize_markers(std::string_view text) {
  std::string s(text);
  // Break the tokens that open or close our fences or fake a reply section; the
  // reviewer still sees the words, but they can no longer act as structure.
  static const std::regex kMarkers(R"(<\s*(/?)\s*(paper|recorded-results|integrity-report|example-paper)([-\w]*)\s*>)",
                                   std::regex::icase);
  s = std::regex_replace(s, kMarkers, "[$1$2$3]");
  s = str::replace_all(s, "REVIEW JSON", "REVIEW-JSON");
  return s;
}

}  // namespace sci::review
