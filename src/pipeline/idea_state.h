// The per-idea state machine's persisted state: which stage comes next, what each
// finished stage produced, costs and artifact hashes. Mirrored to <idea>/state.json
// (human-readable, written atomically after every transition) and to the store.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::pipeline {

// Per-idea stages in order. kDone/kFailed/kSkipped are terminal.
enum class Stage { kExperiment, kPlot, kNotes, kWriteup, kReview, kImprove, kDone, kFailed, kSkipped };
const char* stage_name(Stage s);
std::optional<Stage> parse_stage(const std::string& name);
bool is_terminal(Stage s);

enum class Outcome { kOk, kPartial, kFailed, kSkipped };
const char* outcome_name(Outcome o);

struct StageRecord {
  Stage stage = Stage::kExperiment;
  Outcome outcome = Outcome::kOk;
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;
  double wall_s = 0;
  double cost_usd = 0;
  std::string message;      // one line for people
};

struct IdeaState {
  std::string name;
  std::string title;
  std::filesystem::path dir;      // idea directory (absolute)
  std::string novelty = "unchecked";  // novel | not_novel | unknown | unchecked
  Stage next = Stage::kExperiment;
  std::vector<StageRecord> history;
  double cost_usd = 0;
  std::map<std::string, std::string> artifacts;  // relative path -> sha256 at stage end
  std::string paper;       // relative path of the PDF (or .tex with --no-pdf)
  double review_overall = -1;
  std::string review_decision;
  std::string failure;     // why the idea failed, when it did
};

// state.json <-> IdeaState. load: kNotFound when absent, kParse when corrupt.
Result<IdeaState> load_state(const std::filesystem::path& idea_dir);
Status save_state(const IdeaState& state);
std::string state_to_json(const IdeaState& state);

}  // namespace sci::pipeline
