// Paper builds; see build.h. Commands run through proc::run_capture with `env -C DIR`
// (run_capture has no cwd) and max_print_line raised so TeX does not wrap log lines
// (wrapping splits file names and UTF-8 characters).
#include "latex/build.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <system_error>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"
#include "proc/find_program.h"
#include "proc/run_capture.h"

namespace sci::latex {

namespace stdfs = std::filesystem;

namespace {

const char* engine_program(TexEngine e) { return e == TexEngine::kXelatex ? "xelatex" : "pdflatex"; }

Status require_program(const std::string& name, const std::string& package) {
  if (proc::find_program(name)) return ok_status();
  return make_error(ErrorCode::kExternalTool,
                    fmt::format("{} not found: install {} (or run with --no-pdf)", name, package));
}

Result<proc::CaptureResult> run_in(const stdfs::path& dir, std::vector<std::string> argv, int timeout_s,
                                   std::vector<std::string>& commands) {
  commands.push_back(str::join(argv, " "));
  std::vector<std::string> full = {"env", "-C", dir.string(), "max_print_line=100000"};
  full.insert(full.end(), argv.begin(), argv.end());
  return proc::run_capture(full, std::chrono::seconds(timeout_s));
}

int next_attempt_number(const stdfs::path& attempts_dir) {
  int max_n = 0;
  std::error_code ec;
  if (!stdfs::is_directory(attempts_dir, ec)) return 1;
  for (const auto& e : stdfs::directory_iterator(attempts_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!str::starts_with(name, "paper_")) continue;
    try {
      max_n = std::max(max_n, std::stoi(name.substr(6)));
    } catch (...) {  // not ours
    }
  }
  return max_n + 1;
}

// Copies the sources that determine the output (.tex/.bib/.bst/.sty/.cls) into `dest`.
Status snapshot_sources(const stdfs::path& dir, const stdfs::path& dest) {
  std::error_code ec;
  stdfs::create_directories(dest, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", dest.string(), ec.message()));
  // Earlier attempts (and `dest` itself, which usually lies inside `dir`) are not sources.
  const stdfs::path attempts = dest.parent_path();
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto& e = *it;
    if (e.is_directory() && (e.path() == attempts || e.path() == dest || e.path().filename() == "attempts")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!e.is_regular_file()) continue;
    auto ext = e.path().extension().string();
    if (ext != ".tex" && ext != ".bib" && ext != ".bst" && ext != ".sty" && ext != ".cls") continue;
    auto rel = stdfs::relative(e.path(), dir, ec);
    if (ec || str::starts_with(rel.string(), "..")) continue;
    stdfs::create_directories((dest / rel).parent_path(), ec);
    stdfs::copy_file(e.path(), dest / rel, stdfs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot copy {}: {}", e.path().string(), ec.message()));
  }
  return ok_status();
}

bool aux_needs_bibtex(const stdfs::path& aux) {
  auto text = fs::read_file(aux);
  return text.ok() && text->find("\\bibdata") != std::string::npos;
}

bool pdf_written_since(const stdfs::path& pdf, stdfs::file_time_type start) {
  std::error_code ec;
  if (!stdfs::is_regular_file(pdf, ec) || stdfs::file_size(pdf, ec) < 64) return false;
  auto mtime = stdfs::last_write_time(pdf, ec);
  if (ec || mtime < start) return false;
  auto head = fs::read_file(pdf);
  return head.ok() && str::starts_with(*head, "%PDF");
}

}  // namespace

bool latex_available(TexEngine engine) {
  return proc::find_program(engine_program(engine)).has_value() &&
         (engine == TexEngine::kXelatex || proc::find_program("bibtex").has_value());
}

Result<BuildResult> build_paper(const BuildOptions& options) {
  std::error_code ec;
  stdfs::path main = options.dir / options.main_file;
  if (!stdfs::is_regular_file(main, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{} not found", main.string()), "building the paper");
  const std::string engine = engine_program(options.engine);
  SCI_TRY(require_program(engine, options.engine == TexEngine::kXelatex ? "texlive-xetex" : "texlive-latex-base"));

  Driver driver = options.driver;
  if (driver == Driver::kAuto) driver = proc::find_program("latexmk") ? Driver::kLatexmk : Driver::kManual;
  if (driver == Driver::kLatexmk) SCI_TRY(require_program("latexmk", "latexmk"));

  BuildResult result;
  if (!options.attempts_dir.empty()) {
    int n = next_attempt_number(options.attempts_dir);
    result.attempt_dir = options.attempts_dir / fmt::format("paper_{}", n);
    SCI_TRY(snapshot_sources(options.dir, result.attempt_dir));
  }

  const std::string stem = stdfs::path(options.main_file).stem().string();
  result.pdf = options.dir / (stem + ".pdf");
  const auto start_file_time = stdfs::file_time_type::clock::now() - std::chrono::seconds(1);
  // One second of slack for filesystems with coarse mtimes. The old PDF is not removed:
  // when this build fails it may still be the only copy of a good paper.
  const auto t0 = std::chrono::steady_clock::now();

  std::vector<std::string> engine_flags = {"-interaction=nonstopmode", "-file-line-error"};
  proc::CaptureResult last;
  if (driver == Driver::kLatexmk) {
    std::vector<std::string> argv = {"latexmk", options.engine == TexEngine::kXelatex ? "-xelatex" : "-pdf",
                                     "-g", "-f", "-bibtex", "-interaction=nonstopmode", "-file-line-error",
                                     options.main_file};
    SCI_ASSIGN_OR_RETURN(last, run_in(options.dir, argv, options.timeout_s, result.commands));
    result.timed_out = last.timed_out;
  } else {
    auto pass = [&]() -> Status {
      std::vector<std::string> argv = {engine};
      argv.insert(argv.end(), engine_flags.begin(), engine_flags.end());
      argv.push_back(options.main_file);
      SCI_ASSIGN_OR_RETURN(last, run_in(options.dir, argv, options.timeout_s, result.commands));
      result.timed_out = result.timed_out || last.timed_out;
      return ok_status();
    };
    SCI_TRY(pass());
    if (!result.timed_out && aux_needs_bibtex(options.dir / (stem + ".aux")) && proc::find_program("bibtex")) {
      proc::CaptureResult bib;
      SCI_ASSIGN_OR_RETURN(bib, run_in(options.dir, {"bibtex", stem}, options.timeout_s, result.commands));
      result.timed_out = bib.timed_out;
    }
    if (!result.timed_out) SCI_TRY(pass());
    if (!result.timed_out) SCI_TRY(pass());
  }
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.tool_output_tail = sanitize_utf8(str::tail_utf8(last.output, 4000));

  auto log_text = fs::read_file(options.dir / (stem + ".log"));
  if (log_text.ok()) {
    ParseOptions po;
    po.overfull_threshold_pt = options.overfull_threshold_pt;
    result.log = parse_log(*log_text, po);
  }
  result.success = !result.timed_out && !result.log.fatal && pdf_written_since(result.pdf, start_file_time);
  if (result.success) {
    auto pages = pdf_page_count(result.pdf);
    result.pages = pages.ok() ? *pages : result.log.pages;
  }

  if (!result.attempt_dir.empty()) {
    if (result.success) {
      stdfs::copy_file(result.pdf, result.attempt_dir / result.pdf.filename(), stdfs::copy_options::overwrite_existing,
                       ec);
      if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot keep {}: {}", result.pdf.string(), ec.message()));
    }
    if (log_text.ok()) SCI_TRY(fs::write_file_atomic(result.attempt_dir / (stem + ".log"), *log_text));
  }
  return result;
}

Result<int> pdf_page_count(const stdfs::path& pdf, int timeout_s) {
  auto out = proc::run_capture({"pdfinfo", pdf.string()}, std::chrono::seconds(timeout_s));
  if (!out.ok())
    return make_error(ErrorCode::kExternalTool, "pdfinfo not found: install poppler-utils");
  if (out->exit_code != 0)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("pdfinfo failed on {}: {}", pdf.string(), str::tail_utf8(out->output, 300)));
  static const std::regex kPages(R"((^|\n)Pages:\s+(\d+))");
  std::smatch m;
  if (!std::regex_search(out->output, m, kPages))
    return make_error(ErrorCode::kParse, fmt::format("pdfinfo printed no page count for {}", pdf.string()));
  return std::stoi(m[2].str());
}

Result<std::string> pdf_text(const stdfs::path& pdf, int timeout_s) {
  auto out = proc::run_capture({"pdftotext", "-layout", "-enc", "UTF-8", pdf.string(), "-"},
                               std::chrono::seconds(timeout_s));
  if (!out.ok()) return make_error(ErrorCode::kExternalTool, "pdftotext not found: install poppler-utils");
  if (out->exit_code != 0)
    return make_error(ErrorCode::kExternalTool, fmt::format("pdftotext failed on {}", pdf.string()));
  return sanitize_utf8(out->output);
}

}  // namespace sci::latex
