// template.toml: defaults, every key, and the messages for bad files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/templates_fixtures.h"
#include "support/test_paths.h"
#include "templates/manifest.h"

namespace sci::templates {
namespace {

using ::testing::HasSubstr;
using sci::testing::fresh_temp_dir;
using sci::testing::write_text;

TEST(Manifest, NoTomlGivesDefaultsAndAWarning) {
  auto dir = fresh_temp_dir("t");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_FALSE(m->has_toml);
  EXPECT_EQ(m->interpreter, "/usr/bin/python3");
  EXPECT_EQ(m->run_timeout_s, 7200);
  EXPECT_EQ(m->plot_timeout_s, 600);
  EXPECT_EQ(m->network, Network::kOff);
  EXPECT_TRUE(m->metrics.empty());
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_THAT(m->warnings[0], HasSubstr("no template.toml"));
  EXPECT_EQ(m->name, dir.filename().string());
}

TEST(Manifest, MissingDirectoryIsNotFound) {
  auto m = load_manifest(fresh_temp_dir("t") / "nope");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(m.error().message, HasSubstr("does not exist"));
}

TEST(Manifest, ReadsEveryKey) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", R"(title = "T"
interpreter = "/opt/py/bin/python3"
run_command = ["{interpreter}", "exp.py", "--out_dir", "{out_dir}"]
plot_command = ["{interpreter}", "plots.py"]
page_limit = 4
literature = "lib/papers.bib"
protected_files = ["data/a.txt"]
data_dirs = ["../../data"]
[timeouts]
run_s = 30
plot_s = 5
[limits]
memory_mb = 512
max_processes = 8
disk_quota_mb = 100
network = true
[metrics.acc]
direction = "higher"
name = "Accuracy"
[metrics.loss]
direction = "min"
)");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_TRUE(m->has_toml);
  EXPECT_EQ(m->title, "T");
  EXPECT_EQ(m->interpreter, "/opt/py/bin/python3");
  EXPECT_EQ(m->page_limit, 4);
  EXPECT_EQ(m->literature_bib, "lib/papers.bib");
  EXPECT_EQ(m->protected_files, std::vector<std::string>{"data/a.txt"});
  EXPECT_EQ(m->data_dirs, std::vector<std::string>{"../../data"});
  EXPECT_EQ(m->run_timeout_s, 30);
  EXPECT_EQ(m->plot_timeout_s, 5);
  EXPECT_EQ(m->memory_mb, 512);
  EXPECT_EQ(m->max_processes, 8);
  EXPECT_EQ(m->disk_quota_mb, 100);
  EXPECT_EQ(m->network, Network::kOn);
  EXPECT_EQ(m->direction_of("acc"), Direction::kHigher);
  EXPECT_EQ(m->direction_of("loss"), Direction::kLower);
  EXPECT_EQ(m->direction_of("other"), Direction::kUnknown);
  EXPECT_EQ(m->human_name_of("acc"), "Accuracy");
  EXPECT_EQ(m->human_name_of("loss"), "loss");
  EXPECT_TRUE(m->warnings.empty());
  EXPECT_EQ(expand_command(*m, m->run_command, "run_3"),
            (std::vector<std::string>{"/opt/py/bin/python3", "-s", "exp.py", "--out_dir", "run_3"}));
}

TEST(Manifest, BadDirectionNamesTheLineAndTheChoices) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", "title = \"x\"\n[metrics.acc]\ndirection = \"smaller\"\n");
  auto m = load_manifest(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(m.error().message, HasSubstr("template.toml:3:"));
  EXPECT_THAT(m.error().message, HasSubstr("\"lower\" or \"higher\""));
}

TEST(Manifest, SyntaxErrorIsParseWithLine) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", "title = \"x\"\n\npage_limit = = 3\n");
  auto m = load_manifest(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kParse);
  EXPECT_THAT(m.error().message, HasSubstr("template.toml:3:"));
}

TEST(Manifest, RunCommandWithoutOutDirIsRejected) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", "run_command = [\"python3\", \"experiment.py\"]\n");
  auto m = load_manifest(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error().message, HasSubstr("{out_dir}"));
}

TEST(Manifest, WrongTypesAndEscapingPathsAreRejected) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", "[timeouts]\nrun_s = \"long\"\n");
  auto a = load_manifest(dir);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr("'timeouts.run_s' must be an integer"));
  write_text(dir, "template.toml", "[timeouts]\nrun_s = 0\n");
  auto b = load_manifest(dir);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr(">= 1"));
  write_text(dir, "template.toml", "protected_files = [\"../secret\"]\n");
  auto c = load_manifest(dir);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("inside the template"));
  write_text(dir, "template.toml", "[limits]\nnetwork = \"yes\"\n");
  auto d = load_manifest(dir);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.error().message, HasSubstr("true or false"));
}

TEST(Manifest, UnknownKeysWarnWithSuggestion) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "template.toml", "titel = \"x\"\n[timeouts]\nrun = 3\n[metrics.acc]\ndirektion = \"higher\"\n");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  std::string all;
  for (const auto& w : m->warnings) all += w + "\n";
  EXPECT_THAT(all, HasSubstr("unknown key 'titel' is ignored (did you mean 'title'?)"));
  EXPECT_THAT(all, HasSubstr("unknown key 'timeouts.run'"));
  EXPECT_THAT(all, HasSubstr("did you mean 'metrics.acc.direction'?"));
  EXPECT_THAT(all, HasSubstr("metric 'acc' has no direction"));
  EXPECT_EQ(m->direction_of("acc"), Direction::kUnknown);
}

TEST(Manifest, LiteratureDefaultsToAnExistingBib) {
  auto dir = fresh_temp_dir("t");
  write_text(dir, "latex/literature.bib", "@misc{a, title={A}}\n");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->literature_bib, "latex/literature.bib");
}

TEST(Manifest, MetricDirectionOverride) {
  Manifest m;
  ASSERT_TRUE(apply_metric_direction(m, "val_loss=lower").ok());
  ASSERT_TRUE(apply_metric_direction(m, "acc = higher").ok());
  EXPECT_EQ(m.direction_of("val_loss"), Direction::kLower);
  EXPECT_EQ(m.direction_of("acc"), Direction::kHigher);
  auto bad = apply_metric_direction(m, "acc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message, HasSubstr("NAME=lower"));
  auto worse = apply_metric_direction(m, "acc=up");
  ASSERT_FALSE(worse.ok());
  EXPECT_THAT(worse.error().message, HasSubstr("\"up\""));
  EXPECT_STREQ(direction_name(Direction::kHigher), "higher");
}

TEST(Manifest, ShippedFastTemplateDeclaresAllItsMetrics) {
  auto m = load_manifest(sci::testing::shipped_templates_dir() / "numpy_fast");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_TRUE(m->warnings.empty()) << m->warnings.front();
  EXPECT_EQ(m->direction_of("test_accuracy"), Direction::kHigher);
  EXPECT_EQ(m->direction_of("test_loss"), Direction::kLower);
  EXPECT_EQ(m->direction_of("final_train_loss"), Direction::kLower);
  EXPECT_EQ(m->direction_of("train_time_s"), Direction::kLower);
  EXPECT_EQ(m->literature_bib, "latex/literature.bib");
}

}  // namespace
}  // namespace sci::templates
