// Paper builds; see build.h. Every command runs through proc::run_tool (the sandbox;
// cwd = the build directory, the only writable place) with tex_environment(): the
// sources, the .bib, the figures and any rc file next to them were written by a model
// or its code. max_print_line is raised so TeX does not wrap log lines (wrapping splits
// file names and UTF-8 characters).
#include "latex/build.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/strings.h"
#include "proc/find_program.h"

namespace sci::latex {

namespace stdfs = std::filesystem;

namespace {

constexpr std::size_t kMaxBuildFiles = 2000;     // files in the build directory tree
constexpr std::size_t kMaxFigures = 200;         // figures copied from the idea directory
constexpr std::uint64_t kMaxLogBytes = 32ull << 20;

const char* engine_program(TexEngine e) { return e == TexEngine::kXelatex ? "xelatex" : "pdflatex"; }

Status require_program(const std::string& name, const std::string& package) {
  if (proc::find_program(name)) return ok_status();
  return make_error(ErrorCode::kExternalTool,
                    fmt::format("{} not found: install {} (or run with --no-pdf)", name, package));
}

struct ToolContext {
  const BuildOptions& options;
  std::map<std::string, std::string> env;
  std::vector<stdfs::path> read_only;
  std::vector<std::string>& commands;
};

Result<proc::ToolOutcome> run_in(const ToolContext& ctx, std::vector<std::string> argv) {
  ctx.commands.push_back(str::join(argv, " "));
  proc::ToolRun run;
  run.argv = std::move(argv);
  run.workdir = ctx.options.dir;
  run.read_only = ctx.read_only;
  // The other ideas of the batch are not the paper's business.
  const stdfs::path batch = ctx.options.dir.parent_path().parent_path();
  if (std::distance(batch.begin(), batch.end()) > 2) run.hidden.push_back(batch);
  run.env = ctx.env;
  run.timeout = std::chrono::seconds(ctx.options.timeout_s);
  return proc::run_tool(ctx.options.sandbox, run);
}

int next_attempt_number(const stdfs::path& attempts_dir) {
  int max_n = 0;
  auto listing = fs::list_dir_beneath(attempts_dir, attempts_dir);
  if (!listing.ok()) return 1;
  for (const auto& e : listing->entries) {
    if (!str::starts_with(e.name, "paper_")) continue;
    try {
      max_n = std::max(max_n, std::stoi(e.name.substr(6)));
    } catch (...) {  // not ours
    }
  }
  return max_n + 1;
}

bool is_source(const std::string& name) {
  auto ext = stdfs::path(name).extension().string();
  return ext == ".tex" || ext == ".bib" || ext == ".bst" || ext == ".sty" || ext == ".cls";
}

// Walks the build directory (not following links, skipping attempts/), calling
// `visit(relative path)` for each regular file. A symbolic link or a tree of more than
// kMaxBuildFiles files is refused: the build would follow the link out of the paper.
template <typename Visit>
Status walk_build_dir(const stdfs::path& dir, const stdfs::path& rel, std::size_t& count, Visit&& visit) {
  SCI_ASSIGN_OR_RETURN(fs::DirListing listing, fs::list_dir_beneath(dir, rel.empty() ? dir : dir / rel));
  for (const auto& e : listing.entries) {
    const stdfs::path child = rel / e.name;
    if (++count > kMaxBuildFiles || listing.truncated)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} holds more than {} files: the paper build refuses it (remove the extra "
                                    "files from latex/)",
                                    dir.string(), kMaxBuildFiles));
    if (e.kind == fs::EntryKind::kSymlink)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} is a symbolic link: the paper build does not follow links out of the "
                                    "paper's directory (replace it with a regular file)",
                                    (dir / child).string()));
    if (e.kind == fs::EntryKind::kDirectory) {
      if (rel.empty() && e.name == "attempts") continue;  // earlier attempts are not sources
      SCI_TRY(walk_build_dir(dir, child, count, visit));
    } else if (e.kind == fs::EntryKind::kFile) {
      SCI_TRY(visit(child));
    }
  }
  return ok_status();
}

// Copies the sources that determine the output (.tex/.bib/.bst/.sty/.cls) into `dest`.
Status snapshot_sources(const stdfs::path& dir, const stdfs::path& dest) {
  std::error_code ec;
  stdfs::create_directories(dest, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", dest.string(), ec.message()));
  std::size_t count = 0;
  return walk_build_dir(dir, {}, count, [&](const stdfs::path& rel) -> Status {
    if (!is_source(rel.filename().string())) return ok_status();
    return fs::copy_file_beneath(dir, rel, dest / rel, fs::kMaxSourceFileBytes);
  });
}

bool is_figure(const std::string& name) {
  auto ext = str::to_lower(stdfs::path(name).extension().string());
  return ext == ".png" || ext == ".pdf" || ext == ".jpg" || ext == ".jpeg";
}

// Copies the idea directory's top-level figures into `dest` (regular files only, each
// at most kMaxFigureBytes); what is skipped is reported in `findings`.
Status stage_figures(const stdfs::path& figures_dir, const stdfs::path& dest, std::vector<std::string>& findings) {
  auto listing = fs::list_dir_beneath(figures_dir, figures_dir);
  if (!listing.ok()) {
    if (listing.error().code == ErrorCode::kNotFound) return ok_status();
    return listing.error();
  }
  std::size_t copied = 0;
  for (const auto& e : listing->entries) {
    if (!is_figure(e.name)) continue;
    if (e.kind == fs::EntryKind::kSymlink) {
      findings.push_back(fmt::format("figure {} is a symbolic link: not given to LaTeX", e.name));
      continue;
    }
    if (e.kind != fs::EntryKind::kFile) continue;
    if (e.size_bytes > fs::kMaxFigureBytes) {
      findings.push_back(fmt::format("figure {} is {} MB, over the {} MB limit: not given to LaTeX", e.name,
                                     e.size_bytes >> 20, fs::kMaxFigureBytes >> 20));
      continue;
    }
    if (++copied > kMaxFigures) {
      findings.push_back(fmt::format("more than {} figures: the rest are not given to LaTeX", kMaxFigures));
      break;
    }
    SCI_TRY(fs::copy_file_beneath(figures_dir, e.name, dest / e.name, fs::kMaxFigureBytes));
  }
  return ok_status();
}

bool aux_needs_bibtex(const stdfs::path& dir, const std::string& aux) {
  auto text = fs::read_file_beneath(dir, aux, kMaxLogBytes);
  return text.ok() && text->find("\\bibdata") != std::string::npos;
}

bool pdf_written_since(const stdfs::path& dir, const std::string& pdf_name, stdfs::file_time_type start) {
  std::error_code ec;
  const stdfs::path pdf = dir / pdf_name;
  if (!stdfs::is_regular_file(stdfs::symlink_status(pdf, ec)) || stdfs::file_size(pdf, ec) < 64) return false;
  auto mtime = stdfs::last_write_time(pdf, ec);
  if (ec || mtime < start) return false;
  auto head = fs::read_file_beneath(dir, pdf_name, fs::kMaxPdfBytes);
  return head.ok() && str::starts_with(*head, "%PDF");
}

// Runs one poppler tool on a private copy of `pdf` in the sandbox.
Result<proc::ToolOutcome> run_pdf_tool(const stdfs::path& pdf, const std::vector<std::string>& argv,
                                       const std::vector<std::string>& trailing, int timeout_s,
                                       const proc::ToolSandbox& sandbox) {
  return proc::run_tool_on_copy(sandbox, pdf, argv, trailing, fs::kMaxPdfBytes, std::chrono::seconds(timeout_s),
                                "poppler-utils");
}

}  // namespace

std::map<std::string, std::string> tex_environment(const std::vector<stdfs::path>& search_dirs) {
  std::string inputs = ".";
  for (const auto& d : search_dirs) inputs += ":" + d.string();
  inputs += ":";  // then TeX's default path
  return {{"openin_any", "p"},  {"openout_any", "p"}, {"shell_escape", "f"},
          {"max_print_line", "100000"}, {"TEXINPUTS", inputs}};
}

bool latex_available(TexEngine engine) {
  return proc::find_program(engine_program(engine)).has_value() &&
         (engine == TexEngine::kXelatex || proc::find_program("bibtex").has_value());
}

Result<BuildResult> build_paper(const BuildOptions& options) {
  std::error_code ec;
  stdfs::path main = options.dir / options.main_file;
  if (!stdfs::is_regular_file(stdfs::symlink_status(main, ec)))
    return make_error(ErrorCode::kNotFound, fmt::format("{} not found (or not a regular file)", main.string()),
                      "building the paper");
  const std::string engine = engine_program(options.engine);
  SCI_TRY(require_program(engine, options.engine == TexEngine::kXelatex ? "texlive-xetex" : "texlive-latex-base"));

  Driver driver = options.driver;
  if (driver == Driver::kAuto) driver = proc::find_program("latexmk") ? Driver::kLatexmk : Driver::kManual;
  if (driver == Driver::kLatexmk) SCI_TRY(require_program("latexmk", "latexmk"));

  BuildResult result;
  // Refuses links anywhere in the build directory before any tool sees it.
  std::size_t files = 0;
  SCI_TRY(walk_build_dir(options.dir, {}, files, [](const stdfs::path&) { return ok_status(); }));
  if (!options.attempts_dir.empty()) {
    // attempts/ usually sits beside latex/ in the idea directory, which the run could write.
    const stdfs::path idea_dir = options.dir.parent_path();
    const bool in_idea_dir = fs::is_within(options.attempts_dir, idea_dir);
    SCI_TRY(fs::check_no_links_beneath(in_idea_dir ? idea_dir : options.attempts_dir.parent_path(),
                                       options.attempts_dir));
    int n = next_attempt_number(options.attempts_dir);
    result.attempt_dir = options.attempts_dir / fmt::format("paper_{}", n);
    SCI_TRY(snapshot_sources(options.dir, result.attempt_dir));
  }

  fs::ScopedTempDir figures("scientist-figures", 0755);
  if (figures.path().empty()) return make_error(ErrorCode::kIo, "cannot create a private temp directory for figures");
  SCI_TRY(stage_figures(options.figures_dir.empty() ? options.dir.parent_path() : options.figures_dir, figures.path(),
                        result.findings));
  ToolContext tools{options, tex_environment({figures.path()}), {figures.path()}, result.commands};

  const std::string stem = stdfs::path(options.main_file).stem().string();
  result.pdf = options.dir / (stem + ".pdf");
  const auto start_file_time = stdfs::file_time_type::clock::now() - std::chrono::seconds(1);
  // One second of slack for filesystems with coarse mtimes. The old PDF is not removed:
  // when this build fails it may still be the only copy of a good paper.
  const auto t0 = std::chrono::steady_clock::now();

  // -norc first: latexmk must not execute a latexmkrc the model's code left beside the paper.
  std::vector<std::string> engine_flags = {"-no-shell-escape", "-interaction=nonstopmode", "-file-line-error"};
  proc::ToolOutcome last;
  if (driver == Driver::kLatexmk) {
    std::vector<std::string> argv = {"latexmk", "-norc", options.engine == TexEngine::kXelatex ? "-xelatex" : "-pdf",
                                     "-g", "-f", "-bibtex", "-no-shell-escape", "-interaction=nonstopmode",
                                     "-file-line-error", options.main_file};
    SCI_ASSIGN_OR_RETURN(last, run_in(tools, argv));
    result.timed_out = last.timed_out;
  } else {
    auto pass = [&]() -> Status {
      std::vector<std::string> argv = {engine};
      argv.insert(argv.end(), engine_flags.begin(), engine_flags.end());
      argv.push_back(options.main_file);
      SCI_ASSIGN_OR_RETURN(last, run_in(tools, argv));
      result.timed_out = result.timed_out || last.timed_out;
      return ok_status();
    };
    SCI_TRY(pass());
    if (!result.timed_out && aux_needs_bibtex(options.dir, stem + ".aux") && proc::find_program("bibtex")) {
      proc::ToolOutcome bib;
      SCI_ASSIGN_OR_RETURN(bib, run_in(tools, {"bibtex", stem}));
      result.timed_out = bib.timed_out;
    }
    if (!result.timed_out) SCI_TRY(pass());
    if (!result.timed_out) SCI_TRY(pass());
  }
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string tail = last.output;
  if (!last.problem.empty()) tail += "\n" + last.problem;
  result.tool_output_tail = sanitize_utf8(str::tail_utf8(tail, 4000));

  auto log_text = fs::read_file_beneath(options.dir, stem + ".log", kMaxLogBytes);
  if (log_text.ok()) {
    ParseOptions po;
    po.overfull_threshold_pt = options.overfull_threshold_pt;
    result.log = parse_log(*log_text, po);
  }
  result.success =
      !result.timed_out && !result.log.fatal && pdf_written_since(options.dir, stem + ".pdf", start_file_time);
  if (result.success) {
    auto pages = pdf_page_count(result.pdf, 60, options.sandbox);
    result.pages = pages.ok() ? *pages : result.log.pages;
  }

  if (!result.attempt_dir.empty()) {
    if (result.success)
      SCI_TRY(fs::copy_file_beneath(options.dir, result.pdf.filename(), result.attempt_dir / result.pdf.filename(),
                                    fs::kMaxPdfBytes));
    if (log_text.ok()) SCI_TRY(fs::write_file_atomic(result.attempt_dir / (stem + ".log"), *log_text));
  }
  return result;
}

Result<int> pdf_page_count(const stdfs::path& pdf, int timeout_s, const proc::ToolSandbox& sandbox) {
  SCI_ASSIGN_OR_RETURN(auto out, run_pdf_tool(pdf, {"pdfinfo"}, {}, timeout_s, sandbox));
  if (out.exit_code != 0)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("pdfinfo failed on {}: {}", pdf.string(), str::tail_utf8(out.output, 300)));
  static const std::regex kPages(R"((^|\n)Pages:\s+(\d+))");
  std::smatch m;
  if (!std::regex_search(out.stdout_text, m, kPages))
    return make_error(ErrorCode::kParse, fmt::format("pdfinfo printed no page count for {}", pdf.string()));
  return std::stoi(m[2].str());
}

Result<std::string> pdf_text(const stdfs::path& pdf, int timeout_s, const proc::ToolSandbox& sandbox) {
  SCI_ASSIGN_OR_RETURN(auto out,
                       run_pdf_tool(pdf, {"pdftotext", "-layout", "-enc", "UTF-8"}, {"-"}, timeout_s, sandbox));
  if (out.exit_code != 0)
    return make_error(ErrorCode::kExternalTool, fmt::format("pdftotext failed on {}", pdf.string()));
  return sanitize_utf8(out.stdout_text);
}

}  // namespace sci::latex
