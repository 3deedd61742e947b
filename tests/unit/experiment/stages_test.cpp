// Stage entry points: settings from config, details files, resume, batch-stopping errors.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/json.h"
#include "experiment/prepare.h"
#include "experiment/stages.h"
#include "support/experiment_fake_run_executor.h"
#include "support/experiment_fake_script_runner.h"
#include "support/experiment_scripted_agent.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

using testing::FakeRunExecutor;
using testing::FakeScriptRunner;
using testing::ScriptedAgent;

constexpr const char* kResults = R"({"moons": {"means": {"acc": 0.95}}})";

struct StageFixture {
  explicit StageFixture(const std::string& name) : dir(sci::testing::fresh_temp_dir(name)), agent(dir) {
    EXPECT_TRUE(fs::write_file_atomic(dir / "experiment.py", "print(1)\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "plot.py", "labels = {}\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: t\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "run_0/final_info.json", R"({"moons": {"means": {"acc": 0.9}}})").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "idea.json", idea_to_json(Idea{"wide", "Wide MLP", "Widen it.", 1, 1, 1})).ok());
    manifest.dir = dir;
    ctx.idea_dir = dir;
    ctx.manifest = &manifest;
    ctx.agent = &agent;
    ctx.executor = &executor;
    ctx.script_runner = &runner;
    ctx.settings = settings_from_config(config::Config::defaults());
    ctx.on_event = [this](const StageEvent& e) { events.push_back(e); };
  }
  std::filesystem::path dir;
  ScriptedAgent agent;
  FakeRunExecutor executor;
  FakeScriptRunner runner;
  templates::Manifest manifest;
  StageContext ctx;
  std::vector<StageEvent> events;
};

TEST(Stages, SettingsComeFromConfigAndDefaultTimeoutsDeferToTheManifest) {
  auto config = config::Config::defaults();
  auto s = settings_from_config(config);
  EXPECT_EQ(s.experiment.max_runs, 5);
  EXPECT_EQ(s.experiment.attempts_per_run, 4);
  EXPECT_EQ(s.experiment.stderr_tail_chars, 1500u);
  EXPECT_EQ(s.experiment.run_timeout_s, 0);
  EXPECT_EQ(s.plot.attempts, 4);
  EXPECT_EQ(s.plot.timeout_s, 0);
  ASSERT_TRUE(config.set("experiment.run_timeout_s", "90").ok());
  ASSERT_TRUE(config.set("experiment.max_runs", "2").ok());
  ASSERT_TRUE(config.set("experiment.plot_timeout_s", "30").ok());
  s = settings_from_config(config);
  EXPECT_EQ(s.experiment.run_timeout_s, 90);
  EXPECT_EQ(s.experiment.max_runs, 2);
  EXPECT_EQ(s.plot.timeout_s, 30);
}

TEST(Stages, ExperimentStageWritesItsDetailsAndEmitsRunEvents) {
  StageFixture f("stages_experiment");
  f.ctx.settings.experiment.max_runs = 1;
  f.agent.push_edit("run 1");
  f.executor.push_success(kResults);
  f.agent.push_reply("notes");
  auto r = run_experiment_stage(f.ctx);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, StageStatus::kCompleted);
  EXPECT_EQ(r->details_path, f.dir / "experiment_result.json");
  auto details = json::parse_file(r->details_path.string());
  ASSERT_TRUE(details.ok());
  EXPECT_EQ((*details)["runs"][0]["outcome"], "succeeded");
  EXPECT_EQ((*details)["runs"][0]["attempts"][0]["sandbox_level"], "fake");
  bool started = false, finished = false;
  for (const auto& e : f.events) {
    if (e.kind == "run_started" && e.run == 1) started = true;
    if (e.kind == "run_finished" && e.run == 1 && e.status == "succeeded") finished = true;
  }
  EXPECT_TRUE(started);
  EXPECT_TRUE(finished);
  EXPECT_EQ(f.events.back().kind, "stage_finished");
}

TEST(Stages, ExperimentStageResumesAfterRunsOnDisk) {
  StageFixture f("stages_resume");
  ASSERT_TRUE(fs::write_file_atomic(f.dir / "run_1/final_info.json", kResults).ok());
  EXPECT_EQ(completed_runs_on_disk(f.dir), 1);
  f.ctx.settings.experiment.max_runs = 2;
  f.agent.push_edit("run 2");
  f.executor.push_success(kResults);
  f.agent.push_reply("notes");
  auto r = run_experiment_stage(f.ctx);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(f.executor.requests().size(), 1u);
  EXPECT_EQ(f.executor.requests()[0].run_index, 2);
  EXPECT_EQ(r->status, StageStatus::kCompleted);
  EXPECT_NE(r->message.find("2 successful run(s)"), std::string::npos);
}

TEST(Stages, TheSlotsCpusReachEveryRunAndPlotRequest) {
  StageFixture f("stages_cpus");
  f.ctx.cpu_ids = {2, 3};
  f.ctx.settings.experiment.max_runs = 1;
  f.agent.push_edit("run 1");
  f.executor.push_success(kResults);
  f.agent.push_reply("notes");
  ASSERT_TRUE(run_experiment_stage(f.ctx).ok());
  ASSERT_EQ(f.executor.requests().size(), 1u);
  EXPECT_EQ(f.executor.requests()[0].cpu_ids, (std::vector<int>{2, 3}));

  f.ctx.settings.plot.attempts = 1;
  f.agent.push({{{"plot.py", "labels = {'run_0': 'Baseline'}\n"}}, "edited"});
  f.runner.push({ScriptStatus::kFailed, "boom\n", nullptr});
  ASSERT_TRUE(run_plot_stage(f.ctx).ok());
  ASSERT_EQ(f.runner.requests().size(), 1u);
  EXPECT_EQ(f.runner.requests()[0].cpu_ids, (std::vector<int>{2, 3}));
}

TEST(Stages, BudgetErrorStopsTheBatchButTheDetailsFileIsWritten) {
  StageFixture f("stages_budget");
  f.agent.push_edit("run 1");
  f.executor.push_success(kResults);
  f.agent.push_error(make_error(ErrorCode::kBudgetExceeded, "budget of $1.00 reached"));
  auto r = run_experiment_stage(f.ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBudgetExceeded);
  auto details = json::parse_file((f.dir / "experiment_result.json").string());
  ASSERT_TRUE(details.ok());
  EXPECT_EQ((*details)["status"], "partial");
  EXPECT_EQ((*details)["successful_runs"], 1);
}

TEST(Stages, PlotFailureIsAnOutcomeAndNotesUseThePlotFigures) {
  StageFixture f("stages_plot_notes");
  f.ctx.settings.plot.attempts = 1;
  f.agent.push({{{"plot.py", "labels = {'run_0': 'Baseline'}\n"}}, "edited"});
  f.runner.push({ScriptStatus::kFailed, "Traceback...\nKeyError: 'x'\n", nullptr});
  auto plot = run_plot_stage(f.ctx);
  ASSERT_TRUE(plot.ok());
  EXPECT_EQ(plot->status, StageStatus::kFailed);
  EXPECT_TRUE(std::filesystem::exists(f.dir / "plot_result.json"));

  f.agent.push({{{"plot.py", "labels = {'run_0': 'Baseline', 'run_1': 'Wide'}\n"}}, "edited"});
  f.runner.push({ScriptStatus::kSucceeded, "", [](const std::filesystem::path& d) {
                   testing::write_test_png(d / "acc.png", 1);
                 }});
  testing::write_test_png(f.dir / "stray.png", 2);  // not written by plot.py: not described
  plot = run_plot_stage(f.ctx);
  ASSERT_TRUE(plot.ok());
  EXPECT_EQ(plot->status, StageStatus::kCompleted);

  f.agent.push({{{"notes.txt", "acc.png: accuracy of each run\n"}}, "described"});
  auto notes = run_notes_stage(f.ctx);
  ASSERT_TRUE(notes.ok());
  EXPECT_EQ(notes->status, StageStatus::kCompleted);
  EXPECT_NE(f.agent.instructions().back().find("- acc.png"), std::string::npos);
  EXPECT_EQ(f.agent.instructions().back().find("stray.png"), std::string::npos);
}

TEST(Stages, IncompleteContextIsInvalidArgument) {
  StageContext ctx;
  auto r = run_plot_stage(ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace sci::experiment
