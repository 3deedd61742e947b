// The fast numpy template for real: its baseline and plot run with /usr/bin/python3,
// final_info.json and the PNGs are valid, the cache works, and the LaTeX skeleton
// compiles with pdflatex. Also the `scientist template ...` commands end to end.
#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/find_program.h"
#include "proc/run_capture.h"
#include "support/cli_runner.h"
#include "support/templates_fixtures.h"
#include "support/test_paths.h"
#include "templates/baseline.h"
#include "templates/check.h"

namespace sci::templates {
namespace {

using ::testing::HasSubstr;
using sci::testing::fresh_temp_dir;
namespace stdfs = std::filesystem;

bool is_png(const stdfs::path& p) {
  auto data = fs::read_file(p);
  return data.ok() && data->size() > 1000 && data->compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

bool have_python_stack() {
  auto r = proc::run_capture({"/usr/bin/python3", "-c", "import numpy, matplotlib"}, std::chrono::seconds(60));
  return r.ok() && r->exit_code == 0;
}

TEST(FastTemplate, BaselineRunsPlotsAndIsCached) {
  if (!have_python_stack()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and matplotlib";
  auto dir = sci::testing::copy_shipped_template("numpy_fast", fresh_temp_dir("t") / "numpy_fast");
  auto manifest = load_manifest(dir);
  ASSERT_TRUE(manifest.ok()) << manifest.error().to_string();
  auto r = run_baseline(*manifest);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->cached);
  // Four datasets, each with the four declared metrics and their standard errors.
  ASSERT_EQ(r->results.datasets.size(), 4u);
  for (const char* d : {"moons", "circles", "spirals", "xor"}) {
    ASSERT_TRUE(r->results.datasets.count(d)) << d;
    const auto& res = r->results.datasets.at(d);
    ASSERT_EQ(res.means.size(), 4u);
    EXPECT_EQ(res.stderrs.size(), 4u);
    // A trained classifier is far better than chance on every dataset.
    EXPECT_GT(res.means.at("test_accuracy"), 0.8) << d;
    EXPECT_LE(res.means.at("test_accuracy"), 1.0) << d;
    EXPECT_GT(res.means.at("test_loss"), 0.0) << d;
    EXPECT_LT(res.means.at("final_train_loss"), 0.6) << d;
    EXPECT_GT(res.means.at("train_time_s"), 0.0) << d;
  }
  EXPECT_TRUE(load_final_info(dir / "run_0" / "final_info.json").ok());
  EXPECT_EQ(r->info.figures, (std::vector<std::string>{"final_accuracy.png", "test_accuracy.png", "train_loss.png"}));
  for (const auto& f : r->info.figures) EXPECT_TRUE(is_png(dir / "run_0" / "figures" / f)) << f;
  // plot.py ran in a scratch copy: the template itself has no figures.
  EXPECT_FALSE(stdfs::exists(dir / "train_loss.png"));
  EXPECT_GT(r->info.run_wall_s, 0.0);
  std::printf("numpy_fast baseline: run %.2f s, plot %.2f s\n", r->info.run_wall_s, r->info.plot_wall_s);

  // The check now verifies figures against the real baseline and is clean.
  auto report = check_template(dir);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.problems.empty()) << report.problems.front().message;
  EXPECT_TRUE(report.has_baseline);

  // Cached while experiment.py is unchanged; invalidated when it changes.
  auto again = run_baseline(*manifest);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->cached);
  EXPECT_EQ(again->info.created_at, r->info.created_at);
  auto text = *fs::read_file(dir / "experiment.py");
  ASSERT_TRUE(fs::write_file_atomic(dir / "experiment.py", text + "\n# changed\n").ok());
  EXPECT_FALSE(baseline_is_current(dir));
}

TEST(FastTemplate, ExperimentIsDeterministicGivenItsSeeds) {
  if (!have_python_stack()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and matplotlib";
  auto dir = sci::testing::copy_shipped_template("numpy_fast", fresh_temp_dir("t") / "numpy_fast");
  for (const char* out : {"run_a", "run_b"}) {
    auto r = proc::run_capture({"env", "-C", dir.string(), "/usr/bin/python3", "experiment.py", "--quick",
                                std::string("--out_dir=") + out},
                               std::chrono::seconds(120));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->exit_code, 0) << r->output;
  }
  auto a = load_final_info(dir / "run_a" / "final_info.json");
  auto b = load_final_info(dir / "run_b" / "final_info.json");
  ASSERT_TRUE(a.ok() && b.ok());
  for (const auto& [d, res] : a->datasets) {
    EXPECT_DOUBLE_EQ(res.means.at("test_accuracy"), b->datasets.at(d).means.at("test_accuracy"));
    EXPECT_DOUBLE_EQ(res.means.at("test_loss"), b->datasets.at(d).means.at("test_loss"));
  }
}

TEST(FastTemplate, FailingExperimentReportsExitStatusAndOutput) {
  if (!proc::find_program("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  auto dir = fresh_temp_dir("t");
  sci::testing::write_minimal_template(dir);
  sci::testing::write_text(dir, "experiment.py", "import sys\nprint('out_dir boom')\nsys.exit(3)\n");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok());
  auto r = run_baseline(*m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kExternalTool);
  EXPECT_THAT(r.error().message, HasSubstr("exit status 3"));
  EXPECT_THAT(r.error().message, HasSubstr("out_dir boom"));
}

TEST(FastTemplate, SlowExperimentIsStoppedAtTheTimeout) {
  if (!proc::find_program("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  auto dir = fresh_temp_dir("t");
  sci::testing::write_minimal_template(dir);
  sci::testing::write_text(dir, "experiment.py", "import time\ntime.sleep(60)  # out_dir final_info\n");
  sci::testing::write_text(dir, "template.toml", "[timeouts]\nrun_s = 1\n");
  auto m = load_manifest(dir);
  ASSERT_TRUE(m.ok());
  auto start = std::chrono::steady_clock::now();
  auto r = run_baseline(*m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_THAT(r.error().message, HasSubstr("exceeded its 1 s limit"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(FastTemplate, LatexSkeletonCompilesWithPdflatex) {
  if (!proc::find_program("pdflatex") || !proc::find_program("bibtex")) GTEST_SKIP() << "needs texlive";
  // Lay out an idea directory: figures at the root, latex/ below (as \graphicspath expects).
  auto idea = fresh_temp_dir("idea");
  sci::testing::copy_shipped_template("numpy_fast", idea);
  // The real figures: a quick run of the experiment and plot.py in the idea directory.
  if (!have_python_stack()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and matplotlib";
  for (auto argv : std::vector<std::vector<std::string>>{
           {"env", "-C", idea.string(), "/usr/bin/python3", "experiment.py", "--quick", "--out_dir=run_0"},
           {"env", "-C", idea.string(), "/usr/bin/python3", "plot.py"}}) {
    auto r = proc::run_capture(argv, std::chrono::seconds(120));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->exit_code, 0) << r->output;
  }
  for (const auto& f : includegraphics_targets(*fs::read_file(idea / "latex" / "template.tex")))
    ASSERT_TRUE(is_png(idea / f)) << f;
  auto latex = (idea / "latex").string();
  for (auto argv : std::vector<std::vector<std::string>>{
           {"env", "-C", latex, "pdflatex", "-interaction=nonstopmode", "-halt-on-error", "template.tex"},
           {"env", "-C", latex, "bibtex", "template"},
           {"env", "-C", latex, "pdflatex", "-interaction=nonstopmode", "-halt-on-error", "template.tex"},
           {"env", "-C", latex, "pdflatex", "-interaction=nonstopmode", "-halt-on-error", "template.tex"}}) {
    auto r = proc::run_capture(argv, std::chrono::seconds(120));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->exit_code, 0) << argv[3] << ":\n" << r->output.substr(r->output.size() > 3000 ? r->output.size() - 3000 : 0);
  }
  auto pdf = fs::read_file(idea / "latex" / "template.pdf");
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(pdf->compare(0, 5, "%PDF-"), 0);
  auto log = *fs::read_file(idea / "latex" / "template.log");
  EXPECT_THAT(log, ::testing::Not(HasSubstr("Citation `lu2024aiscientist' undefined")));
}

TEST(TemplateCommands, CheckBaselineNewAndListThroughTheBinary) {
  if (!have_python_stack()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and matplotlib";
  auto work = fresh_temp_dir("cli");
  auto dir = sci::testing::copy_shipped_template("numpy_fast", work / "numpy_fast");
  auto check = sci::testing::run_scientist({"template", "check", dir.string()});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("0 error(s)"));
  EXPECT_THAT(check.output, HasSubstr("no baseline yet"));

  auto base = sci::testing::run_scientist({"template", "baseline", dir.string()});
  ASSERT_EQ(base.exit_code, 0) << base.output;
  EXPECT_THAT(base.output, HasSubstr("numpy_fast baseline done"));
  EXPECT_THAT(base.output, HasSubstr("test_accuracy="));
  auto cached = sci::testing::run_scientist({"template", "baseline", dir.string(), "--json"});
  ASSERT_EQ(cached.exit_code, 0) << cached.output;
  EXPECT_THAT(cached.output, HasSubstr("\"cached\": true"));

  auto made = sci::testing::run_scientist({"template", "new", "my_study", "--from", dir.string(), "--dest",
                                           work.string()});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_TRUE(stdfs::exists(work / "my_study" / "TEMPLATE.md"));
  EXPECT_FALSE(stdfs::exists(work / "my_study" / "run_0"));
  EXPECT_THAT(*fs::read_file(work / "my_study" / "template.toml"), HasSubstr("title = \"my_study\""));
  auto check_new = sci::testing::run_scientist({"template", "check", (work / "my_study").string(), "--json"});
  EXPECT_EQ(check_new.exit_code, 0) << check_new.output;
  EXPECT_THAT(check_new.output, HasSubstr("\"ok\": true"));
  auto again = sci::testing::run_scientist({"template", "new", "my_study", "--from", dir.string(), "--dest",
                                            work.string()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.output, HasSubstr("already exists"));

  auto list = sci::testing::run_scientist({"template", "list", work.string()});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("numpy_fast"));
  EXPECT_THAT(list.output, HasSubstr("my_study"));

  auto broken = work / "broken";
  sci::testing::write_minimal_template(broken);
  sci::testing::write_text(broken, "prompt.json", "[]");
  auto bad = sci::testing::run_scientist({"template", "check", broken.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("error   prompt.json: must be a JSON object"));
  EXPECT_THAT(bad.output, HasSubstr("fix: use {\"system\""));
}

}  // namespace
}  // namespace sci::templates
