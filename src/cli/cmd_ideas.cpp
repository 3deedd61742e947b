// `scientist ideas --template DIR [--num-ideas N] [--reflections R] [--model M]` and
// `scientist novelty --template DIR [--engine E] [--rounds K] [--no-literature]`.
// Both continue results/<template>/ideas.json; novelty writes its evidence to
// results/<template>/novelty/<idea>.json.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/literature_setup.h"
#include "cli/signals.h"
#include "http/transport.h"
#include "ideas/ideas.h"
#include "literature/engines.h"
#include "literature/local_library.h"
#include "novelty/novelty.h"
#include "store/database.h"
#include "store/literature_store.h"

namespace sci::cli {
namespace {

namespace stdfs = std::filesystem;

stdfs::path results_dir_for(const Context& ctx, const ideas::TemplateInfo& info) {
  return stdfs::path(ctx.config.get_string("general.results_dir")) / info.name;
}

std::vector<std::string> engine_names(const std::string& spec) {
  std::vector<std::string> out;
  for (const auto& raw : str::split(spec, ',')) {
    std::string name = str::to_lower(str::trim(raw));
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

}  // namespace

int cmd_ideas(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Generate research ideas for a template (continues results/<template>/ideas.json)", "ideas");
  std::string template_dir;
  app.add_option("--template", template_dir, "template directory")->required();
  bind_config_flag(app, ctx, "--num-ideas", "ideas.num_ideas", "generated ideas wanted in the archive");
  bind_config_flag(app, ctx, "--reflections", "ideas.reflections", "self-reflection rounds per idea");
  bind_config_flag(app, ctx, "--model", "llm.model_ideas", "model (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "override the provider's base URL");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto info = ideas::load_template_info(template_dir);
  if (!info.ok()) return report_error(info.error());
  auto& cancel = install_cancel_handlers();
  std::string model;
  auto llm = llm_client_for_role(ctx, "ideas", &model, &cancel);
  if (!llm.ok()) return report_error(llm.error());

  ideas::GenerateOptions options;
  options.num_ideas = static_cast<int>(ctx.config.get_int("ideas.num_ideas"));
  options.reflections = static_cast<int>(ctx.config.get_int("ideas.reflections"));
  options.model = model;
  options.temperature = ctx.config.get_double("llm.temperature");
  options.max_output_tokens = static_cast<int>(ctx.config.get_int("llm.max_output_tokens"));
  options.archive_path = results_dir_for(ctx, *info) / "ideas.json";
  auto report = ideas::generate_ideas(**llm, *info, options, [](const ideas::Idea& idea) {
    std::printf("+ %s: %s (I%d F%d N%d)\n", idea.name.c_str(), idea.title.c_str(), idea.interestingness,
                idea.feasibility, idea.novelty);
    std::fflush(stdout);
  });
  if (!report.ok()) return report_error(report.error());
  for (const auto& d : report->dropped) std::printf("- %s\n", d.c_str());
  std::printf("%zu ideas added, %zu dropped; archive %s holds %zu ideas\n", report->added.size(),
              report->dropped.size(), options.archive_path.c_str(), report->archive.size());
  return kExitOk;
}

int cmd_novelty(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Check the archive's ideas against the literature (novel / not_novel / unknown)", "novelty");
  std::string template_dir;
  bool no_literature = false, recheck = false;
  app.add_option("--template", template_dir, "template directory")->required();
  bind_config_flag(app, ctx, "--engine", "literature.engine", "s2, openalex, arxiv, crossref, local or a cascade a,b");
  bind_config_flag(app, ctx, "--rounds", "novelty.rounds", "search rounds per idea");
  bind_config_flag(app, ctx, "--model", "llm.model_ideas", "model (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "override the LLM provider's base URL");
  app.add_flag("--no-literature", no_literature, "skip the check; ideas stay 'unchecked'");
  app.add_flag("--recheck", recheck, "check ideas that already have a decision again");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto info = ideas::load_template_info(template_dir);
  if (!info.ok()) return report_error(info.error());
  auto results_dir = results_dir_for(ctx, *info);
  auto archive_path = results_dir / "ideas.json";
  auto archive = ideas::load_archive(archive_path);
  if (!archive.ok()) return report_error(archive.error());
  if (archive->empty())
    return report_error(make_error(ErrorCode::kNotFound,
                                   fmt::format("{} has no ideas: run `scientist ideas --template {}` first",
                                               archive_path.string(), template_dir)));
  if (no_literature) {
    std::printf("novelty check skipped (--no-literature): %zu ideas stay UNCHECKED\n", archive->size());
    return kExitOk;
  }

  auto& cancel = install_cancel_handlers();
  std::string model;
  auto llm = llm_client_for_role(ctx, "ideas", &model, &cancel);
  if (!llm.ok()) return report_error(llm.error());

  // The run database caches searches; the library database holds the local index,
  // into which the template's own bibliography is indexed.
  auto run_db = store::Database::open(results_dir / "scientist.db", {5000, {store::literature_migrations()}});
  if (!run_db.ok()) return report_error(run_db.error());
  literature::EngineOptions eo = engine_options_from_config(ctx);
  std::unique_ptr<store::Database> library_db;
  if (eo.engine.find("local") != std::string::npos) {
    auto lib = store::Database::open(library_db_path(ctx), {5000, {store::literature_migrations()}});
    if (!lib.ok()) return report_error(lib.error());
    library_db = std::move(lib).value();
    for (const char* rel : {"latex/literature.bib", "latex/references.bib"}) {
      auto bib = stdfs::path(template_dir) / rel;
      std::error_code ec;
      if (!stdfs::exists(bib, ec)) continue;
      auto n = literature::index_library_file(*library_db, bib);
      if (!n.ok()) return report_error(n.error());
      log::info("novelty: indexed {} papers from {}", *n, bib.string());
    }
  }
  auto transport = http::make_curl_transport();
  eo.transport = transport.get();
  // Remote engines cache in the run database; the local engine reads the library.
  std::vector<std::unique_ptr<literature::LiteratureClient>> engines;
  for (const auto& raw : engine_names(eo.engine)) {
    literature::EngineOptions one = eo;
    one.engine = raw;
    one.db = raw == "local" ? library_db.get() : run_db->get();
    auto c = literature::make_client(one);
    if (!c.ok()) return report_error(c.error());
    engines.push_back(std::move(c).value());
  }
  if (engines.empty()) return report_error(make_error(ErrorCode::kInvalidArgument, "--engine names no engine"));
  std::unique_ptr<literature::LiteratureClient> client =
      engines.size() == 1 ? std::move(engines.front()) : literature::make_cascade(std::move(engines));

  novelty::NoveltyOptions no;
  no.rounds = static_cast<int>(ctx.config.get_int("novelty.rounds"));
  no.model = model;
  no.temperature = ctx.config.get_double("llm.temperature");
  no.max_output_tokens = static_cast<int>(ctx.config.get_int("llm.max_output_tokens"));
  no.task_description = info->task_description;
  int checked = 0;
  for (auto& idea : *archive) {
    if (!recheck && (idea.novelty_status == novelty::kNovel || idea.novelty_status == novelty::kNotNovel)) continue;
    if (cancel.load()) return report_error(make_error(ErrorCode::kCancelled, "interrupted; re-run to continue"));
    novelty::IdeaForCheck check{idea.name, idea.title, ideas::idea_to_json(idea, 2)};
    auto verdict = novelty::check_novelty(**llm, *client, check, no);
    if (!verdict.ok()) return report_error(verdict.error());
    auto rel = stdfs::path("novelty") / (idea.name + ".json");
    if (auto st = fs::write_file_atomic(results_dir / rel, novelty::verdict_to_json(check, *verdict)); !st.ok())
      return report_error(st.error());
    idea.novelty_status = verdict->status;
    idea.novelty_evidence = rel.string();
    if (auto st = ideas::save_archive(archive_path, *archive); !st.ok()) return report_error(st.error());
    ++checked;
    std::printf("%-10s %s  (%zu rounds, %d results; %s)\n", verdict->status.c_str(), idea.name.c_str(),
                verdict->rounds.size(), verdict->total_results, verdict->reason.c_str());
    std::fflush(stdout);
  }
  std::printf("%d ideas checked; evidence in %s\n", checked, (results_dir / "novelty").c_str());
  return kExitOk;
}

}  // namespace sci::cli
