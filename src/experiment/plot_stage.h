// The plot stage: the model gets a manifest of the real result files (key paths, types,
// example values) instead of guessing their structure, edits plot.py (with its `labels`
// dict), plot.py runs in the sandbox, and the figures are checked (exist, non-empty,
// not blank, pairwise distinct); problems go back to the model. Never touches the store.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "experiment/agent.h"
#include "experiment/experiment_stage.h"
#include "experiment/png_check.h"
#include "experiment/script_runner.h"
#include "experiment/stage_event.h"
#include "templates/manifest.h"

namespace sci::experiment {

struct PlotOptions {
  int attempts = 4;                 // experiment.plot_attempts (turns, incl. unchanged-code turns)
  int timeout_s = 0;                // experiment.plot_timeout_s; 0 = the manifest's
  size_t stderr_tail_chars = 1500;  // experiment.stderr_tail_chars
  BlankRule blank_rule;
  std::vector<int> cpu_ids;         // CPUs plot.py is pinned to; empty = not pinned
  const std::atomic<bool>* cancel = nullptr;
  EventCallback on_event;
};

enum class PlotAttemptKind { kExecuted, kUnchangedCode };

struct PlotAttempt {
  int attempt = 1;
  PlotAttemptKind kind = PlotAttemptKind::kExecuted;
  ScriptStatus status = ScriptStatus::kFailed;  // kExecuted only
  std::string message;
  std::vector<std::string> figures;       // PNGs this attempt wrote or the LaTeX template expects
  std::vector<FigureProblem> problems;    // figure check problems (after a successful script)
  std::string sandbox_level;
  double wall_s = 0;
};

struct PlotResult {
  StageStatus status = StageStatus::kFailed;  // completed: every figure passed; partial: some did
  std::vector<PlotAttempt> attempts;
  std::vector<std::string> figures;           // figures that passed every check, sorted
  std::vector<FigureProblem> problems;        // problems left after the last attempt
  std::string result_manifest;                // what the model was shown
  int turns = 0;
  double cost_usd = 0;
  double wall_s = 0;
  std::optional<Error> error;                 // LLM error or cancellation that stopped the stage
  std::string summary;
};

struct PlotInputs {
  std::filesystem::path idea_dir;
  templates::Manifest manifest;
};

// Runs the stage. Errors only when it cannot start (no plot.py: kNotFound); script
// failures, figure problems and LLM errors are recorded in the result.
Result<PlotResult> run_plot(const PlotInputs& inputs, EditAgent& agent, ScriptRunner& runner,
                            const PlotOptions& options, time::Clock& clock = time::system_clock());

// Figures latex/template.tex includes (\includegraphics targets ending in .png or
// without an extension, as "name.png"), sorted; empty when there is no LaTeX template.
std::vector<std::string> latex_figures(const std::filesystem::path& idea_dir);

// PNG files directly in `idea_dir`, by name, with their last-write time and size, so a
// run can tell which it wrote.
std::vector<std::pair<std::string, std::string>> png_fingerprints(const std::filesystem::path& idea_dir);

std::string to_json(const PlotResult& result);

}  // namespace sci::experiment
