// The orchestrator: runs a batch (ideas -> novelty -> per-idea stages) with K ideas in
// parallel, persisting every transition (state.json per idea, batch.json, events.jsonl,
// summary.json) so that `resume` continues from the last finished step.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/events.h"
#include "pipeline/stage_driver.h"

namespace sci::pipeline {

enum class UnknownPolicy { kSkip, kRun };        // --run-unknown
enum class ImprovePolicy { kOff, kOn };           // --improve

struct BatchOptions {
  std::filesystem::path results_dir;  // results/<template>/ (batch.json lives here)
  int num_ideas = 2;
  int parallel = 1;
  UnknownPolicy unknown = UnknownPolicy::kSkip;
  ImprovePolicy improve = ImprovePolicy::kOff;
  std::optional<Stage> stop_after;  // end cleanly after this stage (resumable)
  std::optional<Stage> from_stage;  // restart every selected idea from this stage
  bool open_ended = false;            // --open-ended: ideas K at a time, seeing earlier scores
  std::optional<Stage> pause_before;  // --pause-at: stop before this stage for a human check
  double max_wall_h = 0;            // 0 = none: past it, ideas stop cleanly at the next stage
  double heartbeat_s = 30;          // a heartbeat event this often while ideas run; 0 = none
};

// --pause-at checkpoints: "idea" pauses before the experiment (edit idea.json),
// "plan" before the writeup (edit notes.txt, the plan the paper follows), "draft"
// before the review (edit latex/template.tex; the review rebuilds the PDF).
Result<Stage> pause_checkpoint_stage(const std::string& checkpoint);

struct IdeaSummary {
  std::string name;
  std::string novelty;
  std::string stage;    // next / terminal stage
  std::string outcome;  // done | failed | skipped | stopped
  double cost_usd = 0;
  std::string paper;
  double review_overall = -1;
  std::string review_decision;
  std::vector<std::pair<std::string, double>> stage_wall_s;
};

enum class BatchStatus { kAllDone, kSomeFailed, kNoneDone, kInterrupted, kBudgetStopped, kStoppedAfter, kDiskFull };

struct BatchSummary {
  BatchStatus status = BatchStatus::kAllDone;
  std::vector<IdeaSummary> ideas;
  double cost_usd = 0;
  double wall_s = 0;
  std::string message;
};
const char* batch_status_name(BatchStatus s);

class Orchestrator {
 public:
  Orchestrator(StageDriver& driver, EventSink& events, BatchOptions options)
      : driver_(driver), events_(events), options_(std::move(options)) {}

  // Runs or resumes the batch. Errors only for problems that prevent starting
  // (unwritable results dir, idea generation failing outright).
  Result<BatchSummary> run(const std::atomic<bool>& cancel);

 private:
  struct Selected {
    IdeaSpec spec;
    std::string novelty;
    std::filesystem::path dir;
  };
  Status run_idea(IdeaState& state, const std::atomic<bool>& cancel, std::atomic<bool>& stop_all,
                  std::string& stop_reason);
  Stage next_after(Stage s) const;
  // save_state() + the driver's mirror (the store).
  Status persist(const IdeaState& state);

  StageDriver& driver_;
  EventSink& events_;
  BatchOptions options_;
  std::chrono::steady_clock::time_point batch_start_;
  void mark_active(const std::string& idea, const std::string& stage);
  void heartbeat_loop(const std::atomic<bool>& done);
  std::mutex active_mu_;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> active_;
  std::atomic<bool> disk_full_{false};  // a stage stopped because the disk filled up
};

// Reads summary.json / state.json files under a results dir for `scientist status`.
Result<BatchSummary> read_batch_status(const std::filesystem::path& results_dir);
std::string summary_to_json(const BatchSummary& summary);

}  // namespace sci::pipeline
