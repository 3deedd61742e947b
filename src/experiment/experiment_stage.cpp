// The experiment loop; see experiment_stage.h. The control flow mirrors the original's
// perform_experiments (turn, run, feed back) with the guards listed in the header.
#include "experiment/experiment_stage.h"

#include <algorithm>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "experiment/error_signature.h"
#include "prompts/prompts.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

const char* stage_status_name(StageStatus s) {
  switch (s) {
    case StageStatus::kCompleted: return "completed";
    case StageStatus::kPartial: return "partial";
    case StageStatus::kFailed: return "failed";
  }
  return "failed";
}

const char* run_outcome_name(RunOutcome o) {
  switch (o) {
    case RunOutcome::kSucceeded: return "succeeded";
    case RunOutcome::kAttemptsExhausted: return "attempts_exhausted";
    case RunOutcome::kLoopGuard: return "loop_guard";
    case RunOutcome::kStopped: return "stopped";
  }
  return "stopped";
}

namespace {

std::string direction_text(const templates::Manifest& manifest, const std::string& metric) {
  auto it = manifest.metrics.find(metric);
  if (it == manifest.metrics.end()) return "direction not declared";
  switch (it->second.direction) {
    case templates::Direction::kLower: return "lower is better";
    case templates::Direction::kHigher: return "higher is better";
    case templates::Direction::kUnknown: break;
  }
  return "direction not declared";
}

std::string num(double v) { return fmt::format("{:.6g}", v); }

bool is_run_snapshot(const std::string& name) {
  // run_<digits>.py
  if (!str::starts_with(name, "run_") || !str::ends_with(name, ".py") || name.size() <= 7) return false;
  for (size_t i = 4; i + 3 < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

}  // namespace

std::string experiment_code_hash(const stdfs::path& idea_dir) {
  std::vector<std::string> names;
  auto listing = fs::list_dir_beneath(idea_dir, idea_dir);
  if (!listing.ok()) return fs::sha256_hex(listing.error().message);
  for (const auto& e : listing->entries) {
    const std::string& name = e.name;
    if (e.kind != fs::EntryKind::kFile || !str::ends_with(name, ".py")) continue;
    if (name == "plot.py" || is_run_snapshot(name)) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string material;
  for (const auto& n : names) {
    auto h = fs::sha256_file(idea_dir / n);
    material += n + "=" + (h.ok() ? *h : std::string("unreadable")) + "\n";
  }
  return fs::sha256_hex(material);
}

std::string format_results(const templates::FinalInfo& results, const templates::FinalInfo& baseline,
                           const templates::Manifest& manifest) {
  std::string out;
  for (const auto& [dataset, d] : results.datasets) {
    out += fmt::format("Dataset `{}`:\n", dataset);
    const templates::DatasetResults* base = nullptr;
    if (auto it = baseline.datasets.find(dataset); it != baseline.datasets.end()) base = &it->second;
    for (const auto& [metric, mean] : d.means) {
      std::string line = fmt::format("- {}: {}", metric, num(mean));
      if (auto s = d.stderrs.find(metric); s != d.stderrs.end()) line += fmt::format(" ± {}", num(s->second));
      line += " (" + direction_text(manifest, metric);
      if (base) {
        if (auto b = base->means.find(metric); b != base->means.end()) line += fmt::format("; baseline {}", num(b->second));
      }
      line += ")";
      out += line + "\n";
    }
  }
  for (const auto& w : results.warnings) out += "Note: " + w + "\n";
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {
std::string command_for(const templates::Manifest& manifest, const std::string& out_dir) {
  std::vector<std::string> parts;
  std::string interp = stdfs::path(manifest.interpreter).filename().string();
  if (str::starts_with(interp, "python")) interp = "python";
  for (const auto& arg : manifest.run_command) {
    std::string a = str::replace_all(arg, "{interpreter}", interp);
    a = str::replace_all(a, "{out_dir}", out_dir);
    parts.push_back(a);
  }
  return str::join(parts, " ");
}
}  // namespace

std::string display_command(const templates::Manifest& manifest, int run_index) {
  return command_for(manifest, fmt::format("run_{}", run_index));
}

namespace {

class Loop {
 public:
  Loop(const ExperimentInputs& in, EditAgent& agent, RunExecutor& executor, const ExperimentOptions& opt)
      : in_(in), agent_(agent), executor_(executor), opt_(opt) {}

  ExperimentResult run();

 private:
  Result<std::string> render(const std::string& name, std::map<std::string, std::string> vars) {
    return prompts::render("experiment/" + name, vars);
  }
  // Sends one instruction; false (with error_ recorded) when the LLM call failed.
  bool send(const std::string& instruction);
  void stop(Error e) {
    if (!result_.error) result_.error = std::move(e);
  }
  void emit(StageEvent e) {
    if (opt_.on_event) opt_.on_event(e);
  }
  bool cancelled() const { return opt_.cancel && opt_.cancel->load(); }
  int timeout_s() const { return opt_.run_timeout_s > 0 ? opt_.run_timeout_s : in_.manifest.run_timeout_s; }
  std::string command(int run) const { return display_command(in_.manifest, run); }
  // The last stderr_tail_chars characters, without the trailing newline (the prompt fences it).
  std::string tail(const std::string& s) const {
    std::string t = str::tail_utf8(s, opt_.stderr_tail_chars);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
  }

  const ExperimentInputs& in_;
  EditAgent& agent_;
  RunExecutor& executor_;
  const ExperimentOptions& opt_;
  ExperimentResult result_;
  coder::TurnResult last_turn_;
};

bool Loop::send(const std::string& instruction) {
  ++result_.turns;
  emit({"experiment", "turn", -1, 0, "", fmt::format("turn {}", result_.turns)});
  auto turn = agent_.run(instruction);
  if (!turn.ok()) {
    stop(turn.error().with_context("experiment stage"));
    return false;
  }
  result_.cost_usd += turn->cost_usd;
  last_turn_ = std::move(turn).value();
  return true;
}

ExperimentResult Loop::run() {
  const int attempts = std::max(1, opt_.attempts_per_run);
  const int last_run = std::max(opt_.first_run, opt_.max_runs);
  int run = opt_.first_run;
  int attempt = 1;
  std::map<std::string, int> signature_counts;  // per run
  RunRecord current;
  current.index = run;
  std::string last_hash = experiment_code_hash(in_.idea_dir);
  bool execute_pending = opt_.execute_first;
  if (execute_pending) last_hash.clear();

  auto prompt = render("plan", {{"title", in_.idea.title},
                                {"experiment", in_.idea.experiment},
                                {"max_runs", std::to_string(last_run - opt_.first_run + 1)},
                                {"baseline_results", format_results(in_.baseline, templates::FinalInfo{}, in_.manifest)},
                                {"command", command_for(in_.manifest, "run_i")}});
  // A record of the run in progress goes into the result when it ends, however it ends.
  auto close_run = [&](RunOutcome outcome) {
    current.outcome = outcome;
    result_.runs.push_back(current);
  };

  while (true) {
    if (!prompt.ok()) {
      stop(prompt.error());
      if (!current.attempts.empty()) close_run(RunOutcome::kStopped);
      break;
    }
    if (cancelled()) {
      stop(make_error(ErrorCode::kCancelled, "experiment stage cancelled"));
      if (!current.attempts.empty()) close_run(RunOutcome::kStopped);
      break;
    }
    if (execute_pending) {
      execute_pending = false;  // the interrupted run's code is on disk: run it first
    } else if (!send(*prompt)) {
      if (!current.attempts.empty()) close_run(RunOutcome::kStopped);
      break;
    } else if (last_turn_.reply.find("ALL_COMPLETED") != std::string::npos) {
      if (result_.successful_runs == 0 && !result_.early_completion_refused) {
        result_.early_completion_refused = true;
        log::info("experiment: ALL_COMPLETED before any successful run; refused once");
        prompt = render("too_early_completion", {{"run", std::to_string(run)}, {"command", command(run)}});
        continue;
      }
      result_.finished_by_model = true;
      if (!current.attempts.empty()) close_run(RunOutcome::kStopped);
      break;
    }

    AttemptRecord rec;
    rec.attempt = attempt;
    std::string hash = experiment_code_hash(in_.idea_dir);
    rec.code_sha256 = hash;
    if (hash == last_hash) {
      // A silent edit failure (or a plan with no edit): running would only repeat old code.
      rec.kind = AttemptKind::kUnchangedCode;
      rec.message = "experiment code unchanged since the last run; not run";
      log::info("experiment: run {} attempt {}: {}", run, attempt, rec.message);
      current.attempts.push_back(rec);
      emit({"experiment", "run_finished", run, attempt, "unchanged_code", rec.message});
      if (attempt >= attempts) {
        close_run(RunOutcome::kAttemptsExhausted);
        break;
      }
      prompt = render("unchanged_code", {{"run", std::to_string(run)},
                                         {"attempt", std::to_string(attempt)},
                                         {"attempts", std::to_string(attempts)}});
      ++attempt;
      continue;
    }
    last_hash = hash;

    RunRequest request;
    request.idea_dir = in_.idea_dir;
    request.run_index = run;
    request.attempt = attempt;
    request.timeout_s = timeout_s();
    request.gpus = opt_.gpus;
    request.cpu_ids = opt_.cpu_ids;
    request.cancel = opt_.cancel;
    log::info("experiment: run {} attempt {}/{}", run, attempt, attempts);
    // The code snapshot (the executor writes it too) exists before anyone hears of the
    // run: a crash from here on resumes by executing this code, not by asking again.
    if (auto code = fs::read_file_beneath(in_.idea_dir, "experiment.py", fs::kMaxSourceFileBytes); code.ok())
      (void)fs::write_file_atomic(in_.idea_dir / fmt::format("run_{}.py", run), *code);
    emit({"experiment", "run_started", run, attempt, "", command(run)});
    auto executed = executor_.run(in_.manifest, request);
    if (!executed.ok()) {
      stop(executed.error().with_context(fmt::format("run {} attempt {}", run, attempt)));
      close_run(RunOutcome::kStopped);
      break;
    }
    const RunResult& rr = *executed;
    rec.status = rr.status;
    rec.exit_code = rr.exit_code;
    rec.message = rr.message;
    rec.run_dir = rr.run_dir;
    rec.sandbox_level = rr.sandbox_level;
    rec.wall_s = rr.wall_s;
    emit({"experiment", "run_finished", run, attempt, run_status_name(rr.status), rr.message});
    current.wall_s += rr.wall_s;
    current.sandbox_level = rr.sandbox_level;

    if (rr.status == RunStatus::kSucceeded) {
      log::info("experiment: run {} succeeded in {:.1f} s", run, rr.wall_s);
      current.attempts.push_back(rec);
      current.results = rr.results;
      current.run_dir = rr.run_dir.empty() ? in_.idea_dir / fmt::format("run_{}", run) : rr.run_dir;
      std::error_code ec;
      if (stdfs::exists(current.run_dir / "environment.json", ec)) current.environment = current.run_dir / "environment.json";
      close_run(RunOutcome::kSucceeded);
      ++result_.successful_runs;
      std::string shown = format_results(rr.results, in_.baseline, in_.manifest);
      if (run >= last_run) {
        // The original never showed the last run's results; the notes need them.
        auto final_prompt = render("last_run_succeeded", {{"run", std::to_string(run)},
                                                          {"results", shown},
                                                          {"max_runs", std::to_string(last_run)}});
        if (!final_prompt.ok()) {
          stop(final_prompt.error());
        } else if (send(*final_prompt)) {
          result_.last_results_shown = true;
        }
        break;
      }
      int left = last_run - run;
      prompt = render("run_succeeded",
                      {{"run", std::to_string(run)},
                       {"results", shown},
                       {"next_run", std::to_string(run + 1)},
                       {"command", command(run + 1)},
                       {"runs_left", left == 1 ? "It is the last run available."
                                               : fmt::format("{} runs are left, including that one.", left)}});
      ++run;
      attempt = 1;
      signature_counts.clear();
      current = RunRecord{};
      current.index = run;
      continue;
    }

    // A failed attempt.
    ErrorSignature sig = error_signature(rr.status, rr.stderr_tail);
    rec.error_signature = sig.describe();
    int seen = ++signature_counts[sig.hash];
    current.attempts.push_back(rec);
    log::info("experiment: run {} attempt {} {}: {} (signature seen {}x)", run, attempt, run_status_name(rr.status),
              rr.message, seen);
    if (cancelled()) {
      stop(make_error(ErrorCode::kCancelled, "experiment stage cancelled"));
      close_run(RunOutcome::kStopped);
      break;
    }
    if (seen >= 3) {
      log::warn("experiment: run {}: {} for the third time; abandoning the run", run, sig.describe());
      close_run(RunOutcome::kLoopGuard);
      break;
    }
    if (attempt >= attempts) {
      close_run(RunOutcome::kAttemptsExhausted);
      break;
    }
    std::map<std::string, std::string> vars = {{"run", std::to_string(run)},
                                               {"attempt", std::to_string(attempt)},
                                               {"attempts", std::to_string(attempts)},
                                               {"message", rr.message.empty() ? run_status_name(rr.status) : rr.message},
                                               {"stderr_tail", tail(rr.stderr_tail)},
                                               {"timeout_s", std::to_string(timeout_s())},
                                               {"signature", sig.describe()},
                                               {"command", command(run)}};
    if (seen == 2) prompt = render("step_back", vars);
    else if (rr.status == RunStatus::kTimedOut) prompt = render("run_timed_out", vars);
    else prompt = render("run_failed", vars);
    ++attempt;
  }

  if (result_.successful_runs == 0) {
    result_.status = StageStatus::kFailed;
  } else if (result_.error || (!result_.runs.empty() && result_.runs.back().outcome != RunOutcome::kSucceeded &&
                               !result_.finished_by_model)) {
    result_.status = StageStatus::kPartial;
  } else {
    result_.status = StageStatus::kCompleted;
  }
  std::string tail_note;
  if (!result_.runs.empty() && result_.runs.back().outcome != RunOutcome::kSucceeded) {
    const auto& r = result_.runs.back();
    tail_note = fmt::format("; run {} {} after {} attempt(s)", r.index, run_outcome_name(r.outcome), r.attempts.size());
  }
  if (result_.error) tail_note += "; stopped: " + result_.error->to_string();
  result_.summary = fmt::format("{}: {} successful run(s){}", stage_status_name(result_.status),
                                result_.successful_runs, tail_note);
  return std::move(result_);
}

}  // namespace

Result<ExperimentResult> run_experiments(const ExperimentInputs& inputs, EditAgent& agent, RunExecutor& executor,
                                         const ExperimentOptions& options, time::Clock& clock) {
  std::error_code ec;
  if (!stdfs::exists(inputs.idea_dir / "experiment.py", ec))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{} missing: prepare the idea directory with `scientist idea prepare`",
                                  (inputs.idea_dir / "experiment.py").string()));
  agent.set_stage("experiment");
  SCI_TRY(agent.set_chat_files({"experiment.py", "notes.txt"}));
  auto start = clock.now();
  Loop loop(inputs, agent, executor, options);
  ExperimentResult result = loop.run();
  result.wall_s = std::chrono::duration<double>(clock.now() - start).count();
  if (options.on_event)
    options.on_event({"experiment", "stage_finished", -1, 0, stage_status_name(result.status), result.summary});
  return result;
}

std::string to_json(const ExperimentResult& r) {
  json::Json out = {{"status", stage_status_name(r.status)},
                    {"summary", r.summary},
                    {"successful_runs", r.successful_runs},
                    {"finished_by_model", r.finished_by_model},
                    {"early_completion_refused", r.early_completion_refused},
                    {"last_results_shown", r.last_results_shown},
                    {"turns", r.turns},
                    {"cost_usd", r.cost_usd},
                    {"wall_s", r.wall_s},
                    {"runs", json::Json::array()}};
  if (r.error)
    out["error"] = {{"code", error_code_name(r.error->code)}, {"message", r.error->to_string()}};
  for (const auto& run : r.runs) {
    json::Json j = {{"index", run.index},
                    {"outcome", run_outcome_name(run.outcome)},
                    {"run_dir", run.run_dir.string()},
                    {"environment", run.environment.string()},
                    {"sandbox_level", run.sandbox_level},
                    {"wall_s", run.wall_s},
                    {"attempts", json::Json::array()}};
    json::Json results = json::Json::object();
    for (const auto& [dataset, d] : run.results.datasets) {
      results[dataset]["means"] = d.means;
      if (!d.stderrs.empty()) results[dataset]["stderrs"] = d.stderrs;
    }
    j["results"] = results;
    for (const auto& a : run.attempts) {
      json::Json aj = {{"attempt", a.attempt},
                       {"kind", a.kind == AttemptKind::kExecuted ? "executed" : "unchanged_code"},
                       {"message", a.message},
                       {"code_sha256", a.code_sha256}};
      if (a.kind == AttemptKind::kExecuted) {
        aj["status"] = run_status_name(a.status);
        aj["exit_code"] = a.exit_code;
        aj["run_dir"] = a.run_dir.string();
        aj["sandbox_level"] = a.sandbox_level;
        aj["wall_s"] = a.wall_s;
        if (!a.error_signature.empty()) aj["error_signature"] = a.error_signature;
      }
      j["attempts"].push_back(aj);
    }
    out["runs"].push_back(j);
  }
  return json::dump(out, 2);
}

}  // namespace sci::experiment
