// Stage entry points; see stages.h. They load the idea's inputs, call the loops, write
// the details file atomically and decide which errors stop the batch.
#include "experiment/stages.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "experiment/prepare.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

StageSettings settings_from_config(const config::Config& config) {
  StageSettings s;
  auto at_least_one = [](std::int64_t v) { return static_cast<int>(std::max<std::int64_t>(1, v)); };
  s.experiment.max_runs = at_least_one(config.get_int("experiment.max_runs"));
  s.experiment.attempts_per_run = at_least_one(config.get_int("experiment.attempts_per_run"));
  // A timeout left at its default defers to the template's manifest (template.toml).
  auto timeout = [&](const std::string& key) {
    if (config.source_of(key) == config::Source::kDefault) return 0;
    return static_cast<int>(std::max<std::int64_t>(0, config.get_int(key)));
  };
  s.experiment.run_timeout_s = timeout("experiment.run_timeout_s");
  s.experiment.stderr_tail_chars = static_cast<size_t>(at_least_one(config.get_int("experiment.stderr_tail_chars")));
  s.plot.attempts = at_least_one(config.get_int("experiment.plot_attempts"));
  s.plot.timeout_s = timeout("experiment.plot_timeout_s");
  s.plot.stderr_tail_chars = s.experiment.stderr_tail_chars;
  return s;
}

int completed_runs_on_disk(const stdfs::path& idea_dir) {
  int k = 0;
  std::error_code ec;
  while (stdfs::exists(idea_dir / fmt::format("run_{}", k + 1) / "final_info.json", ec)) ++k;
  return k;
}

namespace {

bool stops_batch(ErrorCode code) {
  return code == ErrorCode::kBudgetExceeded || code == ErrorCode::kCancelled || code == ErrorCode::kAuth;
}

Status check_context(const StageContext& ctx, bool need_executor, bool need_script_runner) {
  if (ctx.idea_dir.empty() || !ctx.manifest || !ctx.agent)
    return make_error(ErrorCode::kInvalidArgument, "stage context needs an idea directory, a manifest and an agent");
  if (need_executor && !ctx.executor) return make_error(ErrorCode::kInvalidArgument, "experiment stage needs a run executor");
  if (need_script_runner && !ctx.script_runner)
    return make_error(ErrorCode::kInvalidArgument, "plot stage needs a script runner");
  return ok_status();
}

// Writes the details file, then turns a batch-stopping error into an error result.
Result<StageOutcome> finish(const StageContext& ctx, const std::string& stage, StageStatus status, std::string summary,
                            double cost_usd, double wall_s, std::string details, const std::optional<Error>& error) {
  StageOutcome out;
  out.status = status;
  out.message = std::move(summary);
  out.cost_usd = cost_usd;
  out.wall_s = wall_s;
  out.details_json = std::move(details);
  out.details_path = ctx.idea_dir / (stage + "_result.json");
  SCI_TRY(fs::write_file_atomic(out.details_path, out.details_json + "\n"));
  if (error && stops_batch(error->code)) return error->with_context(stage + " stage");
  return out;
}

}  // namespace

Result<StageOutcome> run_experiment_stage(const StageContext& ctx) {
  SCI_TRY(check_context(ctx, true, false));
  ExperimentInputs in;
  in.idea_dir = ctx.idea_dir;
  in.manifest = *ctx.manifest;
  SCI_ASSIGN_OR_RETURN(in.idea, load_idea_dir(ctx.idea_dir));
  SCI_ASSIGN_OR_RETURN(in.baseline, templates::load_final_info(ctx.idea_dir / "run_0" / "final_info.json"));
  ExperimentOptions opt = ctx.settings.experiment;
  opt.gpus = ctx.gpus;
  opt.cpu_ids = ctx.cpu_ids;
  opt.cancel = ctx.cancel;
  opt.on_event = ctx.on_event;
  int done = completed_runs_on_disk(ctx.idea_dir);
  if (done >= opt.max_runs) {
    std::string msg = fmt::format("completed: {} successful run(s) already on disk", done);
    return finish(ctx, "experiment", StageStatus::kCompleted, msg, 0, 0,
                  json::dump(json::Json{{"status", "completed"}, {"summary", msg}, {"successful_runs", done}}, 2),
                  std::nullopt);
  }
  opt.first_run = done + 1;
  if (done > 0) log::info("experiment: resuming after {} successful run(s) on disk", done);
  SCI_ASSIGN_OR_RETURN(ExperimentResult r, run_experiments(in, *ctx.agent, *ctx.executor, opt));
  if (done > 0) {
    // Runs finished by an earlier process count for the outcome.
    r.successful_runs += done;
    if (r.status == StageStatus::kFailed) r.status = StageStatus::kPartial;
    r.summary = fmt::format("{}: {} successful run(s), {} from an earlier session (this session: {})",
                            stage_status_name(r.status), r.successful_runs, done, r.summary);
  }
  return finish(ctx, "experiment", r.status, r.summary, r.cost_usd, r.wall_s, to_json(r), r.error);
}

Result<StageOutcome> run_plot_stage(const StageContext& ctx) {
  SCI_TRY(check_context(ctx, false, true));
  PlotInputs in{ctx.idea_dir, *ctx.manifest};
  PlotOptions opt = ctx.settings.plot;
  opt.cpu_ids = ctx.cpu_ids;
  opt.cancel = ctx.cancel;
  opt.on_event = ctx.on_event;
  SCI_ASSIGN_OR_RETURN(PlotResult r, run_plot(in, *ctx.agent, *ctx.script_runner, opt));
  return finish(ctx, "plot", r.status, r.summary, r.cost_usd, r.wall_s, to_json(r), r.error);
}

Result<StageOutcome> run_notes_stage(const StageContext& ctx) {
  SCI_TRY(check_context(ctx, false, false));
  std::vector<std::string> figures;
  if (auto plot = json::parse_file((ctx.idea_dir / "plot_result.json").string()); plot.ok()) {
    if (plot->contains("figures") && (*plot)["figures"].is_array())
      for (const auto& f : (*plot)["figures"])
        if (f.is_string()) figures.push_back(f.get<std::string>());
  }
  NotesOptions opt = ctx.settings.notes;
  opt.cancel = ctx.cancel;
  opt.on_event = ctx.on_event;
  SCI_ASSIGN_OR_RETURN(NotesResult r, run_notes(ctx.idea_dir, figures, *ctx.agent, opt));
  return finish(ctx, "notes", r.status, r.summary, r.cost_usd, r.wall_s, to_json(r), r.error);
}

}  // namespace sci::experiment
