// `scientist latex build DIR [--main FILE] [--json]` and
// `scientist paper check IDEA_DIR [--json] [--tex FILE | --pdf FILE]`: LaTeX builds
// with structured diagnostics, and the numbers integrity check of a paper.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "cli/commands.h"
#include "experiment/prepare.h"
#include "latex/build.h"
#include "latex/log_parser.h"
#include "pipeline/clients.h"
#include "templates/manifest.h"
#include "writeup/integrity.h"
#include "writeup/run_data.h"

namespace sci::cli {

int cmd_latex_build(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Build a LaTeX paper and print its diagnostics (errors with file:line)", "latex build");
  std::string dir, main_file = "template.tex", engine = "pdflatex";
  bool json = false, keep_attempts = false;
  app.add_option("DIR", dir, "directory holding the main .tex file")->required();
  app.add_option("--main", main_file, "main .tex file in DIR");
  app.add_option("--engine", engine, "pdflatex or xelatex")->check(CLI::IsMember({"pdflatex", "xelatex"}));
  app.add_flag("--keep-attempts", keep_attempts, "keep this build as DIR/attempts/paper_N/");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  latex::BuildOptions options;
  options.dir = std::filesystem::absolute(dir);
  options.main_file = main_file;
  options.timeout_s = static_cast<int>(ctx.config.get_int("writeup.latex_timeout_s"));
  options.engine = engine == "xelatex" ? latex::TexEngine::kXelatex : latex::TexEngine::kPdflatex;
  if (keep_attempts) options.attempts_dir = options.dir / "attempts";
  auto tools = pipeline::tool_sandbox_from_config(ctx.config, false);
  if (!tools.ok()) return report_error(tools.error());
  options.sandbox = *tools;
  auto result = latex::build_paper(options);
  if (!result.ok()) return report_error(result.error());
  const auto& r = *result;

  if (json) {
    nlohmann::json out = {{"success", r.success}, {"timed_out", r.timed_out}, {"pages", r.pages},
                          {"pdf", r.success ? r.pdf.string() : ""},     {"wall_s", r.wall_s},
                          {"commands", r.commands},                     {"fatal", r.log.fatal},
                          {"diagnostics", nlohmann::json::array()}};
    for (const auto& d : r.log.diagnostics)
      out["diagnostics"].push_back({{"kind", latex::diagnostic_kind_name(d.kind)},
                                    {"file", d.file},
                                    {"line", d.line},
                                    {"message", d.message},
                                    {"context", d.context},
                                    {"key", d.key},
                                    {"overfull_pt", d.overfull_pt}});
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const auto& d : r.log.diagnostics) std::printf("%s\n", latex::format_diagnostic(d).c_str());
    if (r.success)
      std::printf("built %s (%d page%s, %.1f s)\n", r.pdf.string().c_str(), r.pages, r.pages == 1 ? "" : "s", r.wall_s);
    else
      std::printf("build failed%s: %d error(s), %d missing file(s)\n", r.timed_out ? " (timed out)" : "",
                  r.log.count(latex::DiagnosticKind::kError), r.log.count(latex::DiagnosticKind::kMissingFile));
  }
  return r.success && r.log.blocking_count() == 0 ? kExitOk : kExitFailure;
}

int cmd_paper_check(Context& /*ctx*/, std::vector<std::string> args) {
  CLI::App app("Check every number in a paper against the runs that produced it", "paper check");
  std::string idea_dir, tex, pdf, out_path;
  bool json = false;
  app.add_option("IDEA_DIR", idea_dir, "idea (or results) directory holding run_i/final_info.json")->required();
  app.add_option("--tex", tex, "the paper's .tex (default IDEA_DIR/latex/template.tex)");
  app.add_option("--pdf", pdf, "check this PDF's text instead (e.g. a paper from another system)");
  app.add_option("--out", out_path, "also write the report here (e.g. IDEA_DIR/integrity.json)");
  app.add_flag("--json", json, "print the report as JSON");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  // template.toml in the idea directory (a copy of the template) gives metric directions.
  const templates::Manifest* manifest_ptr = nullptr;
  auto manifest = experiment::load_idea_manifest(idea_dir);
  if (manifest.ok()) manifest_ptr = &*manifest;
  auto data = writeup::load_idea_data(idea_dir, manifest_ptr);
  if (!data.ok()) return report_error(data.error());
  for (const auto& w : data->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  writeup::PaperPaths paths;
  paths.tex = tex;
  paths.pdf = pdf;
  auto report = writeup::check_idea_paper(idea_dir, *data, paths);
  if (!report.ok()) return report_error(report.error());
  if (!out_path.empty()) {
    if (auto st = fs::write_file_atomic(out_path, report->to_json()); !st.ok()) return report_error(st.error());
  }
  if (json) {
    std::printf("%s", report->to_json().c_str());
  } else {
    std::printf("%s", report->to_feedback().c_str());
    std::printf("%d number(s): %d supported, %d exempt, %zu unsupported; %d problem(s) in all\n",
                report->numbers_checked, report->numbers_supported, report->numbers_exempt,
                report->unsupported.size(), report->problem_count());
  }
  for (const auto& limit : report->limits) std::fprintf(stderr, "scientist: note: %s\n", limit.c_str());
  return report->problem_count() == 0 ? kExitOk : kExitFailure;
}

}  // namespace sci::cli
