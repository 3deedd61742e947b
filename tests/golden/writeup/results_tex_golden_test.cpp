// latex/results.tex and latex/environment.tex generated from a fixture idea directory
// match their golden files; macro names are letters only; numbers use the canonical rounding.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "base/fs.h"
#include "support/writeup_fixtures.h"
#include "writeup/results_tex.h"

namespace sci::writeup {
namespace {

void expect_golden(const std::string& file, const std::string& actual) {
  auto path = testing::writeup_fixture("golden") / file;
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(path, actual).ok());
  }
  auto expected = fs::read_file(path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << file;
}

GeneratedTex generate_basic() {
  auto manifest = testing::writeup_basic_manifest();
  auto data = load_idea_data(testing::writeup_fixture("idea_basic"), &manifest);
  EXPECT_TRUE(data.ok()) << (data.ok() ? "" : data.error().to_string());
  return generate_tex(*data, &manifest);
}

TEST(ResultsTexGolden, ResultsAndEnvironmentMatchGolden) {
  auto g = generate_basic();
  expect_golden("results.tex", g.results_tex);
  expect_golden("environment.tex", g.environment_tex);
  expect_golden("writer_guide.txt", g.writer_guide);
}

TEST(ResultsTexGolden, MacroNamesAreLettersOnlyAndValuesUseCanonicalRounding) {
  auto g = generate_basic();
  std::regex letters(R"(^\\[A-Za-z]+$)");
  for (const auto& [name, value] : g.macros) EXPECT_TRUE(std::regex_match(name, letters)) << name;
  EXPECT_EQ(g.macros.at("\\ResRunOneMoonsTestAcc"), "0.9124");
  EXPECT_EQ(g.macros.at("\\ResRunOneMoonsTestAccErr"), "0.0039");
  EXPECT_EQ(g.macros.at("\\ResRunZeroCirclesTrainTimeS"), "11.02");
  EXPECT_EQ(g.macros.at("\\EnvGpuModel").size(), 0u + std::string("NVIDIA H100 80GB HBM3").size());
  EXPECT_EQ(g.macros.count("\\ResRunOneMoonsTrainTimeSErr"), 0u);  // no stderr logged
}

TEST(ResultsTexGolden, BestValueIsBoldOnlyForMetricsWithADirection) {
  auto g = generate_basic();
  // moons: test_acc best is run_1 (higher), train_loss best is run_1 (lower); train_time_s has no direction.
  EXPECT_NE(g.results_tex.find("\\textbf{0.9124 $\\pm$ 0.0039}"), std::string::npos);
  EXPECT_NE(g.results_tex.find("\\textbf{0.2213 $\\pm$ 0.0095}"), std::string::npos);
  EXPECT_EQ(g.results_tex.find("\\textbf{9.73}"), std::string::npos);
  EXPECT_EQ(g.results_tex.find("\\textbf{14.87}"), std::string::npos);
}

TEST(ResultsTexFormat, SignificantDigitsAndNames) {
  EXPECT_EQ(format_number(0.91236), "0.9124");
  EXPECT_EQ(format_number(0.9), "0.9");
  EXPECT_EQ(format_number(1234.56), "1235");
  EXPECT_EQ(format_number(123456.7), "123457");
  EXPECT_EQ(format_number(0.00123456), "0.001235");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_number(9.99996), "10");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(camel_letters("test_acc"), "TestAcc");
  EXPECT_EQ(camel_letters("top1-acc"), "TopOneAcc");
  EXPECT_EQ(camel_letters("x_div_y"), "XDivY");
  EXPECT_EQ(camel_letters("__"), "X");
  EXPECT_EQ(number_word(12), "OneTwo");
  EXPECT_EQ(latex_escape("a_b 50% & $x"), "a\\_b 50\\% \\& \\$x");
}

}  // namespace
}  // namespace sci::writeup
