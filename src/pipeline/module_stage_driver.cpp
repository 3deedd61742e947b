// ModuleStageDriver: the StageDriver that calls the research modules. It owns the
// run's shared clients (one LLM client per role behind one budget guard, the
// literature engine, the sandboxed run executor) and turns each module's result into
// a StageResult. LLM calls are recorded in the store as they happen.
#include "pipeline/module_stage_driver.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "coder/coder.h"
#include "exec/executor.h"
#include "experiment/idea.h"
#include "experiment/local_run_executor.h"
#include "experiment/prepare.h"
#include "experiment/stages.h"
#include "http/transport.h"
#include "ideas/ideas.h"
#include "latex/build.h"
#include "literature/engines.h"
#include "literature/local_library.h"
#include "llm/factory.h"
#include "llm/journal.h"
#include "novelty/novelty.h"
#include "pipeline/clients.h"
#include "pipeline/run_store.h"
#include "proc/sandbox.h"
#include "review/paper_text.h"
#include "review/reviewer.h"
#include "templates/baseline.h"
#include "templates/manifest.h"
#include "writeup/writeup.h"

namespace sci::pipeline {
namespace {

Result<std::vector<IdeaSpec>> ideas_from_file(const std::filesystem::path& path, int limit) {
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse_file(path.string()));
  if (!j.is_array()) j = json::Json::array({j});
  std::vector<IdeaSpec> out;
  for (const auto& e : j) {
    if (static_cast<int>(out.size()) >= limit) break;
    SCI_ASSIGN_OR_RETURN(experiment::Idea idea, experiment::parse_idea(json::dump(e), path.string()));
    out.push_back({idea.name, idea.title, json::dump(e)});
  }
  if (out.empty())
    return make_error(ErrorCode::kInvalidArgument, fmt::format("--ideas {}: no ideas in the file", path.string()));
  return out;
}

// Serialises searches: engines share one database connection and rate limiter.
class LockedLiterature final : public literature::LiteratureClient {
 public:
  explicit LockedLiterature(std::unique_ptr<literature::LiteratureClient> inner) : inner_(std::move(inner)) {}
  Result<std::vector<literature::Paper>> search(const literature::SearchQuery& query) override {
    std::lock_guard lock(mu_);
    return inner_->search(query);
  }
  std::string engine_name() const override { return inner_->engine_name(); }

 private:
  std::mutex mu_;
  std::unique_ptr<literature::LiteratureClient> inner_;
};

Outcome outcome_of(experiment::StageStatus s) {
  switch (s) {
    case experiment::StageStatus::kCompleted: return Outcome::kOk;
    case experiment::StageStatus::kPartial: return Outcome::kPartial;
    case experiment::StageStatus::kFailed: return Outcome::kFailed;
  }
  return Outcome::kFailed;
}

class ModuleStageDriver final : public ModuleDriver {
 public:
  ModuleStageDriver(RunRequest request, config::Config config, EventSink& events)
      : request_(std::move(request)), config_(std::move(config)), events_(events) {}

  // Everything that can fail before the first paid call.
  Status init() {
    SCI_ASSIGN_OR_RETURN(manifest_, templates::load_manifest(request_.template_dir));
    SCI_ASSIGN_OR_RETURN(db_, store::Database::open(request_.batch_dir / "scientist.db"));
    SCI_TRY(run_store::migrate(*db_));
    spent_before_ = run_store::total_llm_cost(*db_);

    // The baseline run_0 (built once per template and reused while experiment.py is unchanged).
    if (!templates::baseline_is_current(request_.template_dir)) {
      events_.emit({EventKind::kProgress, "", "", "baseline", "running the template's baseline (run_0)", 0});
      templates::BaselineOptions baseline_options;
      baseline_options.cancel = cancel_;
      SCI_ASSIGN_OR_RETURN(templates::BaselineResult baseline, templates::run_baseline(manifest_, baseline_options));
      events_.emit({EventKind::kProgress, "", "", "baseline",
                    fmt::format("baseline done in {:.1f} s", baseline.info.run_wall_s), 0});
    }

    transport_ = std::shared_ptr<http::HttpTransport>(http::make_curl_transport());
    if (!request_.replay.empty()) SCI_TRY(config_.set("llm.replay", request_.replay.string(), config::Source::kFlag));
    budget_ = llm::make_budget_guard(config_, spent_before_);
    SCI_ASSIGN_OR_RETURN(journal_, llm::CallJournal::open(request_.batch_dir / "llm_journal.jsonl"));
    for (const char* role : {"ideas", "coder", "writer", "citations", "reviewer"}) {
      llm::ClientOptions options;
      options.transport = transport_;
      options.budget = budget_;
      options.sink = [this](const llm::CallRecord& record) { record_call(record); };
      options.cancel = cancel_;
      SCI_ASSIGN_OR_RETURN(auto client, llm::make_client_for_role(config_, role, options));
      clients_[role] = std::make_shared<llm::JournalClient>(std::move(client), journal_);
    }

    if (!request_.no_literature) {
      literature::EngineOptions lit = engine_options_from_config(config_);
      lit.transport = transport_.get();
      lit.db = db_.get();
      if (lit.engine.find("local") != std::string::npos) {
        if (manifest_.literature_bib.empty())
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("--engine local: template {} has no local literature (literature = in "
                                        "template.toml)",
                                        manifest_.name));
        SCI_ASSIGN_OR_RETURN(int indexed, literature::index_library_file(*db_, manifest_.dir / manifest_.literature_bib));
        log::info("local library: {} entries from {}", indexed, manifest_.literature_bib);
      }
      SCI_ASSIGN_OR_RETURN(auto client, literature::make_client(lit));
      literature_ = std::make_unique<LockedLiterature>(std::move(client));
    }

    experiment::LocalRunExecutorOptions exec;
    SCI_ASSIGN_OR_RETURN(exec.sandbox, proc::parse_sandbox_request(config_.get_string("sandbox.level")));
    exec.unsafe = request_.unsafe_no_sandbox ? proc::UnsafeNoSandbox::kYes : proc::UnsafeNoSandbox::kNo;
    exec.memory_mb = static_cast<int>(config_.get_int("sandbox.memory_mb"));
    exec.disk_quota_mb = static_cast<int>(config_.get_int("sandbox.disk_quota_mb"));
    exec.max_processes = static_cast<int>(config_.get_int("sandbox.max_processes"));
    exec.max_files = static_cast<std::uint64_t>(std::max<std::int64_t>(0, config_.get_int("sandbox.max_files")));
    exec.network = config_.get_string("sandbox.network") == "on" ? proc::NetworkAccess::kOn : proc::NetworkAccess::kOff;
    exec.max_output_mb = static_cast<std::uint64_t>(config_.get_int("sandbox.max_output_mb"));
    exec.kill_grace_s = static_cast<int>(config_.get_int("sandbox.kill_grace_s"));
    exec.uid_base = static_cast<int>(config_.get_int("sandbox.uid_base"));
    exec.scratch_dir = config_.get_string("sandbox.scratch_dir");
    if (!config_.file_path().empty()) exec.hidden_paths.push_back(config_.file_path());
    SCI_ASSIGN_OR_RETURN(executor_, experiment::make_local_run_executor(exec));
    // Code-running stages hold a slot: one GPU each when the machine has GPUs
    // (exec.gpus, else nvidia-smi), otherwise one of exec.parallel CPU slots.
    exec::LocalExecutorOptions slots;
    slots.gpus = exec::resolve_gpus(config_.get_string("exec.gpus"));
    slots.parallel = static_cast<int>(std::max<std::int64_t>(1, config_.get_int("exec.parallel")));
    slots_ = std::make_unique<exec::LocalExecutor>(slots);
    if (!slots.gpus.empty()) log::info("GPUs for experiments: {}", str::join(slots.gpus, ","));
    if (slots_->capacity() > 1) {
      std::vector<std::string> shares;
      for (const auto& slot : slots_->slots()) {
        std::vector<std::string> ids;
        for (int id : slot.cpu_ids) ids.push_back(std::to_string(id));
        shares.push_back(str::join(ids, ","));
      }
      log::info("experiment slots pinned to CPUs: {}", str::join(shares, " | "));
    }
    SCI_ASSIGN_OR_RETURN(script_runner_, experiment::make_sandbox_script_runner(exec));
    return ok_status();
  }

  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  Result<std::vector<IdeaSpec>> generate_ideas(int num_ideas) override {
    if (!request_.ideas_file.empty()) return ideas_from_file(request_.ideas_file, num_ideas);
    SCI_ASSIGN_OR_RETURN(ideas::TemplateInfo info, ideas::load_template_info(request_.template_dir));
    ideas::GenerateOptions options;
    options.num_ideas = num_ideas;
    options.reflections = static_cast<int>(config_.get_int("ideas.reflections"));
    options.temperature = config_.get_double("llm.temperature");
    options.max_output_tokens = static_cast<int>(config_.get_int("llm.max_output_tokens"));
    options.archive_path = request_.batch_dir / "ideas.json";
    // first_turn stays -1: generation continues after the turns recorded in the archive.
    std::lock_guard lock(archive_mu_);
    SCI_ASSIGN_OR_RETURN(ideas::GenerateReport report,
                         ideas::generate_ideas(*clients_["ideas"], info, options, [this](const ideas::Idea& idea) {
                           events_.emit({EventKind::kProgress, "", idea.name, "ideas", "new idea: " + idea.title, 0});
                         }));
    for (const auto& reason : report.dropped) log::warn("idea dropped: {}", reason);
    std::vector<IdeaSpec> out;
    for (const auto& idea : report.archive) {
      bool seed = std::any_of(info.seeds.begin(), info.seeds.end(),
                              [&](const ideas::Idea& s) { return s.name == idea.name; });
      if (!seed && static_cast<int>(out.size()) < num_ideas)
        out.push_back({idea.name, idea.title, ideas::idea_to_json(idea)});
    }
    return out;
  }

  Result<std::string> check_novelty(const IdeaSpec& spec) override {
    if (request_.no_literature || !literature_) return std::string(novelty::kUnchecked);
    novelty::NoveltyOptions options;
    options.rounds = static_cast<int>(config_.get_int("novelty.rounds"));
    options.temperature = config_.get_double("llm.temperature");
    options.max_output_tokens = static_cast<int>(config_.get_int("llm.max_output_tokens"));
    if (auto info = ideas::load_template_info(request_.template_dir); info.ok())
      options.task_description = info->task_description;
    novelty::IdeaForCheck idea{spec.name, spec.title, spec.json};
    SCI_ASSIGN_OR_RETURN(novelty::Verdict verdict,
                         novelty::check_novelty(*clients_["ideas"], *literature_, idea, options));
    SCI_TRY(fs::write_file_atomic(request_.batch_dir / "novelty" / (spec.name + ".json"),
                                  novelty::verdict_to_json(idea, verdict)));
    events_.emit({EventKind::kProgress, "", spec.name, "novelty", verdict.status + ": " + verdict.reason, 0});
    return verdict.status;
  }

  Result<std::filesystem::path> prepare_idea(const IdeaSpec& spec) override {
    SCI_ASSIGN_OR_RETURN(experiment::Idea idea, experiment::parse_idea(spec.json, spec.name));
    SCI_ASSIGN_OR_RETURN(experiment::PreparedIdea prepared,
                         experiment::prepare_idea_in(request_.template_dir, idea, request_.batch_dir));
    return prepared.idea_dir;
  }

  Result<StageResult> run_stage(Stage stage, const IdeaState& state, const std::atomic<bool>& cancel) override {
    switch (stage) {
      case Stage::kExperiment:
      case Stage::kPlot:
      case Stage::kNotes: return run_experiment_stage(stage, state, cancel);
      case Stage::kWriteup: return run_writeup_stage(state, cancel, "");
      case Stage::kReview: return run_review_stage(state);
      case Stage::kImprove: return run_improve_stage(state, cancel);
      default: break;
    }
    return make_error(ErrorCode::kInternal, fmt::format("no stage {}", stage_name(stage)));
  }

  void record_outcome(const IdeaState& state) override {
    double score = state.next == Stage::kDone && state.review_overall >= 0 ? state.review_overall : 0;
    std::lock_guard lock(archive_mu_);
    if (auto st = ideas::record_score(request_.batch_dir / "ideas.json", state.name, score); !st.ok())
      log::warn("open-ended archive: {}", st.error().to_string());
  }

  void on_state_saved(const IdeaState& state) override {
    if (auto st = run_store::save_idea(*db_, state); !st.ok()) log::warn("store: {}", st.error().to_string());
  }

  double total_cost_usd() const override {
    std::lock_guard lock(cost_mu_);
    return spent_now_;
  }

  std::string estimate(int num_ideas) const override {
    // Calls per idea at the configured rounds; the cost range assumes 6k input and
    // 1.5k output tokens per call at the coder model's price.
    auto i = [&](const char* key) { return static_cast<double>(config_.get_int(key)); };
    double per_idea = (1 + i("ideas.reflections")) + (request_.no_literature ? 0 : i("novelty.rounds") / 2) +
                      i("experiment.max_runs") * 1.5 + 2 + 1 + 10 + (request_.no_literature ? 0 : i("writeup.cite_rounds") / 2) +
                      i("review.ensemble") + i("review.reflections");
    double calls = per_idea * num_ideas;
    if (!request_.replay.empty())
      return fmt::format("estimate: about {:.0f} LLM calls for {} ideas, $0 (replayed from the cassette)", calls,
                         num_ideas);
    double budget = config_.get_double("budget.usd");
    return fmt::format("estimate: about {:.0f} LLM calls for {} ideas; budget cap {}", calls, num_ideas,
                       budget > 0 ? fmt::format("${:.2f}", budget) : std::string("none (set --budget-usd)"));
  }

  std::string llm_description() const override {
    if (!request_.replay.empty())
      return fmt::format("replaying {} (no provider is called; to run live, drop --replay and set --model and the "
                         "provider's API key)",
                         request_.replay.string());
    return fmt::format("live, model {}", config_.get_string("llm.model"));
  }

 private:
  void record_call(const llm::CallRecord& record) {
    {
      std::lock_guard lock(cost_mu_);
      spent_now_ += record.cost_usd;
    }
    if (auto st = run_store::record_llm_call(*db_, record); !st.ok()) log::warn("store: {}", st.error().to_string());
  }

  Result<coder::Coder> make_coder(const IdeaState& state, const char* role, const std::string& stage,
                                  std::vector<std::string> files, int base_turn = 0) {
    coder::CoderOptions options;
    options.temperature = config_.get_double("llm.temperature");
    options.max_output_tokens = static_cast<int>(config_.get_int("llm.max_output_tokens"));
    options.tag = llm::CallTag{state.name, stage, role, base_turn};
    return coder::Coder::create(*clients_[role], state.dir, std::move(files), options);
  }

  experiment::EventCallback stage_events(const IdeaState& state) {
    return [this, name = state.name, cost = state.cost_usd](const experiment::StageEvent& e) {
      events_.emit({EventKind::kProgress, "", name, e.stage, e.message, cost});
    };
  }

  // A stage always starts from the files its first call saw: the experiment stage from
  // the code of the last successful run (run_N.py) or the template's, the plot stage
  // from the template's plot.py, the writeup from the template's paper. A stage cut
  // off by a crash therefore replays its journalled replies onto the same files. The
  // one exception: a run cut off mid-way (run_N.py written, run_N/final_info.json not)
  // keeps its code, which is executed again without asking the model (returns true).
  Result<bool> restore_stage_files(Stage stage, const IdeaState& state) {
    std::filesystem::path file, source;
    bool pending_run = false;
    std::error_code ec;
    if (stage == Stage::kExperiment) {
      file = state.dir / "experiment.py";
      int done = experiment::completed_runs_on_disk(state.dir);
      auto pending = state.dir / fmt::format("run_{}.py", done + 1);
      pending_run = done < config_.get_int("experiment.max_runs") && std::filesystem::exists(pending, ec);
      source = pending_run ? pending
               : done > 0  ? state.dir / fmt::format("run_{}.py", done)
                           : request_.template_dir / "experiment.py";
      // Once a run exists, notes.txt holds what the turns before it wrote: kept.
      SCI_TRY(restore_notes(stage, state, done == 0 && !pending_run));
    } else if (stage == Stage::kPlot) {
      SCI_TRY(restore_notes(stage, state, true));
      file = state.dir / "plot.py";
      source = request_.template_dir / "plot.py";
    } else if (stage == Stage::kNotes) {
      SCI_TRY(restore_notes(stage, state, true));
      return false;
    } else if (stage == Stage::kWriteup) {
      // The paper and its bibliography (citations added by an interrupted writeup).
      for (const auto& e : std::filesystem::directory_iterator(request_.template_dir / "latex", ec)) {
        if (!e.is_regular_file()) continue;
        SCI_TRY(restore_file(state, state.dir / "latex" / e.path().filename(), e.path()));
      }
      return false;
    } else {
      return false;
    }
    SCI_TRY(restore_file(state, file, source));
    return pending_run;
  }

  // notes.txt, which the experiment, plot and notes stages all edit, as `stage` first
  // found it: kept in attempts/ until the stage ends, so a stage cut off mid-way starts
  // again from the notes its first call saw.
  static std::filesystem::path notes_at_stage_start(Stage stage, const IdeaState& state) {
    return state.dir / "attempts" / fmt::format("notes_at_{}_start.txt", stage_name(stage));
  }

  // First start of `stage`: keeps a copy of notes.txt. A later start with `restart`:
  // puts that copy back.
  Status restore_notes(Stage stage, const IdeaState& state, bool restart) {
    auto copy = notes_at_stage_start(stage, state);
    std::error_code ec;
    if (std::filesystem::exists(copy, ec)) return restart ? restore_file(state, state.dir / "notes.txt", copy) : ok_status();
    auto notes = fs::read_file_beneath(state.dir, "notes.txt", fs::kMaxSourceFileBytes);
    if (!notes.ok()) return ok_status();  // no notes yet (or not a regular file): the stage reports it
    std::filesystem::create_directories(copy.parent_path(), ec);
    return fs::write_file_atomic(copy, *notes);
  }

  // Makes `file` a copy of `source` (when the source exists and they differ).
  Status restore_file(const IdeaState& state, const std::filesystem::path& file, const std::filesystem::path& source) {
    std::error_code ec;
    if (!std::filesystem::exists(source, ec)) return ok_status();
    // Both may sit in the idea directory, which runs write: no link is followed there.
    const bool source_in_idea = fs::is_within(source, state.dir);
    SCI_ASSIGN_OR_RETURN(std::string want, source_in_idea
                                               ? fs::read_file_beneath(state.dir, source, fs::kMaxSourceFileBytes)
                                               : fs::read_file(source));
    SCI_TRY(fs::check_no_links_beneath(state.dir, file));
    auto have = fs::read_file_beneath(state.dir, file, fs::kMaxSourceFileBytes);
    if (have.ok() && *have == want) return ok_status();
    log::info("{}: restoring {} to its state at the start of the stage", state.name, file.filename().string());
    return fs::write_file_atomic(file, want);
  }

  Result<StageResult> run_experiment_stage(Stage stage, const IdeaState& state, const std::atomic<bool>& cancel) {
    SCI_ASSIGN_OR_RETURN(bool pending_run, restore_stage_files(stage, state));
    // Turns continue after those already journalled, so a resumed experiment asks for
    // the next turn rather than the first one again.
    // A stage with no run on disk yet starts over from turn 1 (its journalled replies are
    // served again for the identical prompts).
    bool runs_on_disk = pending_run || experiment::completed_runs_on_disk(state.dir) > 0;
    int base_turn = stage == Stage::kExperiment && runs_on_disk
                        ? journal_->last_turn(state.name, stage_name(stage), "coder")
                        : 0;
    SCI_ASSIGN_OR_RETURN(coder::Coder coder,
                         make_coder(state, "coder", stage_name(stage), {"experiment.py"}, base_turn));
    experiment::CoderAgent agent(coder, llm::CallTag{state.name, stage_name(stage), "coder", base_turn});
    agent.set_stage(stage_name(stage));
    experiment::StageContext ctx;
    // Held for the whole stage: the model's turns between runs are short, and the GPU
    // must not change between the runs of one idea.
    exec::LocalExecutor::Lease slot = slots_->acquire();
    ctx.gpus = slot.slot().gpus;
    // Several slots: each runs on its own share of the CPUs (thread pools sized to it).
    // One slot: no pinning, the run sees the machine as it is.
    if (slots_->capacity() > 1) ctx.cpu_ids = slot.slot().cpu_ids;
    ctx.idea_dir = state.dir;
    ctx.manifest = &manifest_;
    ctx.agent = &agent;
    ctx.executor = executor_.get();
    ctx.script_runner = script_runner_.get();
    ctx.settings = experiment::settings_from_config(config_);
    ctx.settings.experiment.execute_first = pending_run;
    ctx.on_event = stage_events(state);
    ctx.cancel = &cancel;
    Result<experiment::StageOutcome> outcome = stage == Stage::kExperiment ? experiment::run_experiment_stage(ctx)
                                               : stage == Stage::kPlot     ? experiment::run_plot_stage(ctx)
                                                                           : experiment::run_notes_stage(ctx);
    if (!outcome.ok()) return outcome.error();
    std::error_code ec;
    if (!cancel.load()) std::filesystem::remove(notes_at_stage_start(stage, state), ec);  // Ctrl-C: resumed
    StageResult r;
    r.outcome = outcome_of(outcome->status);
    // A failed plot or notes stage does not fail the idea: the writeup goes on without it.
    if (stage != Stage::kExperiment && r.outcome == Outcome::kFailed) r.outcome = Outcome::kPartial;
    r.message = outcome->message;
    r.cost_usd = outcome->cost_usd;
    return r;
  }

  Result<StageResult> run_writeup_stage(const IdeaState& state, const std::atomic<bool>& cancel,
                                        const std::string& feedback) {
    if (feedback.empty()) SCI_TRY(restore_stage_files(Stage::kWriteup, state));
    const char* stage = feedback.empty() ? "writeup" : "improve";
    SCI_ASSIGN_OR_RETURN(coder::Coder coder, make_coder(state, "writer", stage, {"latex/template.tex"}));
    writeup::CoderPaperEditor editor(coder);
    writeup::WriteupContext ctx;
    ctx.idea_dir = state.dir;
    ctx.manifest = &manifest_;
    ctx.editor = &editor;
    ctx.llm = clients_["citations"].get();
    ctx.literature = literature_.get();
    ctx.idea_name = state.name;
    ctx.idea_title = state.title;
    ctx.tag = llm::CallTag{state.name, stage, "writer", 0};
    ctx.options = writeup_options_from_config(config_);
    writeup::WriteupOptions& o = ctx.options;
    o.pdf = request_.no_pdf ? writeup::PdfMode::kSkip : writeup::PdfMode::kBuild;
    o.literature = literature_ ? writeup::LiteratureMode::kSearch : writeup::LiteratureMode::kTemplateOnly;
    o.feedback = feedback;
    SCI_ASSIGN_OR_RETURN(o.tools, tool_sandbox());
    ctx.on_event = [this, name = state.name](const writeup::WriteupEvent& e) {
      events_.emit({EventKind::kProgress, "", name, "writeup", e.phase + ": " + e.message, 0});
    };
    ctx.cancel = &cancel;
    SCI_ASSIGN_OR_RETURN(writeup::WriteupOutcome out, writeup::run_writeup(ctx));
    StageResult r;
    r.cost_usd = out.cost_usd;
    if (request_.no_pdf) {
      r.paper = std::filesystem::relative(out.tex, state.dir).string();
    } else if (out.pdf_built) {
      r.paper = std::filesystem::relative(out.pdf, state.dir).string();
    } else {
      r.outcome = Outcome::kFailed;
      r.message = "the paper did not compile: " +
                  (out.remaining_problems.empty() ? std::string("see latex/attempts/") : out.remaining_problems.front());
      return r;
    }
    r.outcome = out.remaining_problems.empty() ? Outcome::kOk : Outcome::kPartial;
    r.message = fmt::format("{} pages, {} references, {} unsupported numbers, {} other findings", out.pages,
                            out.references, out.integrity.unsupported.size(),
                            out.integrity.problem_count() - out.integrity.unsupported.size());
    return r;
  }

  // LaTeX and poppler run over model-written files in the run's own sandbox setting.
  Result<proc::ToolSandbox> tool_sandbox() const {
    return tool_sandbox_from_config(config_, request_.unsafe_no_sandbox);
  }

  // After a --pause-at draft the user may have edited latex/template.tex: the PDF is
  // rebuilt when the source is newer, so the review reads what the user approved.
  Status rebuild_edited_draft(const IdeaState& state) {
    if (request_.no_pdf || state.paper.empty() || std::filesystem::path(state.paper).extension() != ".pdf")
      return ok_status();
    std::error_code ec;
    auto tex = state.dir / "latex" / "template.tex";
    auto pdf = state.dir / state.paper;
    if (!std::filesystem::exists(pdf, ec) || !std::filesystem::exists(tex, ec) ||
        std::filesystem::last_write_time(tex, ec) <= std::filesystem::last_write_time(pdf, ec))
      return ok_status();
    events_.emit({EventKind::kProgress, "", state.name, "review", "latex/template.tex was edited: rebuilding the PDF", 0});
    latex::BuildOptions options;
    options.dir = state.dir / "latex";
    options.timeout_s = static_cast<int>(config_.get_int("writeup.latex_timeout_s"));
    options.attempts_dir = state.dir / "latex" / "attempts";
    options.figures_dir = state.dir;
    SCI_ASSIGN_OR_RETURN(options.sandbox, tool_sandbox());
    SCI_ASSIGN_OR_RETURN(latex::BuildResult built, latex::build_paper(options));
    if (!built.success)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the edited latex/template.tex of {} does not compile (see {}): fix it, then "
                                    "`scientist resume`",
                                    state.name, built.attempt_dir.string()));
    SCI_TRY(fs::check_no_links_beneath(state.dir, pdf));
    return fs::copy_file_beneath(options.dir, built.pdf, pdf, fs::kMaxPdfBytes);
  }

  Result<StageResult> run_review_stage(const IdeaState& state, const char* stage = "review") {
    SCI_TRY(rebuild_edited_draft(state));
    review::PaperOptions paper_options;
    std::filesystem::path paper = state.paper.empty() ? state.dir : state.dir / state.paper;
    SCI_ASSIGN_OR_RETURN(review::PaperInput input, review::load_paper(paper, paper_options));
    review::ReviewerOptions options;
    options.ensemble = static_cast<int>(config_.get_int("review.ensemble"));
    options.reflections = static_cast<int>(config_.get_int("review.reflections"));
    options.few_shot = static_cast<int>(config_.get_int("review.few_shot"));
    options.temperature = config_.get_double("review.temperature");
    options.ensemble_temperature = config_.get_double("review.ensemble_temperature");
    options.max_output_tokens = static_cast<int>(config_.get_int("llm.max_output_tokens"));
    options.idea = state.name;
    options.stage = stage;
    review::Reviewer reviewer(*clients_["reviewer"], options);
    SCI_ASSIGN_OR_RETURN(review::ReviewReport report, reviewer.review(input));
    SCI_TRY(review::write_review_files(report, state.dir));
    StageResult r;
    r.cost_usd = report.cost_usd;
    r.review_overall = report.review.overall;
    r.review_decision = review::decision_name(report.review.decision);
    r.message = review::score_line(report);
    return r;
  }

  // The improvement round: the writer revises the paper with the review as feedback,
  // then the revised paper is reviewed again (review.json is kept as review_0.json).
  Result<StageResult> run_improve_stage(const IdeaState& state, const std::atomic<bool>& cancel) {
    SCI_ASSIGN_OR_RETURN(std::string feedback, fs::read_file(state.dir / "review.txt"));
    std::error_code ec;
    std::filesystem::copy_file(state.dir / "review.json", state.dir / "review_0.json",
                               std::filesystem::copy_options::overwrite_existing, ec);
    SCI_ASSIGN_OR_RETURN(StageResult written, run_writeup_stage(state, cancel, feedback));
    if (written.outcome == Outcome::kFailed) return written;
    IdeaState revised = state;
    revised.paper = written.paper;
    SCI_ASSIGN_OR_RETURN(StageResult reviewed, run_review_stage(revised, "improve"));
    reviewed.cost_usd += written.cost_usd;
    reviewed.paper = written.paper;
    return reviewed;
  }

  RunRequest request_;
  config::Config config_;
  EventSink& events_;
  const std::atomic<bool>* cancel_ = nullptr;
  templates::Manifest manifest_;
  std::unique_ptr<store::Database> db_;
  std::shared_ptr<http::HttpTransport> transport_;
  std::shared_ptr<llm::BudgetGuard> budget_;
  std::shared_ptr<llm::CallJournal> journal_;
  std::map<std::string, std::shared_ptr<llm::LlmClient>> clients_;
  std::unique_ptr<literature::LiteratureClient> literature_;
  std::unique_ptr<experiment::RunExecutor> executor_;
  std::unique_ptr<experiment::ScriptRunner> script_runner_;
  std::unique_ptr<exec::LocalExecutor> slots_;
  mutable std::mutex cost_mu_;
  std::mutex archive_mu_;  // ideas.json: generation and open-ended scores
  double spent_before_ = 0;
  double spent_now_ = 0;
};

}  // namespace

Result<std::unique_ptr<ModuleDriver>> make_module_stage_driver(const RunRequest& request, const config::Config& config,
                                                               EventSink& events, const std::atomic<bool>* cancel) {
  auto driver = std::make_unique<ModuleStageDriver>(request, config, events);
  driver->set_cancel(cancel);
  SCI_TRY(driver->init());
  return std::unique_ptr<ModuleDriver>(std::move(driver));
}

}  // namespace sci::pipeline
