// The plot loop; see plot_stage.h. Like the experiment loop: turn, run, check, feed
// back, with the unchanged-code guard and a bounded number of attempts.
#include "experiment/plot_stage.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "experiment/result_files.h"
#include "prompts/prompts.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

std::vector<std::string> latex_figures(const stdfs::path& idea_dir) {
  auto tex = fs::read_file_beneath(idea_dir, "latex/template.tex", fs::kMaxSourceFileBytes);
  if (!tex.ok()) return {};
  std::set<std::string> names;
  // \includegraphics[opts]{name}; comments are stripped line by line first.
  static const std::regex kInclude(R"(\\includegraphics\s*(\[[^\]]*\])?\s*\{([^}]+)\})");
  for (auto line : str::split_lines(*tex)) {
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '%' && (i == 0 || line[i - 1] != '\\')) {
        line.resize(i);
        break;
      }
    }
    for (std::sregex_iterator it(line.begin(), line.end(), kInclude), end; it != end; ++it) {
      std::string name(str::trim((*it)[2].str()));
      std::string ext = stdfs::path(name).extension().string();
      if (ext.empty()) name += ".png";
      else if (str::to_lower(ext) != ".png") continue;
      // The LaTeX template lives in latex/ and reads figures from the idea directory.
      if (str::starts_with(name, "../")) name = name.substr(3);
      if (name.find('/') != std::string::npos) continue;
      names.insert(name);
    }
  }
  return {names.begin(), names.end()};
}

std::vector<std::pair<std::string, std::string>> png_fingerprints(const stdfs::path& idea_dir) {
  std::vector<std::pair<std::string, std::string>> out;
  auto listing = fs::list_dir_beneath(idea_dir, idea_dir);
  if (!listing.ok()) return out;
  for (const auto& e : listing->entries) {
    if (e.kind != fs::EntryKind::kFile || str::to_lower(stdfs::path(e.name).extension().string()) != ".png") continue;
    std::error_code f_ec;
    auto t = stdfs::last_write_time(idea_dir / e.name, f_ec).time_since_epoch().count();
    out.emplace_back(e.name, fmt::format("{}:{}", t, e.size_bytes));
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

class PlotLoop {
 public:
  PlotLoop(const PlotInputs& in, EditAgent& agent, ScriptRunner& runner, const PlotOptions& opt)
      : in_(in), agent_(agent), runner_(runner), opt_(opt) {}
  PlotResult run();

 private:
  Result<std::string> render(const std::string& name, std::map<std::string, std::string> vars) {
    return prompts::render("experiment/" + name, vars);
  }
  bool send(const std::string& instruction) {
    ++result_.turns;
    emit({"plot", "turn", -1, 0, "", fmt::format("turn {}", result_.turns)});
    auto turn = agent_.run(instruction);
    if (!turn.ok()) {
      stop(turn.error().with_context("plot stage"));
      return false;
    }
    result_.cost_usd += turn->cost_usd;
    return true;
  }
  void stop(Error e) {
    if (!result_.error) result_.error = std::move(e);
  }
  void emit(StageEvent e) {
    if (opt_.on_event) opt_.on_event(e);
  }
  bool cancelled() const { return opt_.cancel && opt_.cancel->load(); }
  int timeout_s() const { return opt_.timeout_s > 0 ? opt_.timeout_s : in_.manifest.plot_timeout_s; }
  std::string command() const {
    auto argv = templates::expand_command(in_.manifest, in_.manifest.plot_command, "");
    if (!argv.empty()) {
      std::string interp = stdfs::path(argv[0]).filename().string();
      if (str::starts_with(interp, "python")) argv[0] = "python";
    }
    return str::join(argv, " ");
  }

  const PlotInputs& in_;
  EditAgent& agent_;
  ScriptRunner& runner_;
  const PlotOptions& opt_;
  PlotResult result_;
};

std::string problems_text(const std::vector<FigureProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += fmt::format("- `{}` {}\n", p.file, p.problem);
  if (!out.empty()) out.pop_back();
  return out;
}

PlotResult PlotLoop::run() {
  const int attempts = std::max(1, opt_.attempts);
  ResultManifest manifest = scan_results(in_.idea_dir);
  result_.result_manifest = format_manifest(manifest);
  std::vector<std::string> expected_latex = latex_figures(in_.idea_dir);
  std::string latex_note = expected_latex.empty()
                               ? std::string("The LaTeX template includes no figure by name.")
                               : fmt::format("The LaTeX template includes these figures, so plot.py must write them "
                                             "(it may write more): {}.",
                                             str::join(expected_latex, ", "));
  std::vector<std::string> run_dirs;
  for (int r : manifest.runs) run_dirs.push_back(fmt::format("\"run_{}\"", r));
  auto prompt = render("plot", {{"manifest", result_.result_manifest},
                                {"run_dirs", str::join(run_dirs, ", ")},
                                {"latex_figures", latex_note},
                                {"command", command()},
                                {"timeout_s", std::to_string(timeout_s())}});
  std::string last_hash;  // plot.py content the last executed attempt ran with
  for (int attempt = 1;; ++attempt) {
    if (!prompt.ok()) {
      stop(prompt.error());
      break;
    }
    if (cancelled()) {
      stop(make_error(ErrorCode::kCancelled, "plot stage cancelled"));
      break;
    }
    if (!send(*prompt)) break;
    PlotAttempt rec;
    rec.attempt = attempt;
    auto code = fs::sha256_file(in_.idea_dir / "plot.py");
    std::string hash = code.ok() ? *code : "missing";
    if (!last_hash.empty() && hash == last_hash) {
      rec.kind = PlotAttemptKind::kUnchangedCode;
      rec.message = "plot.py unchanged since the last attempt; not run";
      result_.attempts.push_back(rec);
      emit({"plot", "plot_finished", -1, attempt, "unchanged_code", rec.message});
      if (attempt >= attempts) break;
      prompt = render("plot_unchanged", {{"attempt", std::to_string(attempt)}, {"attempts", std::to_string(attempts)}});
      continue;
    }
    last_hash = hash;
    auto before = png_fingerprints(in_.idea_dir);
    ScriptRequest request;
    request.idea_dir = in_.idea_dir;
    request.argv = templates::expand_command(in_.manifest, in_.manifest.plot_command, "");
    request.timeout_s = timeout_s();
    request.log_dir = in_.idea_dir / "attempts" / fmt::format("plot.{}", attempt);
    request.cpu_ids = opt_.cpu_ids;
    request.cancel = opt_.cancel;
    auto ran = runner_.run(in_.manifest, request);
    if (!ran.ok()) {
      stop(ran.error().with_context(fmt::format("plot attempt {}", attempt)));
      break;
    }
    rec.status = ran->status;
    rec.message = ran->message;
    rec.sandbox_level = ran->sandbox_level;
    rec.wall_s = ran->wall_s;
    std::map<std::string, std::string> vars = {{"attempt", std::to_string(attempt)},
                                               {"attempts", std::to_string(attempts)},
                                               {"message", ran->message},
                                               {"timeout_s", std::to_string(timeout_s())},
                                               {"stderr_tail", std::string(str::trim(str::tail_utf8(ran->stderr_tail, opt_.stderr_tail_chars)))},
                                               {"command", command()}};
    if (ran->status != ScriptStatus::kSucceeded) {
      result_.attempts.push_back(rec);
      emit({"plot", "plot_finished", -1, attempt, script_status_name(ran->status), ran->message});
      result_.problems = {{"plot.py", ran->message}};
      if (attempt >= attempts) break;
      prompt = render("plot_failed", vars);
      continue;
    }
    // Which figures to check: every PNG this attempt wrote, plus those the paper includes.
    auto after = png_fingerprints(in_.idea_dir);
    std::set<std::string> expected(expected_latex.begin(), expected_latex.end());
    for (const auto& [name, print] : after)
      if (std::find(before.begin(), before.end(), std::make_pair(name, print)) == before.end()) expected.insert(name);
    rec.figures.assign(expected.begin(), expected.end());
    FigureCheck check = check_figures(in_.idea_dir, rec.figures, opt_.blank_rule);
    if (rec.figures.empty()) check.problems.push_back({"plot.py", "ran without error but wrote no PNG file"});
    rec.problems = check.problems;
    result_.attempts.push_back(rec);
    result_.problems = check.problems;
    result_.figures.clear();
    for (const auto& f : check.figures) {
      bool bad = std::any_of(check.problems.begin(), check.problems.end(),
                             [&](const FigureProblem& p) { return p.file == f; });
      if (!bad) result_.figures.push_back(f);
    }
    emit({"plot", "figures_checked", -1, attempt, check.problems.empty() ? "succeeded" : "figure_problems",
          fmt::format("{} figure(s) fine, {} problem(s)", result_.figures.size(), check.problems.size())});
    if (check.problems.empty()) break;
    if (attempt >= attempts) break;
    vars["problems"] = problems_text(check.problems);
    vars["manifest"] = result_.result_manifest;
    prompt = render("plot_figures", vars);
  }
  if (!result_.figures.empty() && result_.problems.empty() && !result_.error) {
    result_.status = StageStatus::kCompleted;
  } else if (!result_.figures.empty()) {
    result_.status = StageStatus::kPartial;
  } else {
    result_.status = StageStatus::kFailed;
  }
  std::string tail;
  if (!result_.problems.empty())
    tail = fmt::format("; {} problem(s) left, first: {} {}", result_.problems.size(), result_.problems[0].file,
                       result_.problems[0].problem);
  if (result_.error) tail += "; stopped: " + result_.error->to_string();
  result_.summary = fmt::format("{}: {} figure(s) after {} attempt(s){}", stage_status_name(result_.status),
                                result_.figures.size(), result_.attempts.size(), tail);
  return std::move(result_);
}

}  // namespace

Result<PlotResult> run_plot(const PlotInputs& inputs, EditAgent& agent, ScriptRunner& runner,
                            const PlotOptions& options, time::Clock& clock) {
  std::error_code ec;
  if (!stdfs::exists(inputs.idea_dir / "plot.py", ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{} missing: the template must provide plot.py",
                                                        (inputs.idea_dir / "plot.py").string()));
  agent.set_stage("plot");
  SCI_TRY(agent.set_chat_files({"plot.py", "notes.txt"}));
  auto start = clock.now();
  PlotLoop loop(inputs, agent, runner, options);
  PlotResult result = loop.run();
  result.wall_s = std::chrono::duration<double>(clock.now() - start).count();
  if (options.on_event) options.on_event({"plot", "stage_finished", -1, 0, stage_status_name(result.status), result.summary});
  return result;
}

std::string to_json(const PlotResult& r) {
  json::Json out = {{"status", stage_status_name(r.status)}, {"summary", r.summary},     {"figures", r.figures},
                    {"turns", r.turns},                       {"cost_usd", r.cost_usd},   {"wall_s", r.wall_s},
                    {"result_manifest", r.result_manifest},   {"problems", json::Json::array()},
                    {"attempts", json::Json::array()}};
  for (const auto& p : r.problems) out["problems"].push_back({{"file", p.file}, {"problem", p.problem}});
  if (r.error) out["error"] = {{"code", error_code_name(r.error->code)}, {"message", r.error->to_string()}};
  for (const auto& a : r.attempts) {
    json::Json aj = {{"attempt", a.attempt},
                     {"kind", a.kind == PlotAttemptKind::kExecuted ? "executed" : "unchanged_code"},
                     {"message", a.message}};
    if (a.kind == PlotAttemptKind::kExecuted) {
      aj["status"] = script_status_name(a.status);
      aj["figures"] = a.figures;
      aj["sandbox_level"] = a.sandbox_level;
      aj["wall_s"] = a.wall_s;
      aj["problems"] = json::Json::array();
      for (const auto& p : a.problems) aj["problems"].push_back({{"file", p.file}, {"problem", p.problem}});
    }
    out["attempts"].push_back(aj);
  }
  return json::dump(out, 2);
}

}  // namespace sci::experiment
