// `scientist writeup IDEA_DIR [--model M] [--cite-rounds C] [--engine E] [--no-pdf]
// [--no-literature] [--replay CASSETTE]`: the writeup stage on one idea directory with
// runs: the paper written section by section by the coder, citations from the
// literature engine, the integrity check, chktex and the LaTeX build.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/literature_setup.h"
#include "cli/signals.h"
#include "coder/coder.h"
#include "experiment/prepare.h"
#include "http/transport.h"
#include "literature/local_library.h"
#include "pipeline/clients.h"
#include "store/database.h"
#include "store/literature_store.h"
#include "templates/manifest.h"
#include "writeup/writeup.h"

namespace sci::cli {

int cmd_writeup(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Write, check and build the paper of an idea directory with runs", "writeup");
  std::string idea_dir_arg;
  bool no_pdf = false, no_literature = false;
  app.add_option("idea_dir", idea_dir_arg, "the idea directory (run_i/, notes.txt, latex/template.tex)")->required();
  bind_config_flag(app, ctx, "--model", "llm.model_writer", "model for the paper (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "provider base URL (e.g. http://localhost:8080/v1)");
  bind_config_flag(app, ctx, "--cite-rounds", "writeup.cite_rounds", "citation search rounds");
  bind_config_flag(app, ctx, "--engine", "literature.engine", "literature engine (s2, openalex, arxiv, crossref, local)");
  bind_config_flag(app, ctx, "--replay", "llm.replay", "answer every LLM call from this cassette (offline)");
  app.add_flag("--no-pdf", no_pdf, "leave the paper as checked .tex (no pdflatex needed)");
  app.add_flag("--no-literature", no_literature, "cite only the template's bibliography");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  std::error_code ec;
  const std::filesystem::path idea_dir = std::filesystem::absolute(idea_dir_arg, ec);
  if (!std::filesystem::is_directory(idea_dir / "latex", ec))
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   fmt::format("{}: not an idea directory (latex/ missing); prepare one with "
                                               "`scientist idea prepare` or run `scientist run`",
                                               idea_dir_arg)));
  auto manifest = experiment::load_idea_manifest(idea_dir);
  if (!manifest.ok()) return report_error(manifest.error());
  std::atomic<bool>& cancel = install_cancel_handlers();

  std::string writer_model, citation_model;
  auto writer = llm_client_for_role(ctx, "writer", &writer_model, &cancel);
  if (!writer.ok()) return report_error(writer.error());
  auto citations = llm_client_for_role(ctx, "citations", &citation_model, &cancel);
  if (!citations.ok()) return report_error(citations.error());

  // Citations come from the configured engine over the shared library database.
  std::unique_ptr<store::Database> library;
  std::unique_ptr<http::HttpTransport> transport = http::make_curl_transport();
  std::unique_ptr<literature::LiteratureClient> literature;
  if (!no_literature) {
    auto db = store::Database::open(library_db_path(ctx), {5000, {store::literature_migrations()}});
    if (!db.ok()) return report_error(db.error());
    library = std::move(db).value();
    literature::EngineOptions options = engine_options_from_config(ctx);
    options.db = library.get();
    options.transport = transport.get();
    if (options.engine.find("local") != std::string::npos && !manifest->literature_bib.empty()) {
      auto indexed = literature::index_library_file(*library, idea_dir / manifest->literature_bib);
      if (!indexed.ok()) return report_error(indexed.error());
    }
    auto client = literature::make_client(options);
    if (!client.ok()) return report_error(client.error());
    literature = std::move(client).value();
  }

  coder::CoderOptions coder_options;
  // Calls are tagged with the idea's name (idea.json), as in a batch, so cassettes match.
  auto idea = experiment::load_idea_dir(idea_dir);
  coder_options.tag = llm::CallTag{idea.ok() ? idea->name : idea_dir.filename().string(), "writeup", "writer", 0};
  auto coder = coder::Coder::create(**writer, idea_dir, {"latex/template.tex"}, coder_options);
  if (!coder.ok()) return report_error(coder.error());
  writeup::CoderPaperEditor editor(*coder);

  writeup::WriteupContext wctx;
  wctx.idea_dir = idea_dir;
  wctx.idea_name = coder_options.tag.idea;  // the PDF is <idea name>.pdf, as in a batch
  wctx.manifest = &*manifest;
  wctx.editor = &editor;
  wctx.llm = citations->get();
  wctx.literature = literature.get();
  wctx.tag = coder_options.tag;
  wctx.options = pipeline::writeup_options_from_config(ctx.config);
  wctx.options.pdf = no_pdf ? writeup::PdfMode::kSkip : writeup::PdfMode::kBuild;
  wctx.options.literature = literature ? writeup::LiteratureMode::kSearch : writeup::LiteratureMode::kTemplateOnly;
  wctx.on_event = [](const writeup::WriteupEvent& e) {
    std::fprintf(stderr, "writeup: %s: %s\n", e.phase.c_str(), e.message.c_str());
  };
  wctx.cancel = &cancel;
  auto outcome = writeup::run_writeup(wctx);
  if (!outcome.ok()) return report_error(outcome.error());

  std::printf("paper: %s\n", outcome->pdf_built ? outcome->pdf.string().c_str() : outcome->tex.string().c_str());
  std::printf("pages: %d; references cited: %d (%d found by search); unsupported numbers: %zu; cost: $%.4f\n",
              outcome->pages, outcome->references, outcome->references_found, outcome->integrity.unsupported.size(),
              outcome->cost_usd);
  for (const auto& p : outcome->remaining_problems) std::printf("remaining: %s\n", p.c_str());
  std::printf("details: %s\n", (idea_dir / "writeup.json").string().c_str());
  if (cancel) return kExitInterrupted;
  if (!no_pdf && !outcome->pdf_built) return kExitFailure;
  return kExitOk;
}

}  // namespace sci::cli
