// Figure checks: real PNGs decoded with libpng; blank, duplicate, missing, empty, corrupt.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "experiment/png_check.h"
#include "support/experiment_fake_script_runner.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

using testing::write_test_png;

TEST(PngCheck, DecodesSizeAndMeasuresAPlotAsNotBlank) {
  auto dir = sci::testing::fresh_temp_dir("png_plot");
  write_test_png(dir / "a.png", 2, 200, 100);
  auto stats = inspect_png(dir / "a.png");
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  EXPECT_EQ(stats->width, 200u);
  EXPECT_EQ(stats->height, 100u);
  EXPECT_GT(stats->file_bytes, 0u);
  EXPECT_GT(stats->luma_variance, 1.0);
  EXPECT_GT(stats->distinct_fraction, 0.002);
  EXPECT_FALSE(is_blank(*stats));
  EXPECT_EQ(stats->pixel_sha256.size(), 64u);
}

TEST(PngCheck, SingleColourImageIsBlank) {
  auto dir = sci::testing::fresh_temp_dir("png_blank");
  write_test_png(dir / "white.png", 0);
  auto stats = inspect_png(dir / "white.png");
  ASSERT_TRUE(stats.ok());
  EXPECT_DOUBLE_EQ(stats->luma_variance, 0.0);
  EXPECT_DOUBLE_EQ(stats->distinct_fraction, 0.0);
  EXPECT_TRUE(is_blank(*stats));
}

TEST(PngCheck, MissingEmptyAndCorruptFilesAreErrors) {
  auto dir = sci::testing::fresh_temp_dir("png_bad");
  EXPECT_EQ(inspect_png(dir / "none.png").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(fs::write_file_atomic(dir / "empty.png", "").ok());
  auto empty = inspect_png(dir / "empty.png");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("is empty"), std::string::npos);
  ASSERT_TRUE(fs::write_file_atomic(dir / "text.png", "this is not an image at all").ok());
  auto text = inspect_png(dir / "text.png");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::kParse);
}

TEST(PngCheck, CheckFiguresReportsEachProblemWithTheFileName) {
  auto dir = sci::testing::fresh_temp_dir("png_check_all");
  write_test_png(dir / "good.png", 1);
  write_test_png(dir / "other.png", 3);
  write_test_png(dir / "good_copy.png", 1);  // same pixels as good.png (sorted after it)
  write_test_png(dir / "blank.png", 0);
  ASSERT_TRUE(fs::write_file_atomic(dir / "zero.png", "").ok());
  auto check = check_figures(dir, {"other.png", "good.png", "good_copy.png", "blank.png", "zero.png", "missing.png"});
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.figures.size(), 6u);
  std::map<std::string, std::string> by_file;
  for (const auto& p : check.problems) by_file[p.file] = p.problem;
  EXPECT_EQ(by_file.count("good.png"), 0u);
  EXPECT_EQ(by_file.count("other.png"), 0u);
  EXPECT_NE(by_file["good_copy.png"].find("identical to good.png"), std::string::npos);
  EXPECT_NE(by_file["blank.png"].find("is blank"), std::string::npos);
  EXPECT_NE(by_file["zero.png"].find("is empty"), std::string::npos);
  EXPECT_NE(by_file["missing.png"].find("was not written"), std::string::npos);
  EXPECT_EQ(check.problems.size(), 4u);
}

TEST(PngCheck, DistinctRealFiguresPass) {
  auto dir = sci::testing::fresh_temp_dir("png_check_ok");
  write_test_png(dir / "a.png", 1);
  write_test_png(dir / "b.png", 2);
  auto check = check_figures(dir, {"a.png", "b.png"});
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(check.figures, (std::vector<std::string>{"a.png", "b.png"}));
}

}  // namespace
}  // namespace sci::experiment
