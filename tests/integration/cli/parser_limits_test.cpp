// The built binary on hostile inputs its host-side parsers once choked on (issue #22):
// deeply nested template.toml / config files (a stack overflow in toml++), a .bib whose
// @string chain doubles 40 times (unbounded memory) and a final_info.json with 100k
// metrics (a quadratic integrity check). Every run is bounded from outside: a timeout,
// and for the .bib an address-space cap, so a regression fails instead of hanging.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/bounded_child.h"
#include "support/cli_runner.h"
#include "support/templates_fixtures.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;

constexpr int kTimeoutS = 60;

// A scratch HOME and XDG_CONFIG_HOME, so no config of the developer's leaks in.
std::vector<std::string> clean_env(const stdfs::path& home) {
  return {"HOME=" + home.string(), "XDG_CONFIG_HOME=" + home.string()};
}

std::string deep_dotted_key(int levels) {
  std::string key = "deep";
  for (int i = 1; i < levels; ++i) key += ".a";
  return key + " = 1\n";
}

std::string deep_arrays(int levels) {
  return "x = " + std::string(static_cast<size_t>(levels), '[') +
         std::string(static_cast<size_t>(levels), ']') + "\n";
}

stdfs::path template_with_toml(const std::string& name, const std::string& extra_toml) {
  const stdfs::path dir = fresh_temp_dir(name) / "tpl";
  write_minimal_template(dir);
  auto toml = fs::read_file(dir / "template.toml");
  EXPECT_TRUE(toml.ok());
  write_text(dir, "template.toml", extra_toml + toml.value_or(""));
  return dir;
}

// A run that died of a signal reads as -1, a timeout as 124: neither is a user error.
void expect_user_error(const CliResult& r, int expected_exit) {
  EXPECT_NE(r.exit_code, -1) << "killed by a signal (stack overflow?):\n" << r.output;
  EXPECT_NE(r.exit_code, 124) << "timed out:\n" << r.output;
  EXPECT_EQ(r.exit_code, expected_exit) << r.output;
}

TEST(ParserLimitsTest, TemplateCheckReportsA100kLevelDottedKeyInsteadOfCrashing) {
  const stdfs::path dir = template_with_toml("deep_key", deep_dotted_key(100000));
  const stdfs::path home = fresh_temp_dir("deep_key_home");
  auto r = run_scientist({"template", "check", dir.string()}, home, clean_env(home), kTimeoutS);
  expect_user_error(r, 1);  // a failed check
  EXPECT_NE(r.output.find("nests 100000 levels deep"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("over the limit of 64"), std::string::npos) << r.output;
}

TEST(ParserLimitsTest, TemplateCheckReportsDeeplyNestedArraysAndInlineTables) {
  const stdfs::path home = fresh_temp_dir("deep_arrays_home");
  const stdfs::path arrays = template_with_toml("deep_arrays", deep_arrays(100000));
  auto r = run_scientist({"template", "check", arrays.string()}, home, clean_env(home), kTimeoutS);
  expect_user_error(r, 1);
  EXPECT_NE(r.output.find("over the limit of 64"), std::string::npos) << r.output;

  std::string tables = "x = ";
  for (int i = 0; i < 50000; ++i) tables += "{a = ";
  tables += "1" + std::string(50000, '}') + "\n";
  const stdfs::path inline_tables = template_with_toml("deep_tables", tables);
  auto t = run_scientist({"template", "check", inline_tables.string()}, home, clean_env(home), kTimeoutS);
  expect_user_error(t, 1);
  EXPECT_NE(t.output.find("over the limit of 64"), std::string::npos) << t.output;
}

TEST(ParserLimitsTest, RunRefusesADeepTemplateTomlWithTheLimit) {
  const stdfs::path dir = template_with_toml("deep_run", deep_dotted_key(100000));
  const stdfs::path home = fresh_temp_dir("deep_run_home");
  const stdfs::path cassettes = source_dir() / "cassettes/numpy_fast";
  auto r = run_scientist({"--config", (cassettes / "scientist.toml").string(), "run", "--template",
                          dir.string(), "--replay", (cassettes / "cassette.jsonl").string(), "--engine",
                          "local", "--no-pdf", "--results", (home / "batch").string()},
                         home, clean_env(home), kTimeoutS);
  expect_user_error(r, 2);
  EXPECT_NE(r.output.find("template.toml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("over the limit of 64"), std::string::npos) << r.output;
}

TEST(ParserLimitsTest, ConfigShowRefusesADeepConfigFile) {
  const stdfs::path home = fresh_temp_dir("deep_config");
  const stdfs::path file = home / "deep.toml";
  ASSERT_TRUE(fs::write_file_atomic(file, "[llm]\n" + deep_dotted_key(100000)).ok());
  auto r = run_scientist({"--config", file.string(), "config", "show"}, home, clean_env(home), kTimeoutS);
  expect_user_error(r, 2);
  EXPECT_NE(r.output.find(file.string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("over the limit of 64"), std::string::npos) << r.output;

  ASSERT_TRUE(fs::write_file_atomic(file, deep_arrays(100000)).ok());
  auto a = run_scientist({"--config", file.string(), "config", "show"}, home, clean_env(home), kTimeoutS);
  expect_user_error(a, 2);
  EXPECT_NE(a.output.find("over the limit of 64"), std::string::npos) << a.output;
}

TEST(ParserLimitsTest, ConfigShowRefusesAConfigFileOverOneMiB) {
  const stdfs::path home = fresh_temp_dir("big_config");
  const stdfs::path file = home / "big.toml";
  std::string text = "[llm]\n";
  while (text.size() <= (size_t{1} << 20)) text += "# padding padding padding padding padding padding\n";
  ASSERT_TRUE(fs::write_file_atomic(file, text).ok());
  auto r = run_scientist({"--config", file.string(), "config", "show"}, home, clean_env(home), kTimeoutS);
  expect_user_error(r, 2);
  EXPECT_NE(r.output.find("over the limit of 1 MiB"), std::string::npos) << r.output;
}

// @string{a0 = "xx"} @string{a1 = a0 # a0} ... a40 would be 2 TiB; the old parser grew
// to 9 GB in a minute. Capped at 1 GiB here, such a parser fails with std::bad_alloc
// (or dies of a signal) instead.
TEST(ParserLimitsTest, LitIndexOfADoublingStringChainStaysSmallAndIndexesTheRest) {
  if (!address_space_limit_usable()) GTEST_SKIP() << "RLIMIT_AS does not work under AddressSanitizer";
  const stdfs::path dir = fresh_temp_dir("bib_bomb");
  std::string bib = "@string{a0 = \"xx\"}\n";
  for (int i = 1; i <= 40; ++i) bib += fmt::format("@string{{a{} = a{} # a{}}}\n", i, i - 1, i - 1);
  bib += "@article{bomb, title = {A bomb}, author = {Mallory, M.}, year = 2024, abstract = a40}\n";
  bib += "@article{fine, title = {A fine paper}, author = {Doe, Jane}, year = 2023}\n";
  ASSERT_TRUE(fs::write_file_atomic(dir / "bomb.bib", bib).ok());
  auto r = run_scientist_memory_limited(
      {"lit", "index", (dir / "bomb.bib").string(), "--library", (dir / "library.db").string()}, dir,
      clean_env(dir), size_t{1} << 30, kTimeoutS);
  expect_user_error(r, 0);  // indexed, with warnings
  EXPECT_NE(r.output.find("indexed 2 papers"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("@string a16 is longer than 64 KiB"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("entry 'bomb': field 'abstract'"), std::string::npos) << r.output;
}

TEST(ParserLimitsTest, PaperCheckOf100kMetricsFinishesWithinAMinute) {
  const stdfs::path idea = fresh_temp_dir("many_metrics") / "idea";
  std::string info = "{\"bench\": {\"means\": {";
  for (int i = 0; i < 100000; ++i)
    info += fmt::format("{}\"metric_{}\": {:.4f}", i ? ", " : "", i, 0.5 + (i % 997) / 2000.0);
  info += "}}}\n";
  ASSERT_TRUE(fs::write_file_atomic(idea / "run_0/final_info.json", info).ok());
  ASSERT_TRUE(
      fs::write_file_atomic(idea / "latex/template.tex",
                            "\\documentclass{article}\n\\begin{document}\nWe reach 0.5005 on one metric "
                            "and 0.9975 on another, but 0.1234 nowhere.\n\\end{document}\n")
          .ok());
  const stdfs::path home = fresh_temp_dir("many_metrics_home");
  auto r = run_scientist({"paper", "check", idea.string()}, home, clean_env(home), kTimeoutS);
  expect_user_error(r, 1);  // 0.1234 is unsupported
  EXPECT_NE(r.output.find("3 number(s): 2 supported, 0 exempt, 1 unsupported"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace sci::testing
