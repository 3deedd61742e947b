// The experiment stage driven through the real coder (SEARCH/REPLACE edits applied to
// files, transcript.md) with a scripted LLM and a fake run executor.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/fs.h"
#include "coder/coder.h"
#include "experiment/agent.h"
#include "experiment/experiment_stage.h"
#include "support/experiment_fake_run_executor.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string edit(const std::string& file, const std::string& search, const std::string& replace) {
  return fmt::format("{}\n```python\n<<<<<<< SEARCH\n{}=======\n{}>>>>>>> REPLACE\n```\n", file, search, replace);
}

TEST(CoderAgent, FailedSearchIsCaughtByTheUnchangedGuardAndEveryTurnIsInTheTranscript) {
  auto dir = sci::testing::fresh_temp_dir("coder_agent");
  ASSERT_TRUE(fs::write_file_atomic(dir / "experiment.py", "width = 16\nprint(width)\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: Wider\n").ok());
  testing::ScriptedLlm llm;
  llm.push("Plan: run 1 width 32, run 2 width 64.\n" + edit("experiment.py", "width = 16\n", "width = 32\n"));
  llm.push("Recorded run 1. Now run 2.\n" + edit("experiment.py", "width = 99\n", "width = 64\n"));  // stale SEARCH
  llm.push("Sorry, fixed.\n" + edit("experiment.py", "width = 32\n", "width = 64\n"));
  llm.push("Notes.\n" + edit("notes.txt", "# Title: Wider\n", "# Title: Wider\n## Run 2: width 64, accuracy 0.95\n"));
  coder::CoderOptions options;
  options.model = "scripted";
  options.max_reflections = 0;
  options.tag = llm::CallTag{"wider", "experiment", "coder", 0};
  auto coder = coder::Coder::create(llm, dir, {}, options);
  ASSERT_TRUE(coder.ok()) << coder.error().to_string();
  CoderAgent agent(*coder, options.tag);
  testing::FakeRunExecutor executor;
  executor.push_success(R"({"moons": {"means": {"acc": 0.93}}})");
  executor.push_success(R"({"moons": {"means": {"acc": 0.95}}})");

  ExperimentInputs in;
  in.idea_dir = dir;
  in.idea = Idea{"wider", "Wider", "Widen the MLP.", 1, 1, 1};
  in.manifest.dir = dir;
  in.baseline = templates::parse_final_info(R"({"moons": {"means": {"acc": 0.9}}})", "baseline").value();
  ExperimentOptions opt;
  opt.max_runs = 2;
  auto r = run_experiments(in, agent, executor, opt);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, StageStatus::kCompleted) << r->summary;
  EXPECT_EQ(executor.requests().size(), 2u);
  ASSERT_EQ(r->runs.size(), 2u);
  EXPECT_EQ(r->runs[1].attempts[0].kind, AttemptKind::kUnchangedCode);
  EXPECT_TRUE(r->last_results_shown);
  EXPECT_EQ(*fs::read_file(dir / "experiment.py"), "width = 64\nprint(width)\n");
  EXPECT_TRUE(contains(*fs::read_file(dir / "notes.txt"), "## Run 2: width 64"));
  ASSERT_EQ(llm.calls().size(), 4u);
  EXPECT_TRUE(contains(llm.last_user_message(2), "exactly the same as before"));
  EXPECT_TRUE(contains(llm.last_user_message(3), "Run 2 finished successfully"));
  auto transcript = fs::read_file(dir / "transcript.md");
  ASSERT_TRUE(transcript.ok()) << "the coder writes transcript.md";
  EXPECT_TRUE(contains(*transcript, "Run 1 finished successfully"));
  EXPECT_TRUE(contains(*transcript, "Run 2 finished successfully"));
  EXPECT_TRUE(contains(*transcript, "Sorry, fixed."));
}

}  // namespace
}  // namespace sci::experiment
