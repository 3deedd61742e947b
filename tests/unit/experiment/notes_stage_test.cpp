// The notes turn: every figure must be described in notes.txt by file name.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "experiment/notes_stage.h"
#include "support/experiment_fake_script_runner.h"
#include "support/experiment_scripted_agent.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

using testing::ScriptedAgent;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(NotesStage, AsksForEveryFigureAndCompletesWhenAllAreDescribed) {
  auto dir = sci::testing::fresh_temp_dir("notes_ok");
  ASSERT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: t\n").ok());
  ScriptedAgent agent(dir);
  agent.push({{{"notes.txt", "# Title: t\n## Figures\nacc.png: accuracy per run...\nloss.png: loss curves...\n"}},
              "described"});
  NotesOptions opt;
  auto r = run_notes(dir, {"loss.png", "acc.png"}, agent, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, StageStatus::kCompleted);
  EXPECT_EQ(r->turns, 1);
  EXPECT_EQ(r->figures, (std::vector<std::string>{"acc.png", "loss.png"}));
  const std::string& p = agent.instructions().at(0);
  EXPECT_TRUE(contains(p, "- acc.png\n- loss.png"));
  EXPECT_TRUE(contains(p, "key insight"));
  EXPECT_EQ(agent.stages(), std::vector<std::string>{"notes"});
  EXPECT_EQ(agent.chat_files(), std::vector<std::string>{"notes.txt"});
}

TEST(NotesStage, MissingDescriptionsGetOneFollowUpThenPartial) {
  auto dir = sci::testing::fresh_temp_dir("notes_missing");
  ASSERT_TRUE(fs::write_file_atomic(dir / "notes.txt", "# Title: t\n").ok());
  ScriptedAgent agent(dir);
  agent.push({{{"notes.txt", "acc.png shows accuracy\n"}}, "done"});
  agent.push_reply("I think it is fine");
  NotesOptions opt;
  std::vector<StageEvent> events;
  opt.on_event = [&](const StageEvent& e) { events.push_back(e); };
  auto r = run_notes(dir, {"acc.png", "loss.png"}, agent, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->turns, 2);
  EXPECT_TRUE(contains(agent.instructions().at(1), "no description of these figures: loss.png"));
  EXPECT_EQ(r->missing, std::vector<std::string>{"loss.png"});
  EXPECT_EQ(r->status, StageStatus::kPartial);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "stage_finished");
  EXPECT_EQ(events.back().status, "partial");
}

TEST(NotesStage, WithoutFiguresListedUsesThePngsOnDisk) {
  auto dir = sci::testing::fresh_temp_dir("notes_scan");
  ASSERT_TRUE(fs::write_file_atomic(dir / "notes.txt", "x\n").ok());
  testing::write_test_png(dir / "z.png", 1);
  ScriptedAgent agent(dir);
  agent.push({{{"notes.txt", "z.png: a sine\n"}}, "ok"});
  auto r = run_notes(dir, {}, agent, NotesOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->figures, std::vector<std::string>{"z.png"});
  EXPECT_EQ(r->status, StageStatus::kCompleted);
}

TEST(NotesStage, LlmErrorIsRecordedAndNoFiguresIsPartialWithoutATurn) {
  auto dir = sci::testing::fresh_temp_dir("notes_error");
  ASSERT_TRUE(fs::write_file_atomic(dir / "notes.txt", "x\n").ok());
  ScriptedAgent agent(dir);  // nothing scripted: the first turn fails
  auto r = run_notes(dir, {"a.png"}, agent, NotesOptions{});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->error.has_value());
  EXPECT_EQ(r->status, StageStatus::kFailed);
  auto none = run_notes(sci::testing::fresh_temp_dir("notes_none"), {}, agent, NotesOptions{});
  EXPECT_FALSE(none.ok());  // no notes.txt there
  auto empty = run_notes(dir, {}, agent, NotesOptions{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->turns, 0);
  EXPECT_EQ(empty->status, StageStatus::kPartial);
}

}  // namespace
}  // namespace sci::experiment
