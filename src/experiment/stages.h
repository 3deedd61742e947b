// The experiment, plot and notes stages as the pipeline and the CLI call them: one
// function per stage taking the idea directory, manifest, agent, executors, config and
// an event callback; each returns a StageOutcome and writes <stage>_result.json (runs,
// attempts, environments) to the idea directory so nothing is lost whatever happens next.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "experiment/agent.h"
#include "experiment/experiment_stage.h"
#include "experiment/notes_stage.h"
#include "experiment/plot_stage.h"
#include "experiment/run_executor.h"
#include "experiment/script_runner.h"
#include "experiment/stage_event.h"
#include "templates/manifest.h"

namespace sci::experiment {

// Stage defaults from config keys experiment.* (max_runs, attempts_per_run,
// run_timeout_s, plot_timeout_s, plot_attempts, stderr_tail_chars). A run timeout of
// 0 in config means "the manifest's". Values below 1 are raised to 1.
struct StageSettings {
  ExperimentOptions experiment;
  PlotOptions plot;
  NotesOptions notes;
};
StageSettings settings_from_config(const config::Config& config);

struct StageContext {
  std::filesystem::path idea_dir;           // absolute, prepared by `idea prepare`
  const templates::Manifest* manifest = nullptr;
  EditAgent* agent = nullptr;
  RunExecutor* executor = nullptr;          // experiment stage
  ScriptRunner* script_runner = nullptr;    // plot stage
  StageSettings settings;                   // usually settings_from_config
  std::vector<std::string> gpus;            // assigned to this idea's runs
  std::vector<int> cpu_ids;                 // its runs and plot.py are pinned to these; empty = not pinned
  EventCallback on_event;
  const std::atomic<bool>* cancel = nullptr;
};

struct StageOutcome {
  StageStatus status = StageStatus::kFailed;
  std::string message;       // one line for people
  double cost_usd = 0;
  double wall_s = 0;
  std::string details_json;  // the stage's to_json(...)
  std::filesystem::path details_path;  // <idea>/<stage>_result.json
};

// Each stage: errors are what must stop the batch (kBudgetExceeded, kCancelled, kAuth)
// or prevent the stage from starting (kNotFound: missing idea.json, run_0, plot.py;
// kInvalidArgument: context incomplete). The details file is written first in either case.
// Experiment: resumes after the successful run_1..run_k already on disk.
Result<StageOutcome> run_experiment_stage(const StageContext& ctx);
// Plot: a failed plot is StageStatus::kFailed in the outcome, never an error; the
// pipeline records it and carries on with the writeup.
Result<StageOutcome> run_plot_stage(const StageContext& ctx);
// Notes: describes the figures listed in plot_result.json (or every PNG when absent).
Result<StageOutcome> run_notes_stage(const StageContext& ctx);

// Successful runs already on disk: the largest k with run_1..run_k/final_info.json.
int completed_runs_on_disk(const std::filesystem::path& idea_dir);

}  // namespace sci::experiment
