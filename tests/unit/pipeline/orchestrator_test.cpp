// Orchestrator state machine with a fake StageDriver: selection by novelty, stage
// order, failure handling, budget stop + resume, stop-after, parallel slots.
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "pipeline/orchestrator.h"
#include "support/test_paths.h"

namespace sci::pipeline {
namespace {

class FakeDriver final : public StageDriver {
 public:
  explicit FakeDriver(std::filesystem::path root) : root_(std::move(root)) {}

  std::vector<std::pair<std::string, std::string>> novelty = {
      {"alpha", "novel"}, {"beta", "not_novel"}, {"gamma", "unchecked"}, {"delta", "unknown"}};
  std::set<std::string> failing_experiments;
  int budget_calls_left = 1000;  // stage calls allowed before kBudgetExceeded
  int disk_full_at_call = -1;     // this stage call (0-based) fails with ENOSPC
  bool disk_full_as_outcome = false;  // ...as a failed outcome instead of an error
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};

  Result<std::vector<IdeaSpec>> generate_ideas(int n) override {
    std::vector<IdeaSpec> out;
    for (int i = 0; i < n && i < static_cast<int>(novelty.size()); ++i)
      out.push_back({novelty[i].first, "Title " + novelty[i].first, "{}"});
    ++idea_calls;
    return out;
  }
  Result<std::string> check_novelty(const IdeaSpec& idea) override {
    ++novelty_calls;
    for (auto& [n, v] : novelty)
      if (n == idea.name) return v;
    return std::string("unknown");
  }
  Result<std::filesystem::path> prepare_idea(const IdeaSpec& idea) override {
    auto dir = root_ / ("20260101_000000_" + idea.name);
    std::filesystem::create_directories(dir);
    return dir;
  }
  Result<StageResult> run_stage(Stage stage, const IdeaState& state, const std::atomic<bool>&) override {
    {
      std::lock_guard l(mu);
      if (budget_calls_left-- <= 0) return make_error(ErrorCode::kBudgetExceeded, "budget of $1.00 reached");
      calls.push_back(state.name + ":" + stage_name(stage));
      if (static_cast<int>(calls.size()) - 1 == disk_full_at_call) {
        const std::string why = std::string("cannot create latex/x.tmp: ") + std::strerror(ENOSPC);
        if (!disk_full_as_outcome) return make_error(ErrorCode::kIo, why);
        StageResult r;
        r.outcome = Outcome::kFailed;
        r.message = why;
        return r;
      }
    }
    int now = ++in_flight;
    int prev = max_in_flight.load();
    while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {}
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --in_flight;
    StageResult r;
    r.cost_usd = 0.01;
    if (stage == Stage::kExperiment && failing_experiments.count(state.name)) {
      r.outcome = Outcome::kFailed;
      r.message = "all runs failed";
    }
    if (stage == Stage::kWriteup) r.paper = state.name + ".pdf";
    if (stage == Stage::kReview) {
      r.review_overall = 5.5;
      r.review_decision = "Reject";
    }
    return r;
  }
  double total_cost_usd() const override { return 0.01 * static_cast<double>(calls.size()); }

  std::mutex mu;
  std::vector<std::string> calls;
  int idea_calls = 0;
  int novelty_calls = 0;

 private:
  std::filesystem::path root_;
};

class NullSink final : public EventSink {
 public:
  void emit(const Event&) override { ++count; }
  std::atomic<int> count{0};
};

BatchOptions options_for(const std::filesystem::path& dir, int n, int parallel = 1) {
  BatchOptions o;
  o.results_dir = dir;
  o.num_ideas = n;
  o.parallel = parallel;
  return o;
}

TEST(OrchestratorTest, RunsSelectedIdeasThroughEveryStageAndSkipsNotNovel) {
  auto dir = testing::fresh_temp_dir("orch");
  FakeDriver driver(dir);
  NullSink sink;
  std::atomic<bool> cancel{false};
  auto summary = Orchestrator(driver, sink, options_for(dir, 4)).run(cancel);
  ASSERT_TRUE(summary.ok()) << summary.error().to_string();
  EXPECT_EQ(summary->status, BatchStatus::kAllDone);
  std::map<std::string, std::string> outcome;
  for (const auto& i : summary->ideas) outcome[i.name] = i.outcome;
  EXPECT_EQ(outcome["alpha"], "done");
  EXPECT_EQ(outcome["beta"], "skipped");   // not_novel never runs
  EXPECT_EQ(outcome["gamma"], "done");     // unchecked runs
  EXPECT_EQ(outcome["delta"], "skipped");  // unknown needs --run-unknown
  auto state = load_state(dir / "20260101_000000_alpha");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->next, Stage::kDone);
  EXPECT_EQ(state->paper, "alpha.pdf");
  EXPECT_DOUBLE_EQ(state->review_overall, 5.5);
  ASSERT_EQ(state->history.size(), 5u);  // experiment plot notes writeup review
  EXPECT_TRUE(std::filesystem::exists(dir / "summary.json"));
}

TEST(OrchestratorTest, FailedExperimentFailsOnlyThatIdea) {
  auto dir = testing::fresh_temp_dir("orch");
  FakeDriver driver(dir);
  driver.failing_experiments = {"alpha"};
  NullSink sink;
  std::atomic<bool> cancel{false};
  auto summary = Orchestrator(driver, sink, options_for(dir, 3)).run(cancel);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, BatchStatus::kSomeFailed);
  auto state = load_state(dir / "20260101_000000_alpha");
  EXPECT_EQ(state->next, Stage::kFailed);
  EXPECT_NE(state->failure.find("all runs failed"), std::string::npos);
}

// Fails on the old code: the idea was marked failed ("all 1 ideas failed") and resume
// kept it failed.
TEST(OrchestratorTest, DiskFullStopsTheBatchCleanlyAndResumeContinuesTheSameStage) {
  for (bool as_outcome : {false, true}) {
    SCOPED_TRACE(as_outcome ? "failed outcome" : "error");
    auto dir = testing::fresh_temp_dir("orch_disk_full");
    NullSink sink;
    std::atomic<bool> cancel{false};
    {
      FakeDriver driver(dir);
      driver.novelty = {{"alpha", "novel"}};
      driver.disk_full_at_call = 3;  // the writeup
      driver.disk_full_as_outcome = as_outcome;
      auto summary = Orchestrator(driver, sink, options_for(dir, 1)).run(cancel);
      ASSERT_TRUE(summary.ok());
      EXPECT_EQ(summary->status, BatchStatus::kDiskFull);
      EXPECT_NE(summary->message.find("the disk is full"), std::string::npos) << summary->message;
      EXPECT_NE(summary->message.find("scientist resume"), std::string::npos) << summary->message;
      EXPECT_TRUE(std::filesystem::exists(dir / "summary.json"));
      EXPECT_FALSE(std::filesystem::exists(dir / ".space_reserve")) << "the reserve is given up for the last writes";
      auto state = load_state(dir / "20260101_000000_alpha");
      ASSERT_TRUE(state.ok());
      EXPECT_EQ(state->next, Stage::kWriteup) << "not failed: the stage re-runs on resume";
    }
    FakeDriver driver(dir);
    driver.novelty = {{"alpha", "novel"}};
    auto summary = Orchestrator(driver, sink, options_for(dir, 1)).run(cancel);
    ASSERT_TRUE(summary.ok());
    EXPECT_EQ(summary->status, BatchStatus::kAllDone);
    EXPECT_EQ(driver.calls, (std::vector<std::string>{"alpha:writeup", "alpha:review"}));
  }
}

TEST(OrchestratorTest, BudgetStopCheckpointsAndResumeContinuesWithoutRepeatingWork) {
  auto dir = testing::fresh_temp_dir("orch");
  NullSink sink;
  std::atomic<bool> cancel{false};
  {
    FakeDriver driver(dir);
    driver.budget_calls_left = 3;  // experiment, plot, notes of the first idea
    auto summary = Orchestrator(driver, sink, options_for(dir, 3)).run(cancel);
    ASSERT_TRUE(summary.ok());
    EXPECT_EQ(summary->status, BatchStatus::kBudgetStopped);
    EXPECT_NE(summary->message.find("budget"), std::string::npos);
    EXPECT_EQ(driver.calls.size(), 3u);
  }
  FakeDriver driver(dir);
  auto summary = Orchestrator(driver, sink, options_for(dir, 3)).run(cancel);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, BatchStatus::kAllDone);
  EXPECT_EQ(driver.idea_calls, 0) << "ideas must not be regenerated on resume";
  EXPECT_EQ(driver.novelty_calls, 0) << "novelty must not be re-checked on resume";
  // alpha resumes at writeup; gamma runs everything: 2 + 5 stage calls.
  EXPECT_EQ(driver.calls.size(), 7u);
  EXPECT_EQ(driver.calls.front(), "alpha:writeup");
}

TEST(OrchestratorTest, StopAfterPausesEveryIdeaAtThatStage) {
  auto dir = testing::fresh_temp_dir("orch");
  FakeDriver driver(dir);
  NullSink sink;
  std::atomic<bool> cancel{false};
  auto o = options_for(dir, 3);
  o.stop_after = Stage::kExperiment;
  auto summary = Orchestrator(driver, sink, o).run(cancel);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, BatchStatus::kStoppedAfter);
  EXPECT_EQ(load_state(dir / "20260101_000000_alpha")->next, Stage::kPlot);
}

TEST(OrchestratorTest, ThreeIdeasOnTwoSlotsRunConcurrentlyButNeverMoreThanTwo) {
  auto dir = testing::fresh_temp_dir("orch");
  FakeDriver driver(dir);
  driver.novelty = {{"a", "novel"}, {"b", "novel"}, {"c", "novel"}};
  NullSink sink;
  std::atomic<bool> cancel{false};
  auto summary = Orchestrator(driver, sink, options_for(dir, 3, 2)).run(cancel);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, BatchStatus::kAllDone);
  EXPECT_LE(driver.max_in_flight.load(), 2);
  EXPECT_EQ(driver.calls.size(), 15u);
}

TEST(OrchestratorTest, StatusReadsABatchFromDisk) {
  auto dir = testing::fresh_temp_dir("orch");
  FakeDriver driver(dir);
  NullSink sink;
  std::atomic<bool> cancel{false};
  ASSERT_TRUE(Orchestrator(driver, sink, options_for(dir, 2)).run(cancel).ok());
  auto status = read_batch_status(dir);
  ASSERT_TRUE(status.ok()) << status.error().to_string();
  ASSERT_EQ(status->ideas.size(), 2u);
  EXPECT_EQ(status->ideas[0].outcome, "done");
  EXPECT_EQ(status->ideas[1].outcome, "skipped");
  EXPECT_FALSE(read_batch_status(dir / "nope").ok());
}

}  // namespace
}  // namespace sci::pipeline
