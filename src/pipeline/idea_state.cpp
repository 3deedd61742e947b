// state.json (de)serialisation; see idea_state.h.
#include "pipeline/idea_state.h"

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"

namespace sci::pipeline {
namespace {

constexpr Stage kAllStages[] = {Stage::kExperiment, Stage::kPlot,    Stage::kNotes,
                                Stage::kWriteup,    Stage::kReview,  Stage::kImprove,
                                Stage::kDone,       Stage::kFailed,  Stage::kSkipped};
constexpr Outcome kAllOutcomes[] = {Outcome::kOk, Outcome::kPartial, Outcome::kFailed, Outcome::kSkipped};

}  // namespace

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kExperiment: return "experiment";
    case Stage::kPlot: return "plot";
    case Stage::kNotes: return "notes";
    case Stage::kWriteup: return "writeup";
    case Stage::kReview: return "review";
    case Stage::kImprove: return "improve";
    case Stage::kDone: return "done";
    case Stage::kFailed: return "failed";
    case Stage::kSkipped: return "skipped";
  }
  return "?";
}

std::optional<Stage> parse_stage(const std::string& name) {
  for (Stage s : kAllStages)
    if (name == stage_name(s)) return s;
  return std::nullopt;
}

bool is_terminal(Stage s) { return s == Stage::kDone || s == Stage::kFailed || s == Stage::kSkipped; }

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kPartial: return "partial";
    case Outcome::kFailed: return "failed";
    case Outcome::kSkipped: return "skipped";
  }
  return "?";
}

std::string state_to_json(const IdeaState& s) {
  json::Json j = {{"name", s.name},
                  {"title", s.title},
                  {"dir", s.dir.string()},
                  {"novelty", s.novelty},
                  {"next", stage_name(s.next)},
                  {"cost_usd", s.cost_usd},
                  {"artifacts", s.artifacts},
                  {"paper", s.paper},
                  {"review_overall", s.review_overall},
                  {"review_decision", s.review_decision},
                  {"failure", s.failure},
                  {"history", json::Json::array()}};
  for (const auto& h : s.history)
    j["history"].push_back({{"stage", stage_name(h.stage)},
                            {"outcome", outcome_name(h.outcome)},
                            {"started_at", h.started_at},
                            {"finished_at", h.finished_at},
                            {"wall_s", h.wall_s},
                            {"cost_usd", h.cost_usd},
                            {"message", h.message}});
  return json::dump(j, 2) + "\n";
}

Result<IdeaState> load_state(const std::filesystem::path& idea_dir) {
  auto path = idea_dir / "state.json";
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse_file(path.string()));
  IdeaState s;
  try {
    s.name = j.at("name").get<std::string>();
    s.title = j.value("title", "");
    s.dir = idea_dir;
    s.novelty = j.value("novelty", "unchecked");
    auto next = parse_stage(j.at("next").get<std::string>());
    if (!next) return make_error(ErrorCode::kParse, fmt::format("{}: unknown stage in 'next'", path.string()));
    s.next = *next;
    s.cost_usd = j.value("cost_usd", 0.0);
    s.artifacts = j.value("artifacts", std::map<std::string, std::string>{});
    s.paper = j.value("paper", "");
    s.review_overall = j.value("review_overall", -1.0);
    s.review_decision = j.value("review_decision", "");
    s.failure = j.value("failure", "");
    for (const auto& h : j.value("history", json::Json::array())) {
      StageRecord r;
      r.stage = parse_stage(h.at("stage").get<std::string>()).value_or(Stage::kFailed);
      std::string outcome = h.value("outcome", "failed");
      for (Outcome o : kAllOutcomes)
        if (outcome == outcome_name(o)) r.outcome = o;
      r.started_at = h.value("started_at", "");
      r.finished_at = h.value("finished_at", "");
      r.wall_s = h.value("wall_s", 0.0);
      r.cost_usd = h.value("cost_usd", 0.0);
      r.message = h.value("message", "");
      s.history.push_back(std::move(r));
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse, fmt::format("{}: {}", path.string(), e.what()));
  }
  return s;
}

Status save_state(const IdeaState& state) {
  return fs::write_file_atomic(state.dir / "state.json", state_to_json(state));
}

}  // namespace sci::pipeline
