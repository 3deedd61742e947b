// Batch orchestration; see orchestrator.h. Persistence happens after every step so a
// crash (even SIGKILL) loses at most the step in flight: batch.json for batch-level
// progress (ideas, novelty, idea dirs), state.json per idea for stage progress.
#include "pipeline/orchestrator.h"

#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/disk_space.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"

namespace sci::pipeline {
namespace {

struct BatchIdea {
  IdeaSpec spec;
  std::string novelty;  // "" = not checked yet
  std::string dir;      // "" = not prepared yet
};

std::filesystem::path batch_file(const std::filesystem::path& results_dir) { return results_dir / "batch.json"; }

Result<std::vector<BatchIdea>> load_batch(const std::filesystem::path& results_dir) {
  std::vector<BatchIdea> ideas;
  auto path = batch_file(results_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return ideas;
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse_file(path.string()));
  for (const auto& e : j.value("ideas", json::Json::array())) {
    BatchIdea b;
    b.spec.name = e.value("name", "");
    b.spec.title = e.value("title", "");
    b.spec.json = e.value("idea", "");
    b.novelty = e.value("novelty", "");
    b.dir = e.value("dir", "");
    if (!b.spec.name.empty()) ideas.push_back(std::move(b));
  }
  return ideas;
}

Status save_batch(const std::filesystem::path& results_dir, const std::vector<BatchIdea>& ideas) {
  json::Json j = {{"ideas", json::Json::array()}};
  for (const auto& b : ideas)
    j["ideas"].push_back(
        {{"name", b.spec.name}, {"title", b.spec.title}, {"idea", b.spec.json}, {"novelty", b.novelty}, {"dir", b.dir}});
  return fs::write_file_atomic(batch_file(results_dir), json::dump(j, 2) + "\n");
}

bool selected_for_research(const std::string& novelty, UnknownPolicy unknown) {
  if (novelty == "novel" || novelty == "unchecked") return true;
  return novelty == "unknown" && unknown == UnknownPolicy::kRun;
}

IdeaSummary summarise(const IdeaState& s, const std::string& outcome) {
  IdeaSummary out;
  out.name = s.name;
  out.novelty = s.novelty;
  out.stage = stage_name(s.next);
  out.outcome = outcome;
  out.cost_usd = s.cost_usd;
  out.paper = s.paper;
  out.review_overall = s.review_overall;
  out.review_decision = s.review_decision;
  for (const auto& h : s.history) out.stage_wall_s.emplace_back(stage_name(h.stage), h.wall_s);
  return out;
}

}  // namespace

const char* batch_status_name(BatchStatus s) {
  switch (s) {
    case BatchStatus::kAllDone: return "all_done";
    case BatchStatus::kSomeFailed: return "some_failed";
    case BatchStatus::kNoneDone: return "none_done";
    case BatchStatus::kInterrupted: return "interrupted";
    case BatchStatus::kBudgetStopped: return "budget_stopped";
    case BatchStatus::kStoppedAfter: return "stopped_after";
    case BatchStatus::kDiskFull: return "disk_full";
  }
  return "?";
}

Status Orchestrator::persist(const IdeaState& state) {
  SCI_TRY(save_state(state));
  driver_.on_state_saved(state);
  return ok_status();
}

Stage Orchestrator::next_after(Stage s) const {
  switch (s) {
    case Stage::kExperiment: return Stage::kPlot;
    case Stage::kPlot: return Stage::kNotes;
    case Stage::kNotes: return Stage::kWriteup;
    case Stage::kWriteup: return Stage::kReview;
    case Stage::kReview: return options_.improve == ImprovePolicy::kOn ? Stage::kImprove : Stage::kDone;
    case Stage::kImprove: return Stage::kDone;
    default: return s;
  }
}

Status Orchestrator::run_idea(IdeaState& state, const std::atomic<bool>& cancel, std::atomic<bool>& stop_all,
                              std::string& stop_reason) {
  log::ScopedContext ctx("idea", state.name);
  struct Unmark {  // the heartbeat stops naming the idea when its worker lets go of it
    Orchestrator* self;
    std::string name;
    ~Unmark() {
      std::lock_guard lock(self->active_mu_);
      self->active_.erase(name);
    }
  } unmark{this, state.name};
  while (!is_terminal(state.next)) {
    if (cancel || stop_all) return ok_status();
    Stage stage = state.next;
    if (options_.pause_before && *options_.pause_before == stage) {
      events_.emit({EventKind::kProgress, "", state.name, stage_name(stage),
                    fmt::format("paused before {}: check the files in {}, then `scientist resume`", stage_name(stage),
                                state.dir.string()),
                    state.cost_usd});
      return ok_status();
    }
    if (options_.max_wall_h > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - batch_start_).count() >
            options_.max_wall_h * 3600) {
      stop_reason = fmt::format("the wall-clock limit of {} h was reached (--max-wall-h)", options_.max_wall_h);
      stop_all = true;
      return ok_status();
    }
    StageRecord rec;
    rec.stage = stage;
    rec.started_at = time::now_iso8601();
    events_.emit({EventKind::kStageStarted, "", state.name, stage_name(stage), "started", state.cost_usd});
    mark_active(state.name, stage_name(stage));
    auto t0 = std::chrono::steady_clock::now();
    auto result = driver_.run_stage(stage, state, cancel);
    rec.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rec.finished_at = time::now_iso8601();
    if (!result.ok()) {
      const Error& e = result.error();
      if (e.code == ErrorCode::kBudgetExceeded || e.code == ErrorCode::kCancelled || e.code == ErrorCode::kAuth ||
          fs::is_disk_full(e)) {
        // Stop everything cleanly; this stage re-runs on resume (paid calls come from the journal).
        if (fs::is_disk_full(e)) disk_full_ = true;
        stop_reason = e.to_string();
        stop_all = true;
        events_.emit({EventKind::kWarning, "", state.name, stage_name(stage), "stopping: " + e.to_string(),
                      state.cost_usd});
        return e;
      }
      rec.outcome = Outcome::kFailed;
      rec.message = e.to_string();
      state.failure = fmt::format("{}: {}", stage_name(stage), e.to_string());
      state.history.push_back(rec);
      state.next = Stage::kFailed;
      SCI_TRY(persist(state));
      events_.emit({EventKind::kStageFinished, "", state.name, stage_name(stage), "error: " + e.to_string(),
                    state.cost_usd});
      return ok_status();
    }
    const StageResult& r = *result;
    rec.outcome = r.outcome;
    rec.message = r.message;
    rec.cost_usd = r.cost_usd;
    state.cost_usd += r.cost_usd;
    if (!r.paper.empty()) state.paper = r.paper;
    if (r.review_overall >= 0) {
      state.review_overall = r.review_overall;
      state.review_decision = r.review_decision;
    }
    state.history.push_back(rec);
    // (A LaTeX or Python failure on a full disk does not always say ENOSPC: under 1 MB
    // free counts as full too.)
    auto free = fs::free_bytes(options_.results_dir);
    if (r.outcome == Outcome::kFailed && (fs::is_disk_full_text(r.message) || (free.ok() && *free < (1u << 20)))) {
      // A stage that failed because the disk filled up is not the idea's failure.
      disk_full_ = true;
      stop_reason = fmt::format("{}: {}", stage_name(stage), r.message);
      stop_all = true;
      events_.emit({EventKind::kWarning, "", state.name, stage_name(stage), "stopping: " + r.message, state.cost_usd});
      return ok_status();
    }
    bool fatal = r.outcome == Outcome::kFailed && stage != Stage::kPlot && stage != Stage::kImprove;
    if (fatal) {
      state.failure = fmt::format("{}: {}", stage_name(stage), r.message);
      state.next = Stage::kFailed;
    } else {
      state.next = next_after(stage);
    }
    SCI_TRY(persist(state));
    events_.emit({EventKind::kStageFinished, "", state.name, stage_name(stage),
                  fmt::format("{} in {:.1f} s: {}", outcome_name(r.outcome), rec.wall_s, r.message), state.cost_usd});
    if (options_.stop_after && *options_.stop_after == stage && !is_terminal(state.next)) return ok_status();
  }
  return ok_status();
}

void Orchestrator::mark_active(const std::string& idea, const std::string& stage) {
  std::lock_guard lock(active_mu_);
  active_[idea] = {stage, std::chrono::steady_clock::now()};
}

// Every heartbeat_s while ideas run: one event naming each idea's stage and how long it
// has been in it, so a hang shows in events.jsonl and `scientist status`.
void Orchestrator::heartbeat_loop(const std::atomic<bool>& done) {
  if (options_.heartbeat_s <= 0) return;
  auto next = std::chrono::steady_clock::now() + std::chrono::duration<double>(options_.heartbeat_s);
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() < next) continue;
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(options_.heartbeat_s));
    std::vector<std::string> parts;
    {
      std::lock_guard lock(active_mu_);
      auto now = std::chrono::steady_clock::now();
      for (const auto& [idea, at] : active_)
        parts.push_back(fmt::format("{} in {} for {:.0f} s", idea, at.first,
                                    std::chrono::duration<double>(now - at.second).count()));
    }
    events_.emit({EventKind::kHeartbeat, "", "", "", parts.empty() ? "alive" : str::join(parts, "; "),
                  driver_.total_cost_usd()});
  }
}

Result<Stage> pause_checkpoint_stage(const std::string& checkpoint) {
  if (checkpoint == "idea") return Stage::kExperiment;
  if (checkpoint == "plan") return Stage::kWriteup;
  if (checkpoint == "draft") return Stage::kReview;
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("--pause-at '{}': use idea, plan or draft", checkpoint));
}

Result<BatchSummary> Orchestrator::run(const std::atomic<bool>& cancel) {
  auto t0 = std::chrono::steady_clock::now();
  batch_start_ = t0;
  std::error_code ec;
  std::filesystem::create_directories(options_.results_dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, fmt::format("cannot create results directory {}: {}",
                                                  options_.results_dir.string(), ec.message()));
  SCI_ASSIGN_OR_RETURN(std::vector<BatchIdea> batch, load_batch(options_.results_dir));
  events_.emit({EventKind::kBatchStarted, "", "", "", fmt::format("{} ideas requested, {} known", options_.num_ideas,
                                                                   batch.size()), driver_.total_cost_usd()});
  BatchSummary summary;
  // A few MB kept free for the state files and summary.json when the disk fills up.
  fs::SpaceReserve reserve;
  reserve.hold(options_.results_dir);
  auto finish = [&](BatchStatus status, std::string message) -> Result<BatchSummary> {
    reserve.release();
    summary.status = status;
    summary.message = std::move(message);
    summary.cost_usd = driver_.total_cost_usd();
    summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    (void)fs::write_file_atomic(options_.results_dir / "summary.json", summary_to_json(summary));
    events_.emit({EventKind::kBatchFinished, "", "", "", summary.message, summary.cost_usd});
    return summary;
  };

  // Open-ended mode generates the ideas K at a time (K = the parallel slots; one at a
  // time with one slot), each round seeing the review scores of the ideas before it.
  const int slots = std::max(1, options_.parallel);
  int target = options_.open_ended ? std::min(options_.num_ideas, static_cast<int>(batch.size()) + slots)
                                   : options_.num_ideas;
  std::vector<IdeaState> states;
  std::mutex mu;
  std::deque<size_t> queue;
  std::atomic<bool> stop_all{false};
  std::string stop_reason;
  Error first_error;
  bool had_error = false;
  while (true) {
    summary.ideas.clear();
    states.clear();
    // 1. Ideas (the ideas stage continues its own archive, so this is resumable).
    if (static_cast<int>(batch.size()) < target) {
      events_.emit({EventKind::kStageStarted, "", "", "ideas", "generating ideas", driver_.total_cost_usd()});
      auto ideas = driver_.generate_ideas(target);
      if (!ideas.ok()) {
        if (ideas.error().code == ErrorCode::kBudgetExceeded)
          return finish(BatchStatus::kBudgetStopped, ideas.error().to_string());
        if (ideas.error().code == ErrorCode::kCancelled) return finish(BatchStatus::kInterrupted, "interrupted");
        return ideas.error();
      }
      for (const auto& spec : *ideas) {
        bool known = false;
        for (const auto& b : batch) known = known || b.spec.name == spec.name;
        if (!known && static_cast<int>(batch.size()) < target) batch.push_back({spec, "", ""});
      }
      SCI_TRY(save_batch(options_.results_dir, batch));
    }

    // 2. Novelty, then idea directories for the selected ideas.
    for (auto& b : batch) {
      if (cancel) return finish(BatchStatus::kInterrupted, "interrupted during novelty checks; resumable");
      if (b.novelty.empty()) {
        events_.emit({EventKind::kStageStarted, "", b.spec.name, "novelty", "checking novelty", driver_.total_cost_usd()});
        auto novelty = driver_.check_novelty(b.spec);
        if (!novelty.ok()) {
          auto code = novelty.error().code;
          if (code == ErrorCode::kBudgetExceeded) return finish(BatchStatus::kBudgetStopped, novelty.error().to_string());
          if (code == ErrorCode::kCancelled) return finish(BatchStatus::kInterrupted, "interrupted; resumable");
          log::warn("novelty check for {} failed: {}; marking unknown", b.spec.name, novelty.error().to_string());
          b.novelty = "unknown";
        } else {
          b.novelty = *novelty;
        }
        SCI_TRY(save_batch(options_.results_dir, batch));
        events_.emit({EventKind::kStageFinished, "", b.spec.name, "novelty", b.novelty, driver_.total_cost_usd()});
      }
      if (selected_for_research(b.novelty, options_.unknown) && b.dir.empty()) {
        SCI_ASSIGN_OR_RETURN(auto dir, driver_.prepare_idea(b.spec));
        b.dir = dir.string();
        IdeaState state;
        state.name = b.spec.name;
        state.title = b.spec.title;
        state.dir = dir;
        state.novelty = b.novelty;
        SCI_TRY(persist(state));
        SCI_TRY(save_batch(options_.results_dir, batch));
      }
    }

    // 3. Per-idea stages, K at a time.
    for (const auto& b : batch) {
      if (b.dir.empty()) {
        IdeaSummary s;
        s.name = b.spec.name;
        s.novelty = b.novelty;
        s.stage = "skipped";
        s.outcome = "skipped";
        summary.ideas.push_back(s);
        continue;
      }
      SCI_ASSIGN_OR_RETURN(IdeaState st, load_state(b.dir));
      st.dir = b.dir;
      if (options_.from_stage && !is_terminal(*options_.from_stage)) {
        st.next = *options_.from_stage;
        st.failure.clear();
      }
      states.push_back(std::move(st));
    }
    for (size_t i = 0; i < states.size(); ++i)
      if (!is_terminal(states[i].next)) queue.push_back(i);
    auto worker = [&] {
      while (true) {
        size_t i;
        {
          std::lock_guard l(mu);
          if (queue.empty() || stop_all || cancel) return;
          i = queue.front();
          queue.pop_front();
        }
        std::string reason;
        auto st = run_idea(states[i], cancel, stop_all, reason);
        std::lock_guard l(mu);
        if (!reason.empty()) stop_reason = reason;
        if (!st.ok() && fs::is_disk_full(st.error())) {  // e.g. state.json could not be saved
          disk_full_ = true;
          stop_all = true;
          if (stop_reason.empty()) stop_reason = st.error().to_string();
        }
        if (!st.ok() && !had_error) {
          had_error = true;
          first_error = st.error();
        }
      }
    };
    int k = std::max(1, options_.parallel);
    std::vector<std::thread> threads;
    for (int t = 0; t < k; ++t) threads.emplace_back(worker);
    std::atomic<bool> workers_done{false};
    std::thread heartbeat([&] { heartbeat_loop(workers_done); });
    for (auto& t : threads) t.join();
    workers_done = true;
    heartbeat.join();
    if (!options_.open_ended || cancel || stop_all) break;
    bool paused = false;
    for (const auto& st : states) paused = paused || !is_terminal(st.next);
    if (paused) break;  // --stop-after / --pause-at: the next round waits for resume
    for (const auto& st : states)
      if (st.next == Stage::kDone || st.next == Stage::kFailed) driver_.record_outcome(st);
    if (static_cast<int>(batch.size()) >= options_.num_ideas || static_cast<int>(batch.size()) < target) break;
    target = std::min(options_.num_ideas, target + slots);
  }

  int done = 0, failed = 0, pending = 0;
  for (const auto& s : states) {
    std::string outcome = s.next == Stage::kDone ? "done" : s.next == Stage::kFailed ? "failed" : "stopped";
    if (s.next == Stage::kDone) ++done;
    else if (s.next == Stage::kFailed) ++failed;
    else ++pending;
    summary.ideas.push_back(summarise(s, outcome));
  }
  if (cancel) return finish(BatchStatus::kInterrupted, "interrupted; run `scientist resume` to continue");
  if (stop_all && disk_full_)
    return finish(BatchStatus::kDiskFull,
                  fmt::format("stopped, the disk is full: {}; free space, then `scientist resume {}` continues where "
                              "it stopped (finished stages and paid calls are kept)",
                              stop_reason, options_.results_dir.string()));
  if (stop_all) {
    bool budget = stop_reason.find("budget") != std::string::npos || stop_reason.find("--max-wall-h") != std::string::npos;
    return finish(budget ? BatchStatus::kBudgetStopped : BatchStatus::kInterrupted,
                  fmt::format("stopped: {}; resume to continue", stop_reason));
  }
  if (pending > 0) return finish(BatchStatus::kStoppedAfter, fmt::format("{} ideas paused; resume to continue", pending));
  if (states.empty()) return finish(BatchStatus::kNoneDone, "no idea was selected for research");
  if (failed == 0) return finish(BatchStatus::kAllDone, fmt::format("{} ideas finished", done));
  if (done == 0) return finish(BatchStatus::kNoneDone, fmt::format("all {} ideas failed", failed));
  return finish(BatchStatus::kSomeFailed, fmt::format("{} finished, {} failed", done, failed));
}

std::string summary_to_json(const BatchSummary& s) {
  json::Json j = {{"status", batch_status_name(s.status)},
                  {"message", s.message},
                  {"cost_usd", s.cost_usd},
                  {"wall_s", s.wall_s},
                  {"ideas", json::Json::array()}};
  for (const auto& i : s.ideas) {
    json::Json stages = json::Json::object();
    for (const auto& [stage, wall] : i.stage_wall_s) stages[stage] = wall;
    j["ideas"].push_back({{"name", i.name},
                          {"novelty", i.novelty},
                          {"stage", i.stage},
                          {"outcome", i.outcome},
                          {"cost_usd", i.cost_usd},
                          {"paper", i.paper},
                          {"review_overall", i.review_overall},
                          {"review_decision", i.review_decision},
                          {"stage_wall_s", stages}});
  }
  return json::dump(j, 2) + "\n";
}

Result<BatchSummary> read_batch_status(const std::filesystem::path& results_dir) {
  SCI_ASSIGN_OR_RETURN(std::vector<BatchIdea> batch, load_batch(results_dir));
  if (batch.empty())
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no batch in {} (batch.json missing): start one with `scientist run`",
                                  results_dir.string()));
  BatchSummary summary;
  summary.status = BatchStatus::kAllDone;
  int done = 0, failed = 0, pending = 0;
  for (const auto& b : batch) {
    if (b.dir.empty()) {
      IdeaSummary s;
      s.name = b.spec.name;
      s.novelty = b.novelty.empty() ? "pending" : b.novelty;
      s.stage = b.novelty.empty() ? "novelty" : "skipped";
      s.outcome = b.novelty.empty() ? "pending" : "skipped";
      summary.ideas.push_back(s);
      if (b.novelty.empty()) ++pending;
      continue;
    }
    auto st = load_state(b.dir);
    if (!st.ok()) continue;
    std::string outcome = st->next == Stage::kDone ? "done" : st->next == Stage::kFailed ? "failed" : "in_progress";
    if (st->next == Stage::kDone) ++done;
    else if (st->next == Stage::kFailed) ++failed;
    else ++pending;
    summary.cost_usd += st->cost_usd;
    summary.ideas.push_back(summarise(*st, outcome));
  }
  if (pending) summary.status = BatchStatus::kStoppedAfter;
  else if (failed && done) summary.status = BatchStatus::kSomeFailed;
  else if (failed) summary.status = BatchStatus::kNoneDone;
  summary.message = fmt::format("{} done, {} failed, {} in progress or pending", done, failed, pending);
  return summary;
}

}  // namespace sci::pipeline
