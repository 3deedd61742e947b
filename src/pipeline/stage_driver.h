// StageDriver: the pipeline's seam to the research stages. The orchestrator owns
// ordering, persistence, budgets, parallelism and resume; the driver runs one step.
// module_stage_driver.h wires the real modules; tests use a fake.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/idea_state.h"

namespace sci::pipeline {

struct IdeaSpec {
  std::string name;
  std::string title;
  std::string json;  // the idea as the ideas stage wrote it (opaque to the pipeline)
};

struct StageResult {
  Outcome outcome = Outcome::kOk;
  std::string message;
  double cost_usd = 0;
  std::string paper;             // writeup: relative path of the PDF or .tex
  double review_overall = -1;    // review
  std::string review_decision;   // review
};

class StageDriver {
 public:
  virtual ~StageDriver() = default;
  // Ideas for the batch (continues an existing archive). Errors abort the batch.
  virtual Result<std::vector<IdeaSpec>> generate_ideas(int num_ideas) = 0;
  // "novel" | "not_novel" | "unknown" | "unchecked".
  virtual Result<std::string> check_novelty(const IdeaSpec& idea) = 0;
  // Creates the idea directory from the template; returns its absolute path.
  virtual Result<std::filesystem::path> prepare_idea(const IdeaSpec& idea) = 0;
  // Runs `stage` on the idea. An experiment that fails is StageResult{kFailed};
  // errors are for conditions that stop the batch: kBudgetExceeded, kCancelled, kAuth...
  virtual Result<StageResult> run_stage(Stage stage, const IdeaState& state, const std::atomic<bool>& cancel) = 0;
  // Called after every state.json write so the driver can mirror the state (the store).
  virtual void on_state_saved(const IdeaState&) {}
  // Open-ended mode: an idea reached done or failed; its score goes where the next
  // idea generation sees it.
  virtual void record_outcome(const IdeaState&) {}
  // Total LLM spend so far in this process (for the budget line and summary).
  virtual double total_cost_usd() const = 0;
};

}  // namespace sci::pipeline
