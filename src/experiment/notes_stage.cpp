// The notes turn; see notes_stage.h.
#include "experiment/notes_stage.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "base/failpoint.h"
#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"
#include "experiment/plot_stage.h"
#include "prompts/prompts.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

std::vector<std::string> undescribed_figures(const std::string& notes_text, const std::vector<std::string>& figures) {
  std::vector<std::string> missing;
  for (const auto& f : figures)
    if (notes_text.find(f) == std::string::npos) missing.push_back(f);
  return missing;
}

Result<NotesResult> run_notes(const stdfs::path& idea_dir, std::vector<std::string> figures, EditAgent& agent,
                              const NotesOptions& options, time::Clock& clock) {
  std::error_code ec;
  if (!stdfs::exists(idea_dir / "notes.txt", ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{} missing: prepare the directory with `scientist idea prepare`",
                                                        (idea_dir / "notes.txt").string()));
  auto start = clock.now();
  NotesResult r;
  if (figures.empty())
    for (const auto& [name, print] : png_fingerprints(idea_dir)) figures.push_back(name);
  std::sort(figures.begin(), figures.end());
  r.figures = figures;
  auto emit = [&](StageEvent e) {
    if (options.on_event) options.on_event(e);
  };
  auto finish = [&]() {
    r.wall_s = std::chrono::duration<double>(clock.now() - start).count();
    if (r.figures.empty()) {
      r.status = StageStatus::kPartial;
      r.summary = "partial: no figures to describe (the plot stage produced none)";
    } else if (r.missing.empty() && !r.error) {
      r.status = StageStatus::kCompleted;
      r.summary = fmt::format("completed: {} figure(s) described in notes.txt", r.figures.size());
    } else {
      r.status = r.missing.size() < r.figures.size() ? StageStatus::kPartial : StageStatus::kFailed;
      r.summary = fmt::format("{}: {} of {} figure(s) described", stage_status_name(r.status),
                              r.figures.size() - r.missing.size(), r.figures.size());
      if (!r.missing.empty()) r.summary += "; missing " + str::join(r.missing, ", ");
      if (r.error) r.summary += "; stopped: " + r.error->to_string();
    }
    emit({"notes", "stage_finished", -1, 0, stage_status_name(r.status), r.summary});
    return r;
  };
  if (figures.empty()) return finish();

  agent.set_stage("notes");
  SCI_TRY(agent.set_chat_files({"notes.txt"}));
  std::string list;
  for (const auto& f : figures) list += "- " + f + "\n";
  if (!list.empty()) list.pop_back();
  auto prompt = prompts::render("experiment/notes", {{"figures", list}});
  r.missing = figures;
  for (int turn = 0; turn <= std::max(0, options.follow_ups); ++turn) {
    if (!prompt.ok()) {
      r.error = prompt.error();
      break;
    }
    if (options.cancel && options.cancel->load()) {
      r.error = make_error(ErrorCode::kCancelled, "notes stage cancelled");
      break;
    }
    ++r.turns;
    emit({"notes", "turn", -1, 0, "", fmt::format("turn {}", r.turns)});
    auto sent = agent.run(*prompt);
    if (!sent.ok()) {
      r.error = sent.error().with_context("notes stage");
      break;
    }
    r.cost_usd += sent->cost_usd;
    failpoint("notes.after_edit");  // the reply is applied to notes.txt, the stage not finished
    auto notes = fs::read_file_beneath(idea_dir, "notes.txt", fs::kMaxSourceFileBytes);
    r.missing = undescribed_figures(notes.ok() ? *notes : std::string(), figures);
    if (r.missing.empty()) break;
    prompt = prompts::render("experiment/notes_missing", {{"missing", str::join(r.missing, ", ")}});
  }
  return finish();
}

std::string to_json(const NotesResult& r) {
  json::Json out = {{"status", stage_status_name(r.status)},
                    {"summary", r.summary},
                    {"figures", r.figures},
                    {"missing", r.missing},
                    {"turns", r.turns},
                    {"cost_usd", r.cost_usd},
                    {"wall_s", r.wall_s}};
  if (r.error) out["error"] = {{"code", error_code_name(r.error->code)}, {"message", r.error->to_string()}};
  return json::dump(out, 2);
}

}  // namespace sci::experiment
