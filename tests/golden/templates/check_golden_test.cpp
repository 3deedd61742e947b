// `scientist template check` on broken template fixtures: the built binary's whole output
// and exit code match tests/golden/templates/expected/<case>.txt (the fixture's path is
// written as <FIXTURE>; SCI_UPDATE_GOLDEN=1 rebaselines). Each case starts from the
// tests' minimal valid template (tests/support/minimal_template) with fixtures/valid/
// laid over it (a template.toml whose interpreter has no slash, so the output does not
// depend on the machine); every other fixture holds only what breaks it in one way a
// template author would hit: files that replace or add to those, and a REMOVED list of
// files to leave out. The test assembles each case in a scratch directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <system_error>

#include "base/fs.h"
#include "base/strings.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::templates {
namespace {

namespace stdfs = std::filesystem;

enum class Outcome { kFails, kPasses };  // errors -> exit 1; warnings only -> exit 0

struct Case {
  const char* name;  // directory under fixtures/ and expected/<name>.txt
  const char* what;  // the one thing broken, for failure messages
  Outcome outcome;
};

const Case kCases[] = {
    {"valid", "nothing: a minimal valid template without a baseline", Outcome::kPasses},
    {"missing_experiment", "experiment.py is absent", Outcome::kFails},
    {"experiment_no_out_dir", "experiment.py writes final_info.json into the cwd, ignoring --out_dir",
     Outcome::kFails},
    {"experiment_out_dir_hyphen", "experiment.py declares --out-dir but the run passes --out_dir",
     Outcome::kFails},
    {"plot_no_labels", "plot.py names its runs in `names` instead of `labels`", Outcome::kFails},
    {"prompt_invalid_json", "prompt.json has a trailing comma", Outcome::kFails},
    {"prompt_no_task_description", "prompt.json says \"description\" instead of \"task_description\"",
     Outcome::kFails},
    {"seed_idea_no_name", "the seed idea has no Name", Outcome::kFails},
    {"seed_idea_score_text", "the seed idea's Feasibility is the string \"high\"", Outcome::kFails},
    {"latex_no_bibliography", "latex/template.tex has no \\bibliography", Outcome::kFails},
    {"latex_figure_not_plotted", "latex/template.tex includes accuracy.png, which plot.py never writes",
     Outcome::kFails},
    {"latex_cite_unknown_key", "latex/template.tex cites a key latex/references.bib does not have",
     Outcome::kFails},
    {"latex_no_graphicspath", "latex/template.tex has no \\graphicspath{{../}}", Outcome::kFails},
    {"toml_syntax_error", "template.toml has an unterminated string", Outcome::kFails},
    {"toml_too_deep", "template.toml has a key 65 levels deep, over the nesting limit", Outcome::kFails},
    {"toml_direction_up", "template.toml gives a metric direction \"up\"", Outcome::kFails},
    {"toml_unknown_key", "template.toml misspells `literature` (a warning only)", Outcome::kPasses},
    {"toml_metric_no_direction", "template.toml declares [metrics.loss] without a direction (a warning only)",
     Outcome::kPasses},
    {"toml_run_command_no_out_dir", "template.toml's run_command does not pass {out_dir}", Outcome::kFails},
    {"toml_protected_outside", "template.toml protects a file outside the template", Outcome::kFails},
    {"baseline_metric_no_direction",
     "run_0 reports a metric template.toml gives no direction (a warning only)", Outcome::kPasses},
    {"baseline_wrong_shape", "run_0/final_info.json has `means` as a list", Outcome::kFails},
};

stdfs::path golden_dir() { return testing::source_dir() / "tests/golden/templates"; }

// The minimal template and valid/ with the case's files laid over it and its REMOVED files left out, in a fresh
// directory named after the case.
stdfs::path assemble_fixture(const std::string& name) {
  const stdfs::path fixtures = golden_dir() / "fixtures";
  const stdfs::path dir = testing::fresh_temp_dir("fixture") / name;
  const auto overlay = stdfs::copy_options::recursive | stdfs::copy_options::overwrite_existing;
  stdfs::copy(testing::source_dir() / "tests/support/minimal_template", dir, overlay);
  stdfs::copy(fixtures / "valid", dir, overlay);  // its template.toml: interpreter "python3"
  if (name == "valid") return dir;
  stdfs::copy(fixtures / name, dir, overlay);
  if (auto removed = fs::read_file(dir / "REMOVED"); removed.ok()) {
    for (const auto& line : str::split_lines(*removed))
      if (!str::trim(line).empty()) stdfs::remove(dir / std::string(str::trim(line)));
    stdfs::remove(dir / "REMOVED");
  }
  return dir;
}

// Whole output with the fixture's absolute path replaced, so the golden is the same on
// every machine and checkout.
std::string normalise(std::string output, const stdfs::path& fixture) {
  return str::replace_all(std::move(output), fixture.string(), "<FIXTURE>");
}

class TemplateCheckGolden : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateCheckGolden, OutputAndExitCodeMatchGolden) {
  const Case& c = GetParam();
  std::error_code ec;
  ASSERT_TRUE(stdfs::is_regular_file(testing::binary_path(), ec))
      << "this suite runs the built binary: build the `scientist` target first (" << testing::binary_path()
      << ")";
  ASSERT_TRUE(stdfs::is_directory(golden_dir() / "fixtures" / c.name, ec)) << c.name;
  const stdfs::path fixture = stdfs::absolute(assemble_fixture(c.name), ec).lexically_normal();

  // A scratch cwd and config home: no scientist.toml of the developer's leaks into the run.
  const stdfs::path cwd = testing::fresh_temp_dir("cwd");
  auto r = testing::run_scientist({"template", "check", fixture.string()}, cwd,
                                  {"HOME=" + cwd.string(), "XDG_CONFIG_HOME=" + cwd.string()}, 30);
  const std::string actual = "exit " + std::to_string(r.exit_code) + "\n" + normalise(r.output, fixture);

  // Exit code semantics, independent of the golden: an `error` line means failure.
  const bool has_error =
      r.output.find("\nerror ") != std::string::npos || str::starts_with(r.output, "error ");
  if (c.outcome == Outcome::kFails) {
    EXPECT_EQ(r.exit_code, 1) << c.name << " (" << c.what << ") must fail:\n" << r.output;
    EXPECT_TRUE(has_error) << c.name << ": a failing check prints at least one error line:\n" << r.output;
  } else {
    EXPECT_EQ(r.exit_code, 0) << c.name << " (" << c.what << ") must pass:\n" << r.output;
    EXPECT_FALSE(has_error) << c.name << ":\n" << r.output;
  }
  // Every problem line is followed by its fix.
  const auto lines = str::split_lines(r.output);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (str::starts_with(lines[i], "error ") || str::starts_with(lines[i], "warning ")) {
      EXPECT_TRUE(i + 1 < lines.size() && str::starts_with(lines[i + 1], "        fix: "))
          << c.name << ": no fix for: " << lines[i];
    }
  }

  const stdfs::path golden = golden_dir() / "expected" / (std::string(c.name) + ".txt");
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(golden, actual).ok()) << golden;
    return;
  }
  auto expected = fs::read_file(golden);
  ASSERT_TRUE(expected.ok()) << "missing golden " << golden << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << "case " << c.name << " (" << c.what << "): output differs from " << golden
                               << "\n(rerun with SCI_UPDATE_GOLDEN=1 if the change is intended, then review "
                                  "the diff)";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TemplateCheckGolden, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name); });

// A fixture directory without a case (or a case without a directory) would go unchecked.
TEST(TemplateCheckGoldenSuite, EveryFixtureDirectoryHasACase) {
  std::set<std::string> dirs, cases, goldens;
  for (const auto& e : stdfs::directory_iterator(golden_dir() / "fixtures"))
    if (e.is_directory()) dirs.insert(e.path().filename().string());
  for (const Case& c : kCases) cases.insert(c.name);
  EXPECT_EQ(dirs, cases);
  for (const auto& e : stdfs::directory_iterator(golden_dir() / "expected"))
    goldens.insert(e.path().stem().string());
  if (!std::getenv("SCI_UPDATE_GOLDEN")) {
    EXPECT_EQ(goldens, cases) << "stale or missing files in expected/";
  }
}

}  // namespace
}  // namespace sci::templates
