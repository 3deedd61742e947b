// The experiment stage: the model plans up to R runs, edits experiment.py, each run is
// executed in the sandbox, results or errors go back, with the guards the original
// lacked (unchanged code, early ALL_COMPLETED, repeated errors, results of the last run,
// partial outcomes). Returns a result the pipeline persists; never touches the store.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "experiment/agent.h"
#include "experiment/idea.h"
#include "experiment/run_executor.h"
#include "experiment/stage_event.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::experiment {

struct ExperimentOptions {
  int max_runs = 5;            // experiment.max_runs
  int attempts_per_run = 4;    // experiment.attempts_per_run (turns per run, incl. unchanged-code turns)
  int run_timeout_s = 0;       // experiment.run_timeout_s; 0 = the manifest's
  size_t stderr_tail_chars = 1500;  // experiment.stderr_tail_chars
  int first_run = 1;           // resume: runs 1..first_run-1 already succeeded
  // Resume after a crash mid-run: experiment.py holds the interrupted run's code (its
  // reply was already paid for), so run `first_run` executes before the model is asked.
  bool execute_first = false;
  std::vector<std::string> gpus;
  std::vector<int> cpu_ids;    // CPUs the runs are pinned to; empty = not pinned
  const std::atomic<bool>* cancel = nullptr;
  EventCallback on_event;      // progress events (turns, runs); may be empty
};

enum class StageStatus {
  kCompleted,  // every planned run done (or the model finished after >= 1 success)
  kPartial,    // >= 1 successful run, then a run exhausted its attempts or an error stopped the stage
  kFailed,     // no successful run
};
const char* stage_status_name(StageStatus s);  // "completed", "partial", "failed"

enum class AttemptKind {
  kExecuted,       // the run command ran; see status
  kUnchangedCode,  // the model's turn left the experiment code unchanged: not run
};

struct AttemptRecord {
  int attempt = 1;  // 1-based within the run
  AttemptKind kind = AttemptKind::kExecuted;
  RunStatus status = RunStatus::kFailed;  // kExecuted only
  int exit_code = 0;
  std::string message;          // one line for people
  std::string error_signature;  // describe() of the loop-guard signature, failures only
  std::string code_sha256;      // experiment code hash the attempt ran with
  std::filesystem::path run_dir;
  std::string sandbox_level;
  double wall_s = 0;
};

enum class RunOutcome {
  kSucceeded,
  kAttemptsExhausted,  // every attempt failed
  kLoopGuard,          // the same error signature came back a third time
  kStopped,            // an LLM error or cancellation ended the stage during this run
};
const char* run_outcome_name(RunOutcome o);

struct RunRecord {
  int index = 1;  // run_<index>
  RunOutcome outcome = RunOutcome::kAttemptsExhausted;
  std::vector<AttemptRecord> attempts;
  templates::FinalInfo results;       // kSucceeded
  std::filesystem::path run_dir;      // run_<i>/ on success
  std::filesystem::path environment;  // run_<i>/environment.json when the executor wrote it
  std::string sandbox_level;
  double wall_s = 0;                  // summed over executed attempts
};

struct ExperimentResult {
  StageStatus status = StageStatus::kFailed;
  std::vector<RunRecord> runs;     // in order; successful ones first-to-last, at most one failed last
  int successful_runs = 0;
  bool finished_by_model = false;  // the model said ALL_COMPLETED
  bool early_completion_refused = false;
  bool last_results_shown = false; // the final successful run's results went back to the model
  int turns = 0;                   // coder instructions sent
  double cost_usd = 0;
  double wall_s = 0;
  std::optional<Error> error;      // what stopped the stage early (LLM error, cancellation)
  std::string summary;             // one line for people
};

struct ExperimentInputs {
  std::filesystem::path idea_dir;
  Idea idea;
  templates::Manifest manifest;
  templates::FinalInfo baseline;  // run_0/final_info.json
};

// Runs the stage. Returns an error only when it cannot start (no experiment.py in the
// idea directory: kNotFound); every later problem, including LLM errors and failed
// runs, is recorded in the result so finished runs are never lost.
Result<ExperimentResult> run_experiments(const ExperimentInputs& inputs, EditAgent& agent, RunExecutor& executor,
                                         const ExperimentOptions& options, time::Clock& clock = time::system_clock());

// Hash of the experiment code the runs execute: experiment.py plus every other *.py in
// the idea directory's top level except plot.py and the run_<i>.py snapshots.
std::string experiment_code_hash(const std::filesystem::path& idea_dir);

// The results block shown to the model: per dataset, each metric's mean (± stderr when
// present), its direction and the baseline value.
std::string format_results(const templates::FinalInfo& results, const templates::FinalInfo& baseline,
                           const templates::Manifest& manifest);

// The run command as the model should read it: "python experiment.py --out_dir=run_3".
std::string display_command(const templates::Manifest& manifest, int run_index);

// Machine-readable form of the result for the pipeline and `--json`.
std::string to_json(const ExperimentResult& result);

}  // namespace sci::experiment
