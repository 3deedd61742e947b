// The experiment loop's guards with a scripted agent and a fake run executor.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include <fmt/format.h>

#include "base/fs.h"
#include "experiment/experiment_stage.h"
#include "support/experiment_fake_run_executor.h"
#include "support/experiment_scripted_agent.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

using testing::FakeRunExecutor;
using testing::python_traceback;
using testing::ScriptedAgent;

constexpr const char* kBaseline = R"({"moons": {"means": {"accuracy": 0.90, "loss": 0.30}}})";
std::string results_json(double acc, double loss) {
  return fmt::format(R"({{"moons": {{"means": {{"accuracy": {}, "loss": {}}}, "stderrs": {{"accuracy": 0.01}}}}}})",
                     acc, loss);
}

struct Fixture {
  explicit Fixture(const std::string& name) : dir(sci::testing::fresh_temp_dir(name)), agent(dir) {
    EXPECT_TRUE(fs::write_file_atomic(dir / "experiment.py", "print('baseline')\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "plot.py", "print('plot')\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: t\n").ok());
    inputs.idea_dir = dir;
    inputs.idea = Idea{"idea", "Better moons", "Try a wider MLP.", 5, 5, 5};
    inputs.manifest.dir = dir;
    inputs.manifest.metrics["accuracy"] = {"accuracy", templates::Direction::kHigher, "Accuracy"};
    inputs.manifest.metrics["loss"] = {"loss", templates::Direction::kLower, "Loss"};
    inputs.baseline = templates::parse_final_info(kBaseline, "baseline").value();
    options.max_runs = 3;
  }
  ExperimentResult run() {
    auto r = run_experiments(inputs, agent, executor, options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? std::move(r).value() : ExperimentResult{};
  }
  std::filesystem::path dir;
  ScriptedAgent agent;
  FakeRunExecutor executor;
  ExperimentInputs inputs;
  ExperimentOptions options;
};

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(ExperimentStage, PlanPromptShowsIdeaBaselineWithDirectionsAndFixedCommand) {
  Fixture f("exp_plan_prompt");
  f.agent.push_reply("ALL_COMPLETED");
  f.agent.push_reply("ALL_COMPLETED");
  f.run();
  const std::string& plan = f.agent.instructions().at(0);
  EXPECT_TRUE(contains(plan, "Better moons"));
  EXPECT_TRUE(contains(plan, "Try a wider MLP."));
  EXPECT_TRUE(contains(plan, "at most 3 runs"));
  EXPECT_TRUE(contains(plan, "- accuracy: 0.9 (higher is better)"));
  EXPECT_TRUE(contains(plan, "- loss: 0.3 (lower is better)"));
  EXPECT_TRUE(contains(plan, "python experiment.py --out_dir=run_i"));
  EXPECT_EQ(f.agent.stages(), std::vector<std::string>{"experiment"});
  EXPECT_EQ(f.agent.chat_files(), (std::vector<std::string>{"experiment.py", "notes.txt"}));
}

TEST(ExperimentStage, UnchangedExperimentCodeIsNotRunAndTheModelIsTold) {
  Fixture f("exp_unchanged");
  f.options.max_runs = 1;
  f.agent.push_reply("Plan: widen the MLP. (edit block that failed to apply)");
  f.agent.push_edit();
  f.agent.push_reply("Recorded run 1 in notes.txt.");
  f.executor.push_success(results_json(0.93, 0.25));
  auto r = f.run();
  ASSERT_EQ(f.executor.requests().size(), 1u);  // the unchanged turn never reached the executor
  EXPECT_EQ(f.executor.requests()[0].attempt, 2);
  EXPECT_TRUE(contains(f.agent.instructions().at(1), "exactly the same as before"));
  EXPECT_TRUE(contains(f.agent.instructions().at(1), "attempt 1 of 4"));
  ASSERT_EQ(r.runs.size(), 1u);
  ASSERT_EQ(r.runs[0].attempts.size(), 2u);
  EXPECT_EQ(r.runs[0].attempts[0].kind, AttemptKind::kUnchangedCode);
  EXPECT_EQ(r.runs[0].attempts[1].kind, AttemptKind::kExecuted);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
}

TEST(ExperimentStage, ChangingOnlyPlotOrNotesDoesNotCountAsAnExperimentChange) {
  Fixture f("exp_unchanged_plot");
  f.options.max_runs = 1;
  f.options.attempts_per_run = 2;
  f.agent.push({{{"plot.py", "print('new plot')\n"}, {"notes.txt", "notes\n"}}, "changed plot only"});
  f.agent.push({{{"notes.txt", "more notes\n"}}, "still no experiment change"});
  auto r = f.run();
  EXPECT_TRUE(f.executor.requests().empty());
  ASSERT_EQ(r.runs.size(), 1u);
  EXPECT_EQ(r.runs[0].outcome, RunOutcome::kAttemptsExhausted);
  EXPECT_EQ(r.status, StageStatus::kFailed);
}

TEST(ExperimentStage, ResultsOfTheLastRunAreShownAndNotesRequested) {
  Fixture f("exp_last_results");
  f.options.max_runs = 2;
  f.agent.push_edit("plan + run 1");
  f.agent.push_edit("notes for run 1 + run 2");
  f.agent.push_reply("notes for run 2");
  f.executor.push_success(results_json(0.93, 0.25));
  f.executor.push_success(results_json(0.951, 0.2));
  auto r = f.run();
  ASSERT_EQ(f.agent.instructions().size(), 3u);
  const std::string& after_run1 = f.agent.instructions()[1];
  EXPECT_TRUE(contains(after_run1, "Run 1 finished successfully"));
  EXPECT_TRUE(contains(after_run1, "- accuracy: 0.93 ± 0.01 (higher is better; baseline 0.9)"));
  EXPECT_TRUE(contains(after_run1, "notes.txt"));
  EXPECT_TRUE(contains(after_run1, "python experiment.py --out_dir=run_2"));
  const std::string& last = f.agent.instructions()[2];
  EXPECT_TRUE(contains(last, "Run 2 finished successfully"));
  EXPECT_TRUE(contains(last, "- accuracy: 0.951 ± 0.01 (higher is better; baseline 0.9)"));
  EXPECT_TRUE(contains(last, "- loss: 0.2 (lower is better; baseline 0.3)"));
  EXPECT_TRUE(contains(last, "last run"));
  EXPECT_TRUE(contains(last, "notes.txt"));
  EXPECT_TRUE(r.last_results_shown);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
  EXPECT_EQ(r.successful_runs, 2);
  EXPECT_EQ(r.turns, 3);
  EXPECT_DOUBLE_EQ(r.runs[1].results.datasets.at("moons").means.at("accuracy"), 0.951);
}

TEST(ExperimentStage, AllCompletedBeforeAnySuccessIsRefusedOnce) {
  Fixture f("exp_early_done");
  f.agent.push_reply("Nothing to do. ALL_COMPLETED");
  f.agent.push_edit("run 1");
  f.agent.push_reply("notes written. ALL_COMPLETED");
  f.executor.push_success(results_json(0.93, 0.25));
  auto r = f.run();
  EXPECT_TRUE(r.early_completion_refused);
  EXPECT_TRUE(contains(f.agent.instructions().at(1), "no run has succeeded yet"));
  EXPECT_TRUE(r.finished_by_model);
  EXPECT_EQ(r.successful_runs, 1);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
  EXPECT_EQ(f.executor.requests().size(), 1u);
}

TEST(ExperimentStage, AllCompletedTwiceWithoutResultsEndsAsFailed) {
  Fixture f("exp_early_done_twice");
  f.agent.push_reply("ALL_COMPLETED");
  f.agent.push_reply("ALL_COMPLETED");
  auto r = f.run();
  EXPECT_EQ(r.turns, 2);
  EXPECT_TRUE(f.executor.requests().empty());
  EXPECT_EQ(r.status, StageStatus::kFailed);
  EXPECT_TRUE(r.runs.empty());
}

TEST(ExperimentStage, LaterRunExhaustingAttemptsKeepsEarlierRunsAsPartial) {
  Fixture f("exp_partial");
  f.agent.push_edit("run 1");
  f.executor.push_success(results_json(0.93, 0.25));
  const char* errors[] = {"ValueError", "KeyError", "TypeError", "IndexError"};
  for (int i = 0; i < 4; ++i) {
    f.agent.push_edit("try run 2");
    f.executor.push_failure(python_traceback(errors[i], "boom", "train", fmt::format("step_{}()", i)));
  }
  auto r = f.run();
  EXPECT_EQ(r.status, StageStatus::kPartial);
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[0].outcome, RunOutcome::kSucceeded);
  EXPECT_EQ(r.runs[1].outcome, RunOutcome::kAttemptsExhausted);
  EXPECT_EQ(r.runs[1].attempts.size(), 4u);
  EXPECT_EQ(r.successful_runs, 1);
  EXPECT_TRUE(std::filesystem::exists(f.dir / "run_1" / "final_info.json"));
  EXPECT_TRUE(contains(r.summary, "partial"));
  EXPECT_TRUE(contains(to_json(r), "\"attempts_exhausted\""));
}

TEST(ExperimentStage, RepeatedErrorSignatureGetsStepBackThenEndsTheRun) {
  Fixture f("exp_loop_guard");
  f.agent.push_edit("run 1");
  f.executor.push_success(results_json(0.93, 0.25));
  for (int i = 0; i < 3; ++i) {
    f.agent.push_edit("fix attempt");
    // Same exception and frame; the line number moves with each edit.
    f.executor.push_failure(python_traceback("RuntimeError", "shape mismatch", "forward", "y = self.fc(x)", 40 + i));
  }
  f.agent.push_edit("never used");
  auto r = f.run();
  ASSERT_EQ(f.executor.requests().size(), 4u);  // run 1 + three attempts of run 2, not four
  EXPECT_TRUE(contains(f.agent.instructions().at(2), "Run 2 failed"));
  EXPECT_FALSE(contains(f.agent.instructions().at(2), "step back"));
  EXPECT_TRUE(contains(f.agent.instructions().at(3), "step back"));
  EXPECT_TRUE(contains(f.agent.instructions().at(3), "RuntimeError at experiment.py in forward: y = self.fc(x)"));
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_EQ(r.runs[1].outcome, RunOutcome::kLoopGuard);
  EXPECT_EQ(r.runs[1].attempts.size(), 3u);
  EXPECT_EQ(r.status, StageStatus::kPartial);
  EXPECT_EQ(f.agent.remaining(), 1u);
}

TEST(ExperimentStage, FailureFeedsBackOnlyTheConfiguredStderrTail) {
  Fixture f("exp_stderr_tail");
  f.options.max_runs = 1;
  f.options.stderr_tail_chars = 1500;
  std::string noise = "EARLY-NOISE-MARKER\n" + std::string(4000, 'n') + "\n";
  std::string tb = python_traceback("ZeroDivisionError", "division by zero");
  f.agent.push_edit("run 1");
  f.executor.push_failure(noise + tb);
  f.agent.push_edit("fixed");
  f.executor.push_success(results_json(0.93, 0.25));
  f.agent.push_reply("notes");
  f.run();
  const std::string& feedback = f.agent.instructions().at(1);
  EXPECT_TRUE(contains(feedback, "ZeroDivisionError: division by zero"));
  EXPECT_FALSE(contains(feedback, "EARLY-NOISE-MARKER"));
  EXPECT_TRUE(contains(feedback, "attempt 1 of 4"));
  auto start = feedback.find("```\n") + 4;
  auto end = feedback.find("\n```", start);
  EXPECT_EQ(end - start, 1500u - 1);  // the tail minus its trailing newline before the fence
}

TEST(ExperimentStage, TimeoutIsReportedWithTheLimit) {
  Fixture f("exp_timeout");
  f.options.max_runs = 1;
  f.options.run_timeout_s = 321;
  f.agent.push_edit("run 1");
  f.executor.push_failure("", RunStatus::kTimedOut);
  f.agent.push_edit("faster");
  f.executor.push_success(results_json(0.93, 0.25));
  f.agent.push_reply("notes");
  auto r = f.run();
  EXPECT_EQ(f.executor.requests().at(0).timeout_s, 321);
  EXPECT_TRUE(contains(f.agent.instructions().at(1), "time limit of 321 seconds"));
  EXPECT_EQ(r.runs.at(0).attempts.at(0).status, RunStatus::kTimedOut);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
}

TEST(ExperimentStage, LlmErrorKeepsFinishedRunsAndEndsPartial) {
  Fixture f("exp_llm_error");
  f.agent.push_edit("run 1");
  f.executor.push_success(results_json(0.93, 0.25));
  // No further step scripted: the agent returns an error on the next turn.
  auto r = f.run();
  EXPECT_EQ(r.status, StageStatus::kPartial);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.successful_runs, 1);
  EXPECT_EQ(r.runs.size(), 1u);
}

TEST(ExperimentStage, CancellationStopsBeforeTheNextTurn) {
  Fixture f("exp_cancel");
  std::atomic<bool> cancel{true};
  f.options.cancel = &cancel;
  auto r = f.run();
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kCancelled);
  EXPECT_TRUE(f.agent.instructions().empty());
}

TEST(ExperimentStage, MissingExperimentPyIsNotFound) {
  Fixture f("exp_missing");
  std::filesystem::remove(f.dir / "experiment.py");
  auto r = run_experiments(f.inputs, f.agent, f.executor, f.options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sci::experiment
