// The stage commands one by one through the built binary, as a user drives them by
// hand: `template baseline` -> `idea prepare` -> `experiment` -> `plot` -> `notes`,
// with the model replies replayed from the scripted cassette (SCIENTIST_LLM_REPLAY).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "support.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

TEST(StageCommandsE2E, BaselinePrepareExperimentPlotNotesByHand) {
  auto dir = fresh_temp_dir("stage_commands");
  auto tmpl = copy_fast_template(dir);
  std::vector<std::string> env = {"SCIENTIST_LLM_REPLAY=" + demo_cassette().string()};
  auto config = demo_config().string();

  auto baseline = run_scientist({"--config", config, "template", "baseline", tmpl.string()}, dir, env, 300);
  ASSERT_EQ(baseline.exit_code, 0) << baseline.output;
  ASSERT_TRUE(stdfs::exists(tmpl / "run_0" / "final_info.json"));

  json idea = {{"Name", "label_smoothing"},
               {"Title", "Label smoothing in tiny networks"},
               {"Experiment", "Train with smoothed targets and compare test cross-entropy."},
               {"Interestingness", 5},
               {"Feasibility", 9},
               {"Novelty", 4}};
  ASSERT_TRUE(fs::write_file_atomic(dir / "idea.json", idea.dump()).ok());
  auto prepared = run_scientist({"--config", config, "idea", "prepare", "--template", tmpl.string(), "--idea",
                                 (dir / "idea.json").string(), "--results-dir", (dir / "results").string(), "--json"},
                                dir, env, 120);
  ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  stdfs::path idea_dir;
  for (const auto& e : stdfs::directory_iterator(dir / "results" / "numpy_fast"))
    if (stdfs::exists(e.path() / "idea.json")) idea_dir = e.path();
  ASSERT_FALSE(idea_dir.empty()) << prepared.output;

  auto experiment = run_scientist({"--config", config, "experiment", idea_dir.string()}, dir, env, 300);
  ASSERT_EQ(experiment.exit_code, 0) << experiment.output;
  EXPECT_TRUE(stdfs::exists(idea_dir / "run_1" / "final_info.json"));
  EXPECT_TRUE(stdfs::exists(idea_dir / "run_2" / "final_info.json"));

  auto plot = run_scientist({"--config", config, "plot", idea_dir.string()}, dir, env, 300);
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  int figures = 0;
  for (const auto& e : stdfs::directory_iterator(idea_dir)) figures += e.path().extension() == ".png";
  EXPECT_GE(figures, 2);

  auto notes = run_scientist({"--config", config, "notes", idea_dir.string()}, dir, env, 120);
  ASSERT_EQ(notes.exit_code, 0) << notes.output;
  auto text = fs::read_file(idea_dir / "notes.txt");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find(".png"), std::string::npos);
}

}  // namespace
}  // namespace sci::testing
