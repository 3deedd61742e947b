// `scientist run --template DIR ...` and `scientist resume DIR`: start or continue a
// batch (ideas -> novelty -> experiment, plot, notes -> writeup -> review) with the
// pre-flight checks, the run record, the live view and the exit-code contract.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/environment.h"
#include "base/fs.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "cli/terminal_view.h"
#include "pipeline/doctor.h"
#include "pipeline/module_stage_driver.h"
#include "pipeline/orchestrator.h"
#include "pipeline/run_record.h"
#include "proc/ownership.h"

namespace sci::cli {
namespace {

// Flags shared by run and resume: they map onto configuration keys.
void bind_run_config_flags(CLI::App& app, Context& ctx) {
  bind_config_flag(app, ctx, "--model", "llm.model", "model for every role (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--model-ideas", "llm.model_ideas", "model for idea generation");
  bind_config_flag(app, ctx, "--model-coder", "llm.model_coder", "model for code edits");
  bind_config_flag(app, ctx, "--model-writer", "llm.model_writer", "model for the paper");
  bind_config_flag(app, ctx, "--model-reviewer", "llm.model_reviewer", "model for reviews");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "provider base URL (e.g. http://localhost:8080/v1)");
  bind_config_flag(app, ctx, "--parallel", "exec.parallel", "ideas in flight at once");
  bind_config_flag(app, ctx, "--gpus", "exec.gpus", "comma-separated GPU ids");
  bind_config_flag(app, ctx, "--budget-usd", "budget.usd", "hard cap on total LLM spend");
  bind_config_flag(app, ctx, "--budget-usd-per-idea", "budget.usd_per_idea", "hard cap per idea");
  bind_config_flag(app, ctx, "--max-wall-h", "budget.max_wall_h", "stop cleanly after this many hours");
  bind_config_flag(app, ctx, "--engine", "literature.engine", "literature engine: s2, openalex, local, ...");
  bind_config_flag(app, ctx, "--sandbox", "sandbox.level", "auto, strict, degraded or none");
  bind_config_flag(app, ctx, "--record", "llm.record", "append every LLM call to this cassette");
}

Status check_stage_name(const std::string& name, const char* flag) {
  if (name.empty() || pipeline::parse_stage(name)) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} '{}' is not a stage: use experiment, plot, notes, writeup, review or improve", flag,
                                name));
}

pipeline::BatchOptions batch_options(const pipeline::RunRequest& r, const config::Config& config) {
  pipeline::BatchOptions o;
  o.results_dir = r.batch_dir;
  o.num_ideas = r.num_ideas;
  o.parallel = static_cast<int>(std::max<std::int64_t>(1, config.get_int("exec.parallel")));
  o.unknown = r.run_unknown ? pipeline::UnknownPolicy::kRun : pipeline::UnknownPolicy::kSkip;
  o.improve = r.improve ? pipeline::ImprovePolicy::kOn : pipeline::ImprovePolicy::kOff;
  o.open_ended = r.open_ended;
  if (!r.stop_after.empty()) o.stop_after = pipeline::parse_stage(r.stop_after);
  if (!r.from_stage.empty()) o.from_stage = pipeline::parse_stage(r.from_stage);
  if (!r.pause_at.empty()) {
    if (auto stage = pipeline::pause_checkpoint_stage(r.pause_at); stage.ok()) o.pause_before = *stage;
  }
  o.max_wall_h = config.get_double("budget.max_wall_h");
  return o;
}

int exit_code_for(pipeline::BatchStatus s) {
  switch (s) {
    case pipeline::BatchStatus::kAllDone:
    case pipeline::BatchStatus::kStoppedAfter: return kExitOk;
    case pipeline::BatchStatus::kSomeFailed:
    case pipeline::BatchStatus::kBudgetStopped:
    case pipeline::BatchStatus::kDiskFull: return kExitPartial;
    case pipeline::BatchStatus::kNoneDone: return kExitFailure;
    case pipeline::BatchStatus::kInterrupted: return kExitInterrupted;
  }
  return kExitFailure;
}

void print_summary(const pipeline::BatchSummary& s, const pipeline::RunRequest& r) {
  std::printf("\n%-28s %-10s %-10s %-9s %9s %8s  %s\n", "idea", "novelty", "stage", "outcome", "cost", "overall",
              "paper");
  for (const auto& i : s.ideas) {
    std::string overall = i.review_overall >= 0 ? fmt::format("{:.1f}", i.review_overall) : "-";
    std::printf("%-28.28s %-10s %-10s %-9s %9s %8s  %s\n", i.name.c_str(), i.novelty.c_str(), i.stage.c_str(),
                i.outcome.c_str(), fmt::format("${:.4f}", i.cost_usd).c_str(), overall.c_str(), i.paper.c_str());
  }
  std::printf("\n%s: %s; cost $%.4f; wall %.1f s\nresults: %s\n", pipeline::batch_status_name(s.status),
              s.message.c_str(), s.cost_usd, s.wall_s, r.batch_dir.string().c_str());
  if (s.status == pipeline::BatchStatus::kInterrupted || s.status == pipeline::BatchStatus::kBudgetStopped ||
      s.status == pipeline::BatchStatus::kStoppedAfter || s.status == pipeline::BatchStatus::kDiskFull)
    std::printf("continue with: scientist resume %s\n", r.batch_dir.string().c_str());
}

// A scientist killed during a run leaves the idea directory owned by the run's sandbox
// uid. As root, everything in the batch owned by a uid of the pool (sandbox.uid_base +
// 0..63) goes back to the batch directory's owner, links themselves, never their targets.
void restore_batch_ownership(const std::filesystem::path& batch, const config::Config& config) {
  struct stat owner {};
  if (::geteuid() != 0 || ::lstat(batch.c_str(), &owner) != 0 || !S_ISDIR(owner.st_mode)) return;
  const auto base = static_cast<uid_t>(config.get_int("sandbox.uid_base"));
  auto fixed = proc::restore_ownership(batch, owner.st_uid, owner.st_gid, proc::UidRange{base, base + 63});
  if (!fixed.ok()) {
    log::warn("cannot restore ownership in {}: {}", batch.string(), fixed.error().message);
  } else if (*fixed > 0) {
    log::info("restored the owner of {} entries left owned by a sandbox uid in {}", *fixed, batch.string());
    std::printf("restored the owner (uid %u) of %zu entries a killed run left to a sandbox uid\n",
                static_cast<unsigned>(owner.st_uid), *fixed);
  }
}

// Pre-flight, driver, orchestrator, summary: shared by run and resume.
int execute_batch(Context& ctx, const pipeline::RunRequest& request) {
  pipeline::DoctorOptions doctor;
  doctor.template_dir = request.template_dir;
  doctor.results_dir = request.batch_dir.parent_path();
  doctor.pdf = request.no_pdf ? pipeline::PdfMode::kSkipped : pipeline::PdfMode::kRequired;
  doctor.environment = env::snapshot();
  doctor.sandbox_level = ctx.config.get_string("sandbox.level");
  doctor.llm_endpoints = pipeline::llm_endpoints(ctx.config);
  auto report = pipeline::run_doctor(doctor);
  if (!report.can_run) {
    std::fprintf(stderr, "scientist: pre-flight checks failed; nothing was spent:\n");
    for (const auto& c : report.checks)
      if (c.status == pipeline::CheckStatus::kFail)
        std::fprintf(stderr, "  FAIL %s: %s\n       fix: %s\n", c.name.c_str(), c.detail.c_str(), c.fix.c_str());
    std::fprintf(stderr, "then continue with: scientist resume %s\n", request.batch_dir.string().c_str());
    return kExitFailure;
  }

  pipeline::JsonlEventSink jsonl(request.batch_dir / "events.jsonl");
  TerminalView view(stdout, TerminalView::detect(stdout));
  pipeline::FanoutEventSink events;
  events.add(&jsonl);
  events.add(&view);

  auto& cancel = install_cancel_handlers();
  auto driver = pipeline::make_module_stage_driver(request, ctx.config, events, &cancel);
  if (!driver.ok()) return report_error(driver.error());
  std::printf("scientist %s: template %s -> %s\nLLM: %s\n%s\n", "run", request.template_dir.string().c_str(),
              request.batch_dir.string().c_str(), (*driver)->llm_description().c_str(),
              (*driver)->estimate(request.num_ideas).c_str());
  std::fflush(stdout);

  pipeline::Orchestrator orchestrator(**driver, events, batch_options(request, ctx.config));
  auto summary = orchestrator.run(cancel);
  if (!summary.ok()) return report_error(summary.error());
  print_summary(*summary, request);
  return exit_code_for(summary->status);
}

}  // namespace

int cmd_run(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Run research on a template: ideas, experiments, paper, review", "run");
  pipeline::RunRequest r;
  std::string template_dir, results, ideas_file, replay;
  int num_ideas = 2;
  app.add_option("--template", template_dir, "template directory (experiment.py, plot.py, latex/...)")->required();
  app.add_option("--num-ideas", num_ideas, "ideas to generate")->check(CLI::Range(1, 1000));
  app.add_option("--results", results, "batch directory (default: <general.results_dir>/<template name>)");
  app.add_option("--ideas", ideas_file, "use the ideas in this JSON file instead of generating them");
  app.add_option("--replay", replay, "answer every LLM call from this cassette (offline, no cost)");
  app.add_option("--stop-after", r.stop_after, "end cleanly after this stage (resumable)");
  app.add_option("--from-stage", r.from_stage, "restart every selected idea from this stage");
  app.add_option("--pause-at", r.pause_at, "stop at a human checkpoint: idea, plan or draft")
      ->check(CLI::IsMember({"idea", "plan", "draft"}));
  app.add_flag("--run-unknown", r.run_unknown, "also research ideas whose novelty check was inconclusive");
  app.add_flag("--improve", r.improve, "one improvement round after the review");
  app.add_flag("--no-pdf", r.no_pdf, "leave papers as checked .tex (no pdflatex needed)");
  app.add_flag("--no-literature", r.no_literature, "skip novelty checks and citation search");
  app.add_flag("--unsafe-no-sandbox", r.unsafe_no_sandbox, "allow --sandbox none (LLM-written code runs unconfined)");
  app.add_flag("--open-ended", r.open_ended, "generate ideas one at a time, seeing earlier review scores");
  bind_run_config_flags(app, ctx);
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  for (auto [name, flag] : {std::pair{r.stop_after, "--stop-after"}, std::pair{r.from_stage, "--from-stage"}})
    if (auto st = check_stage_name(name, flag); !st.ok()) return report_error(st.error());
  std::error_code ec;
  r.template_dir = std::filesystem::absolute(template_dir, ec).lexically_normal();
  if (!std::filesystem::is_directory(r.template_dir, ec) ||
      !std::filesystem::exists(r.template_dir / "experiment.py", ec))
    return report_error(make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("--template {}: not a template directory (experiment.py missing); the shipped ones are in templates/",
                    template_dir)));
  std::string name = r.template_dir.filename().string();
  r.batch_dir = std::filesystem::absolute(
      results.empty() ? std::filesystem::path(ctx.config.get_string("general.results_dir")) / name
                      : std::filesystem::path(results));
  r.num_ideas = num_ideas;
  if (!ideas_file.empty()) r.ideas_file = std::filesystem::absolute(ideas_file);
  if (!replay.empty()) r.replay = std::filesystem::absolute(replay);
  if (std::filesystem::exists(r.batch_dir / "run_config.json", ec))
    return report_error(make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("{} already holds a batch: continue it with `scientist resume {}` or pass --results NEW_DIR",
                    r.batch_dir.string(), r.batch_dir.string())));
  if (auto st = pipeline::write_run_record(r, ctx.config); !st.ok()) return report_error(st.error());
  log::set_file(r.batch_dir / "scientist.log");
  return execute_batch(ctx, r);
}

int cmd_resume(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Continue a batch after a crash, Ctrl-C, a budget stop or --stop-after", "resume");
  std::string dir, stop_after, from_stage;
  app.add_option("dir", dir, "the batch directory (or one idea directory in it)")->required();
  app.add_option("--stop-after", stop_after, "end cleanly after this stage (resumable)");
  app.add_option("--from-stage", from_stage, "restart every selected idea from this stage");
  bind_run_config_flags(app, ctx);
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  std::error_code ec;
  std::filesystem::path batch = std::filesystem::absolute(dir, ec).lexically_normal();
  if (!std::filesystem::exists(batch / "run_config.json", ec) && std::filesystem::exists(batch / "state.json", ec))
    batch = batch.parent_path();  // an idea directory: its batch is the parent
  // Before anything reads or writes the ideas: only a batch (it has its record) is touched.
  const auto uid_base = ctx.config.get_int("sandbox.uid_base");
  if (std::filesystem::exists(batch / "run_config.json", ec)) restore_batch_ownership(batch, ctx.config);
  auto record = pipeline::read_run_record(batch);
  if (!record.ok()) return report_error(record.error());
  if (auto st = pipeline::apply_saved_settings(*record, ctx.config); !st.ok()) return report_error(st.error());
  if (ctx.config.get_int("sandbox.uid_base") != uid_base) restore_batch_ownership(batch, ctx.config);
  pipeline::RunRequest r = record->request;
  r.batch_dir = batch;  // the directory may have moved since
  // --stop-after, --from-stage and --pause-at act once: resuming means continuing.
  r.stop_after = stop_after;
  r.from_stage = from_stage;
  r.pause_at.clear();
  for (auto [name, flag] : {std::pair{r.stop_after, "--stop-after"}, std::pair{r.from_stage, "--from-stage"}})
    if (auto st = check_stage_name(name, flag); !st.ok()) return report_error(st.error());
  auto hash = pipeline::template_hash(r.template_dir);
  if (!hash.ok()) return report_error(hash.error());
  if (*hash != record->template_hash)
    log::warn("template {} changed since the batch started; new ideas use the current files", r.template_dir.string());
  log::set_file(r.batch_dir / "scientist.log");
  return execute_batch(ctx, r);
}

}  // namespace sci::cli
