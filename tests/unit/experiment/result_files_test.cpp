// The result manifest shown to the plotting model: key paths, types, examples, files.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "experiment/result_files.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(ResultFiles, ListsKeyPathsTypesExamplesAndOtherFilesOfSuccessfulRunsOnly) {
  auto dir = sci::testing::fresh_temp_dir("result_manifest");
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_0/final_info.json",
                                    R"({"moons": {"means": {"acc": 0.9}, "stderrs": {"acc": 0.01}}})")
                  .ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_1/final_info.json",
                                    R"({"moons": {"means": {"acc": 0.93, "lr": 0.1}, "curve": [0.5, 0.4, 0.3, 0.2]}})")
                  .ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_1/all_results.json", std::string(1234, ' ')).ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "attempts/run_2.1/final_info.json", R"({"x": {"means": {"bad": 1}}})").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_notes/final_info.json", "{}").ok());  // not a run directory
  auto m = scan_results(dir);
  EXPECT_EQ(m.runs, (std::vector<int>{0, 1}));
  std::map<std::string, ResultKey> keys;
  for (const auto& k : m.keys) keys[k.path] = k;
  ASSERT_EQ(keys.count("moons.means.acc"), 1u);
  EXPECT_EQ(keys["moons.means.acc"].type, "number");
  EXPECT_EQ(keys["moons.means.acc"].example, "0.9");
  EXPECT_EQ(keys["moons.means.acc"].runs, (std::vector<int>{0, 1}));
  EXPECT_EQ(keys["moons.means.lr"].runs, (std::vector<int>{1}));
  EXPECT_EQ(keys["moons.curve"].type, "array[4] of number");
  EXPECT_EQ(keys["moons.curve"].example, "[0.5, 0.4, 0.3, ...]");
  EXPECT_EQ(keys.count("x.means.bad"), 0u);  // failed attempts are never shown
  ASSERT_EQ(m.other_files.size(), 1u);
  EXPECT_EQ(m.other_files[0].path, "run_1/all_results.json");
  EXPECT_EQ(m.other_files[0].size_bytes, 1234u);

  std::string text = format_manifest(m);
  EXPECT_TRUE(contains(text, "Runs with results: run_0, run_1"));
  EXPECT_TRUE(contains(text, "- `moons.means.acc`: number, e.g. 0.9 (all runs)"));
  EXPECT_TRUE(contains(text, "- `moons.means.lr`: number, e.g. 0.1 (runs 1)"));
  EXPECT_TRUE(contains(text, "- `run_1/all_results.json` (1234 bytes)"));
}

TEST(ResultFiles, MalformedFinalInfoBecomesAWarningNotAFailure) {
  auto dir = sci::testing::fresh_temp_dir("result_manifest_bad");
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_0/final_info.json", "{not json").ok());
  auto m = scan_results(dir);
  EXPECT_TRUE(m.runs.empty());
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_TRUE(contains(m.warnings[0], "run_0/final_info.json"));
  EXPECT_TRUE(contains(format_manifest(m), "No run directory has a final_info.json yet."));
}

TEST(ResultFiles, ListsAreCappedWithACountOfTheRest) {
  auto dir = sci::testing::fresh_temp_dir("result_manifest_cap");
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_0/final_info.json", R"({"d": {"means": {"a": 1, "b": 2, "c": 3}}})").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fs::write_file_atomic(dir / "run_0" / ("f" + std::to_string(i)), "x").ok());
  auto m = scan_results(dir, 3, 2);
  EXPECT_EQ(m.keys.size(), 3u);
  EXPECT_EQ(m.other_files.size(), 2u);
  ASSERT_EQ(m.warnings.size(), 2u);
  EXPECT_TRUE(contains(m.warnings[0], "more key paths"));
  EXPECT_TRUE(contains(m.warnings[1], "3 more files"));
}

}  // namespace
}  // namespace sci::experiment
