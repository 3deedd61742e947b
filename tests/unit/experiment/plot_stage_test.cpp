// The plot loop with a scripted agent and a fake script runner that writes real PNGs.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "experiment/plot_stage.h"
#include "support/experiment_fake_script_runner.h"
#include "support/experiment_scripted_agent.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

using testing::FakeScriptRunner;
using testing::ScriptedAgent;
using testing::write_test_png;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct PlotFixture {
  explicit PlotFixture(const std::string& name) : dir(sci::testing::fresh_temp_dir(name)), agent(dir) {
    EXPECT_TRUE(fs::write_file_atomic(dir / "plot.py", "labels = {}\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: t\n").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "run_0/final_info.json", R"({"moons": {"means": {"acc": 0.9}}})").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "run_1/final_info.json", R"({"moons": {"means": {"acc": 0.95}}})").ok());
    EXPECT_TRUE(fs::write_file_atomic(dir / "run_1/all_results.json", R"({"moons": {"loss": [1, 0.5]}})").ok());
    inputs.idea_dir = dir;
    inputs.manifest.dir = dir;
    inputs.manifest.plot_timeout_s = 77;
  }
  // A turn that rewrites plot.py (new content each time).
  void edit(const std::string& reply = "edited plot.py") {
    ++edits;
    agent.push({{{"plot.py", "labels = {'run_0': 'Baseline'}  # v" + std::to_string(edits) + "\n"}}, reply});
  }
  PlotResult run() {
    auto r = run_plot(inputs, agent, runner, options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? std::move(r).value() : PlotResult{};
  }
  std::filesystem::path dir;
  ScriptedAgent agent;
  FakeScriptRunner runner;
  PlotInputs inputs;
  PlotOptions options;
  int edits = 0;
};

auto writes(std::vector<std::pair<std::string, int>> figures) {
  return [figures](const std::filesystem::path& d) {
    for (const auto& [name, pattern] : figures) write_test_png(d / name, pattern);
  };
}

TEST(PlotStage, PromptShowsTheRealResultManifestLabelsAndFixedCommand) {
  PlotFixture f("plot_prompt");
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"acc.png", 1}, {"loss.png", 2}})});
  auto r = f.run();
  const std::string& p = f.agent.instructions().at(0);
  EXPECT_TRUE(contains(p, "- `moons.means.acc`: number, e.g. 0.9 (all runs)"));
  EXPECT_TRUE(contains(p, "- `run_1/all_results.json` ("));
  EXPECT_TRUE(contains(p, "`labels` dictionary"));
  EXPECT_TRUE(contains(p, "\"run_0\", \"run_1\""));
  EXPECT_TRUE(contains(p, "python -s plot.py"));  // no user site (trust boundary)
  EXPECT_TRUE(contains(p, "time limit of 77 seconds"));
  EXPECT_EQ(f.agent.stages(), std::vector<std::string>{"plot"});
  EXPECT_EQ(f.agent.chat_files(), (std::vector<std::string>{"plot.py", "notes.txt"}));
  ASSERT_EQ(f.runner.requests().size(), 1u);
  EXPECT_EQ(f.runner.requests()[0].timeout_s, 77);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
  EXPECT_EQ(r.figures, (std::vector<std::string>{"acc.png", "loss.png"}));
  EXPECT_TRUE(r.problems.empty());
}

TEST(PlotStage, BlankFigureIsFedBackAndTheFixedPlotPasses) {
  PlotFixture f("plot_blank");
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"acc.png", 1}, {"loss.png", 0}})});
  f.edit("fixed the keys");
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"acc.png", 1}, {"loss.png", 2}})});
  auto r = f.run();
  ASSERT_EQ(f.agent.instructions().size(), 2u);
  const std::string& feedback = f.agent.instructions()[1];
  EXPECT_TRUE(contains(feedback, "`loss.png` is blank"));
  EXPECT_FALSE(contains(feedback, "`acc.png`"));
  EXPECT_TRUE(contains(feedback, "moons.means.acc"));  // the manifest again
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].problems.size(), 1u);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
  EXPECT_EQ(r.figures.size(), 2u);
}

TEST(PlotStage, IdenticalFiguresAreReported) {
  PlotFixture f("plot_duplicate");
  f.options.attempts = 1;
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"a.png", 3}, {"b.png", 3}})});
  auto r = f.run();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "b.png");
  EXPECT_TRUE(contains(r.problems[0].problem, "identical to a.png"));
  EXPECT_EQ(r.status, StageStatus::kPartial);
  EXPECT_EQ(r.figures, std::vector<std::string>{"a.png"});
}

TEST(PlotStage, ScriptFailureFeedsBackTheStderrTail) {
  PlotFixture f("plot_failure");
  f.options.stderr_tail_chars = 100;
  f.edit();
  f.runner.push({ScriptStatus::kFailed, std::string(500, 'x') + "\nKeyError: 'accuracy'\n", nullptr});
  f.edit("use acc");
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"acc.png", 1}})});
  auto r = f.run();
  const std::string& feedback = f.agent.instructions().at(1);
  EXPECT_TRUE(contains(feedback, "plot.py failed (exit code 1)"));
  EXPECT_TRUE(contains(feedback, "KeyError: 'accuracy'"));
  EXPECT_FALSE(contains(feedback, std::string(120, 'x')));
  EXPECT_TRUE(contains(feedback, "attempt 1 of 4"));
  EXPECT_EQ(r.status, StageStatus::kCompleted);
}

TEST(PlotStage, UnchangedPlotIsNotRunAgain) {
  PlotFixture f("plot_unchanged");
  f.options.attempts = 3;
  f.edit();
  f.runner.push({ScriptStatus::kFailed, "boom", nullptr});
  f.agent.push_reply("I fixed it (but the edit did not apply)");
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"acc.png", 1}})});
  auto r = f.run();
  EXPECT_EQ(f.runner.requests().size(), 2u);
  EXPECT_TRUE(contains(f.agent.instructions().at(2), "exactly the same as before"));
  ASSERT_EQ(r.attempts.size(), 3u);
  EXPECT_EQ(r.attempts[1].kind, PlotAttemptKind::kUnchangedCode);
  EXPECT_EQ(r.status, StageStatus::kCompleted);
}

TEST(PlotStage, FiguresTheLatexTemplateIncludesAreExpected) {
  PlotFixture f("plot_latex");
  f.options.attempts = 1;
  ASSERT_TRUE(fs::write_file_atomic(f.dir / "latex/template.tex",
                                    "\\includegraphics[width=\\textwidth]{train_loss.png}\n"
                                    "% \\includegraphics{commented.png}\n"
                                    "\\includegraphics{val}\n")
                  .ok());
  EXPECT_EQ(latex_figures(f.dir), (std::vector<std::string>{"train_loss.png", "val.png"}));
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"train_loss.png", 1}})});
  auto r = f.run();
  EXPECT_TRUE(contains(f.agent.instructions().at(0), "train_loss.png, val.png"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, "val.png");
  EXPECT_EQ(r.status, StageStatus::kPartial);
}

TEST(PlotStage, NoFigureAfterAllAttemptsIsAFailedPlotNotAnError) {
  PlotFixture f("plot_failed");
  f.options.attempts = 2;
  f.edit();
  f.runner.push({ScriptStatus::kTimedOut, "", nullptr});
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", nullptr});  // ran, wrote nothing
  auto r = f.run();
  EXPECT_TRUE(contains(f.agent.instructions().at(1), "timed out after 77 s"));
  EXPECT_EQ(r.status, StageStatus::kFailed);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_TRUE(contains(r.problems[0].problem, "wrote no PNG"));
  EXPECT_TRUE(contains(to_json(r), "\"status\": \"failed\""));
}

TEST(PlotStage, PngsThatExistedBeforeAndWereNotRewrittenAreNotChecked) {
  PlotFixture f("plot_old_png");
  write_test_png(f.dir / "old_blank.png", 0);  // e.g. a leftover from the template
  f.edit();
  f.runner.push({ScriptStatus::kSucceeded, "", writes({{"new.png", 1}})});
  auto r = f.run();
  EXPECT_EQ(r.figures, std::vector<std::string>{"new.png"});
  EXPECT_EQ(r.status, StageStatus::kCompleted);
}

TEST(PlotStage, MissingPlotPyIsNotFound) {
  PlotFixture f("plot_missing");
  std::filesystem::remove(f.dir / "plot.py");
  auto r = run_plot(f.inputs, f.agent, f.runner, f.options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sci::experiment
