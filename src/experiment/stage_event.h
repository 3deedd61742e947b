// Progress events the experiment, plot and notes stages emit while they work (a turn
// sent, a run started or finished, a figure problem), for the pipeline's event log
// and the terminal view. Delivered synchronously on the stage's thread.
#pragma once

#include <functional>
#include <string>

namespace sci::experiment {

struct StageEvent {
  std::string stage;    // "experiment", "plot", "notes"
  std::string kind;     // "turn", "run_started", "run_finished", "plot_finished", "figures_checked", "stage_finished"
  int run = -1;         // run index for run events, else -1
  int attempt = 0;      // 1-based attempt for run/plot events, else 0
  std::string status;   // e.g. "succeeded", "failed", "timed_out", "unchanged_code"
  std::string message;  // one line for people
};

// May be empty (no listener). Must not throw; called on the stage's thread.
using EventCallback = std::function<void(const StageEvent&)>;

}  // namespace sci::experiment
