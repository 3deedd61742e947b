// The notes stage: a final turn asks the model to describe every figure in notes.txt
// (file name, what it shows, the key insight), so the writeup can work from the notes
// alone. Checks each figure is named in notes.txt and asks once more for any missing.
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
#include "experiment/stage_event.h"

namespace sci::experiment {

struct NotesOptions {
  int follow_ups = 1;  // extra turns when figures are still undescribed
  const std::atomic<bool>* cancel = nullptr;
  EventCallback on_event;
};

struct NotesResult {
  StageStatus status = StageStatus::kFailed;  // completed: every figure named; partial: some
  std::vector<std::string> figures;           // figures the model was asked about
  std::vector<std::string> missing;           // figures notes.txt still does not name
  int turns = 0;
  double cost_usd = 0;
  double wall_s = 0;
  std::optional<Error> error;
  std::string summary;
};

// Runs the stage on `figures` (file names relative to idea_dir; empty = every *.png
// directly in idea_dir). Errors only when it cannot start (no notes.txt: kNotFound).
Result<NotesResult> run_notes(const std::filesystem::path& idea_dir, std::vector<std::string> figures,
                              EditAgent& agent, const NotesOptions& options,
                              time::Clock& clock = time::system_clock());

// Figures (of `figures`) whose file name does not appear in `notes_text`.
std::vector<std::string> undescribed_figures(const std::string& notes_text, const std::vector<std::string>& figures);

std::string to_json(const NotesResult& result);

}  // namespace sci::experiment
