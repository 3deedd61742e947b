// The experiment, plot and notes stages on the real fast template (templates/numpy_fast)
// with the real sandbox, real Python runs and real matplotlib PNGs; the model is scripted.
#include <gtest/gtest.h>

#include <chrono>

#include "base/fs.h"
#include "base/strings.h"
#include "experiment/local_run_executor.h"
#include "experiment/prepare.h"
#include "experiment/script_runner.h"
#include "experiment/stages.h"
#include "proc/run_capture.h"
#include "support/experiment_scripted_agent.h"
#include "support/test_paths.h"
#include "templates/manifest.h"

namespace sci::experiment {
namespace {

namespace stdfs = std::filesystem;
using testing::ScriptedAgent;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// experiment.py with `old` replaced by `replacement` (the test fails loudly if `old` is gone).
std::string patched(const std::string& code, const std::string& old, const std::string& replacement) {
  EXPECT_TRUE(contains(code, old)) << "fast template changed: cannot find " << old;
  return str::replace_all(code, old, replacement);
}

// A plot.py that writes the two figures the LaTeX template includes, one of them blank.
constexpr const char* kBlankPlot = R"(import matplotlib
matplotlib.use("Agg")
import json, os
import matplotlib.pyplot as plt

labels = {"run_0": "Baseline", "run_1": "Quick", "run_2": "Higher lr"}
fig, ax = plt.subplots()
for run in labels:
    with open(os.path.join(run, "all_results.json")) as f:
        curves = json.load(f)
    ax.plot(curves["moons"]["train_loss"], label=labels[run])
ax.legend()
fig.savefig("train_loss.png")
plt.close(fig)
# Bug the model must fix: an empty canvas.
fig = plt.figure()
fig.savefig("test_accuracy.png")
plt.close(fig)
)";

class StagesSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto src = sci::testing::source_dir() / "templates" / "numpy_fast";
    if (!stdfs::exists(src / "experiment.py")) GTEST_SKIP() << "templates/numpy_fast is not in this checkout";
    if (!stdfs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 missing: run scripts/install_deps.sh";
    root_ = sci::testing::fresh_temp_dir("stages_sandbox");
    auto tmpl = root_ / "numpy_fast";
    stdfs::copy(src, tmpl, stdfs::copy_options::recursive);
    stdfs::remove_all(tmpl / "run_0");
    // The baseline, shortened (--quick) so the whole test stays in seconds.
    auto base = proc::run_capture({"/usr/bin/python3", (tmpl / "experiment.py").string(),
                                   "--out_dir=" + (tmpl / "run_0").string(), "--quick"},
                                  std::chrono::seconds(120));
    ASSERT_TRUE(base.ok()) << base.error().to_string();
    ASSERT_EQ(base->exit_code, 0) << base->output;
    auto prepared = prepare_idea(tmpl, Idea{"lr_sweep", "Learning rate sweep", "Try a higher learning rate.", 5, 5, 5},
                                 root_ / "results", "20260101_000000");
    ASSERT_TRUE(prepared.ok()) << prepared.error().to_string();
    idea_dir_ = prepared->idea_dir;
    auto manifest = templates::load_manifest(tmpl);
    ASSERT_TRUE(manifest.ok()) << manifest.error().to_string();
    manifest_ = *manifest;

    LocalRunExecutorOptions options;
    options.record_environment = true;
    auto executor = make_local_run_executor(options);
    if (!executor.ok()) GTEST_SKIP() << "no sandbox here: " << executor.error().to_string();
    executor_ = std::move(executor).value();
    auto runner = make_sandbox_script_runner(options);
    ASSERT_TRUE(runner.ok()) << runner.error().to_string();
    runner_ = std::move(runner).value();
  }

  stdfs::path root_, idea_dir_;
  templates::Manifest manifest_;
  std::unique_ptr<RunExecutor> executor_;
  std::unique_ptr<ScriptRunner> runner_;
};

TEST_F(StagesSandboxTest, TwoRunsSucceedOneFailsThenRealFiguresWithABlankOneFedBackAndNotes) {
  auto code = fs::read_file(idea_dir_ / "experiment.py");
  ASSERT_TRUE(code.ok());
  // Every run uses the quick configuration; the command itself never changes.
  std::string quick = patched(*code, "    if cfg.quick:\n", "    if True:  # quick runs for this test\n");
  std::string run2 = patched(quick, "default=0.05", "default=0.1");
  std::string run3 = patched(run2, "    os.makedirs(cfg.out_dir, exist_ok=True)\n",
                             "    raise ValueError(\"deliberate failure for run 3\")\n");

  ScriptedAgent agent(idea_dir_);
  agent.push({{{"experiment.py", quick}}, "Plan: run 1 quick config, run 2 higher lr, run 3 breaks."});
  agent.push({{{"experiment.py", run2}}, "Notes for run 1 recorded; run 2 raises lr."});
  agent.push({{{"experiment.py", run3}}, "Run 3."});
  agent.push({{{"experiment.py", run3 + "\n# tried again\n"}}, "Run 3 again."});

  StageContext ctx;
  ctx.idea_dir = idea_dir_;
  ctx.manifest = &manifest_;
  ctx.agent = &agent;
  ctx.executor = executor_.get();
  ctx.script_runner = runner_.get();
  ctx.settings = settings_from_config(config::Config::defaults());
  ctx.settings.experiment.max_runs = 3;
  ctx.settings.experiment.attempts_per_run = 2;
  std::vector<StageEvent> events;
  ctx.on_event = [&](const StageEvent& e) { events.push_back(e); };

  auto exp = run_experiment_stage(ctx);
  ASSERT_TRUE(exp.ok()) << exp.error().to_string();
  EXPECT_EQ(exp->status, StageStatus::kPartial) << exp->message;
  EXPECT_TRUE(stdfs::exists(idea_dir_ / "run_1" / "final_info.json"));
  EXPECT_TRUE(stdfs::exists(idea_dir_ / "run_2" / "final_info.json"));
  EXPECT_TRUE(stdfs::exists(idea_dir_ / "run_1" / "environment.json"));
  EXPECT_FALSE(stdfs::exists(idea_dir_ / "run_3"));
  EXPECT_TRUE(stdfs::exists(idea_dir_ / "attempts" / "run_3.1"));
  ASSERT_GE(agent.instructions().size(), 4u);
  EXPECT_TRUE(contains(agent.instructions()[1], "Run 1 finished successfully"));
  EXPECT_TRUE(contains(agent.instructions()[1], "test_accuracy"));
  EXPECT_TRUE(contains(agent.instructions()[1], "higher is better"));
  EXPECT_TRUE(contains(agent.instructions()[3], "ValueError: deliberate failure for run 3"));
  EXPECT_TRUE(contains(exp->details_json, "\"attempts_exhausted\""));
  EXPECT_NE(exp->details_json.find("\"sandbox_level\": \""), std::string::npos);

  // Plot: first a blank figure (fed back), then the template's real plot.py with labels.
  auto plot_code = fs::read_file(idea_dir_ / "plot.py");
  ASSERT_TRUE(plot_code.ok());
  std::string fixed = patched(*plot_code, "    \"run_0\": \"Baseline (SGD + momentum, tanh MLP)\",\n",
                              "    \"run_0\": \"Baseline\",\n    \"run_1\": \"Quick\",\n    \"run_2\": \"Higher lr\",\n");
  agent.push({{{"plot.py", kBlankPlot}}, "plot.py written"});
  agent.push({{{"plot.py", fixed}}, "plot.py fixed"});
  auto plot = run_plot_stage(ctx);
  ASSERT_TRUE(plot.ok()) << plot.error().to_string();
  const std::string& plot_prompt = agent.instructions()[agent.instructions().size() - 2];
  EXPECT_TRUE(contains(plot_prompt, "`run_1/all_results.json`"));
  EXPECT_TRUE(contains(plot_prompt, "moons.means.test_accuracy"));
  EXPECT_TRUE(contains(agent.instructions().back(), "`test_accuracy.png` is blank")) << agent.instructions().back();
  EXPECT_EQ(plot->status, StageStatus::kCompleted) << plot->message;
  for (const char* png : {"train_loss.png", "test_accuracy.png", "final_accuracy.png"}) {
    EXPECT_TRUE(stdfs::exists(idea_dir_ / png)) << png;
    EXPECT_TRUE(contains(plot->details_json, png)) << png;
  }

  agent.push({{{"notes.txt", *fs::read_file(idea_dir_ / "notes.txt") +
                                 "\n## Figures\ntrain_loss.png: training loss per epoch...\n"
                                 "test_accuracy.png: test accuracy per epoch...\n"
                                 "final_accuracy.png: final accuracy per dataset...\n"}},
              "notes written"});
  auto notes = run_notes_stage(ctx);
  ASSERT_TRUE(notes.ok()) << notes.error().to_string();
  EXPECT_EQ(notes->status, StageStatus::kCompleted) << notes->message;
  for (const char* f : {"experiment_result.json", "plot_result.json", "notes_result.json"})
    EXPECT_TRUE(stdfs::exists(idea_dir_ / f)) << f;
  EXPECT_EQ(agent.remaining(), 0u);
}

}  // namespace
}  // namespace sci::experiment
