// Idea preparation: template copy, run_0 as a real directory, idea.json and notes.txt.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "experiment/prepare.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

namespace stdfs = std::filesystem;

stdfs::path make_template(const stdfs::path& root) {
  auto t = root / "tiny";
  EXPECT_TRUE(fs::write_file_atomic(t / "experiment.py", "print(1)\n").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "plot.py", "print(2)\n").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "latex" / "template.tex", "\\documentclass{article}\n").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "run_0" / "final_info.json",
                                    R"({"moons": {"means": {"accuracy": 0.9}}})").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "run_3" / "final_info.json", "{}").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "attempts" / "run_1.1" / "x", "x").ok());
  return t;
}

TEST(ParseIdea, AcceptsTheOriginalsCapitalisedKeysAndSanitisesTheName) {
  auto idea = parse_idea(R"([{"Name": "Wide MLP-2", "Title": "T", "Experiment": "E", "Interestingness": 7,
                              "Feasibility": "8", "Novelty": 6, "novel": true}])", "ideas.json");
  ASSERT_TRUE(idea.ok()) << idea.error().to_string();
  EXPECT_EQ(idea->name, "wide_mlp_2");
  EXPECT_EQ(idea->interestingness, 7);
  EXPECT_EQ(idea->feasibility, 8);
  auto bad = parse_idea(R"({"name": "x", "title": "T"})", "idea.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("experiment"), std::string::npos);
}

TEST(PrepareIdea, CopiesTemplateWithoutLaterRunsAndWritesNotes) {
  auto root = sci::testing::fresh_temp_dir("prepare_idea");
  auto t = make_template(root);
  Idea idea{"wide", "Wider is better", "Double the hidden size.", 1, 2, 3};
  auto p = prepare_idea(t, idea, root / "results", "20260101_120000");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->idea_dir, root / "results" / "tiny" / "20260101_120000_wide");
  EXPECT_TRUE(stdfs::exists(p->idea_dir / "experiment.py"));
  EXPECT_TRUE(stdfs::exists(p->idea_dir / "latex" / "template.tex"));
  EXPECT_TRUE(stdfs::is_directory(stdfs::symlink_status(p->idea_dir / "run_0")));
  EXPECT_TRUE(stdfs::exists(p->idea_dir / "run_0" / "final_info.json"));
  EXPECT_FALSE(stdfs::exists(p->idea_dir / "run_3"));
  EXPECT_FALSE(stdfs::exists(p->idea_dir / "attempts"));
  auto notes = fs::read_file(p->idea_dir / "notes.txt");
  ASSERT_TRUE(notes.ok());
  EXPECT_NE(notes->find("# Title: Wider is better"), std::string::npos);
  EXPECT_NE(notes->find("# Experiment description: Double the hidden size."), std::string::npos);
  EXPECT_NE(notes->find("## Run 0: Baseline\nResults: {'moons': {'accuracy': 0.9}}"), std::string::npos);
  auto back = load_idea_dir(p->idea_dir);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->title, "Wider is better");
  // Same stamp again: refuses to overwrite.
  auto again = prepare_idea(t, idea, root / "results", "20260101_120000");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
}

TEST(PrepareIdea, TemplateWithoutBaselineNamesTheFix) {
  auto root = sci::testing::fresh_temp_dir("prepare_no_baseline");
  ASSERT_TRUE(fs::write_file_atomic(root / "t" / "experiment.py", "print(1)\n").ok());
  auto p = prepare_idea(root / "t", Idea{"a", "b", "c"}, root / "results");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_NE(p.error().message.find("baseline"), std::string::npos);
}

}  // namespace
}  // namespace sci::experiment
