// template check: the shipped templates pass, and each broken fixture is rejected with
// a message naming the file, the problem and the fix.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "support/templates_fixtures.h"
#include "support/test_paths.h"
#include "templates/check.h"

namespace sci::templates {
namespace {

using ::testing::HasSubstr;
using sci::testing::fresh_temp_dir;
using sci::testing::write_minimal_template;
using sci::testing::write_text;
namespace stdfs = std::filesystem;

std::string errors_of(const CheckReport& r) {
  std::string out;
  for (const auto& p : r.problems)
    if (p.severity == Severity::kError) out += p.file + ": " + p.message + " | fix: " + p.fix + "\n";
  return out;
}
std::string warnings_of(const CheckReport& r) {
  std::string out;
  for (const auto& p : r.problems)
    if (p.severity == Severity::kWarning) out += p.file + ": " + p.message + " | fix: " + p.fix + "\n";
  return out;
}

class ShippedTemplate : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedTemplate, PassesCheckWithoutErrors) {
  auto dir = sci::testing::shipped_templates_dir() / GetParam();
  auto report = check_template(dir);
  EXPECT_TRUE(report.ok()) << errors_of(report);
  // The only acceptable warnings are about the baseline, which is made on the user's machine.
  for (const auto& p : report.problems) EXPECT_EQ(p.file, "run_0") << p.message;
  EXPECT_FALSE(report.manifest.metrics.empty());
  for (const auto& [name, spec] : report.manifest.metrics)
    EXPECT_NE(spec.direction, Direction::kUnknown) << name;
}

TEST_P(ShippedTemplate, ShipsThirtyRealLiteratureEntries) {
  auto dir = sci::testing::shipped_templates_dir() / GetParam();
  auto report = check_template(dir);
  ASSERT_FALSE(report.manifest.literature_bib.empty());
  auto bib = fs::read_file(dir / report.manifest.literature_bib);
  ASSERT_TRUE(bib.ok());
  size_t entries = 0, with_abstract = 0;
  for (size_t pos = 0; (pos = bib->find("\n@", pos)) != std::string::npos; ++pos) ++entries;
  for (size_t pos = 0; (pos = bib->find("abstract = {", pos)) != std::string::npos; ++pos) ++with_abstract;
  EXPECT_GE(entries, 30u);
  EXPECT_EQ(with_abstract, entries);
}

INSTANTIATE_TEST_SUITE_P(All, ShippedTemplate,
                         ::testing::Values("numpy_fast", "2d_diffusion", "nanoGPT_lite", "grokking"),
                         [](const auto& p) { return p.param == "2d_diffusion" ? std::string("diffusion_2d") : p.param; });

TEST(TemplateCheck, MinimalTemplateIsValid) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  auto r = check_template(dir);
  EXPECT_TRUE(r.ok()) << errors_of(r);
  EXPECT_THAT(warnings_of(r), HasSubstr("run_0: no baseline yet"));
}

TEST(TemplateCheck, MissingDirectoryIsOneError) {
  auto r = check_template(fresh_temp_dir("t") / "absent");
  ASSERT_EQ(r.error_count(), 1);
  EXPECT_THAT(r.problems[0].message, HasSubstr("does not exist"));
}

TEST(TemplateCheck, MissingFilesAreEachNamed) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  for (const char* f : {"experiment.py", "plot.py", "prompt.json", "seed_ideas.json", "latex/template.tex"})
    stdfs::remove(dir / f);
  auto r = check_template(dir);
  std::string e = errors_of(r);
  EXPECT_THAT(e, HasSubstr("experiment.py: missing | fix: add experiment.py: it must accept --out_dir=run_i"));
  EXPECT_THAT(e, HasSubstr("plot.py: missing"));
  EXPECT_THAT(e, HasSubstr("prompt.json: missing"));
  EXPECT_THAT(e, HasSubstr("seed_ideas.json: missing"));
  EXPECT_THAT(e, HasSubstr("latex/template.tex: missing"));
}

TEST(TemplateCheck, ExperimentWithoutOutDirIsRejected) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "experiment.py", "print('hello')\n");
  std::string e = errors_of(check_template(dir));
  EXPECT_THAT(e, HasSubstr("experiment.py: does not mention out_dir"));
  EXPECT_THAT(e, HasSubstr("experiment.py: never writes final_info.json"));
}

TEST(TemplateCheck, ExperimentDeclaringAnotherFlagThanTheRunPassesIsRejected) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  auto exp = *fs::read_file(dir / "experiment.py");
  write_text(dir, "experiment.py", sci::str::replace_all(exp, "\"--out_dir\"", "\"--out-dir\""));
  EXPECT_THAT(errors_of(check_template(dir)),
              HasSubstr("experiment.py: argparse never declares \"--out_dir\", but each run is started with "
                        "--out_dir=run_i"));
  write_text(dir, "experiment.py", sci::str::replace_all(exp, "\"--out_dir\"", "'--out_dir'"));
  EXPECT_TRUE(check_template(dir).ok()) << "single quotes declare the flag too";
}

TEST(TemplateCheck, CitationMissingFromTheBibliographyIsRejected) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  auto tex = *fs::read_file(dir / "latex/template.tex");
  write_text(dir, "latex/template.tex",
             sci::str::replace_all(tex, "\\citep{polyak1964some}", "\\citep[see][]{polyak1964some, adam}\\nocite{*}"));
  auto r = check_template(dir);
  EXPECT_EQ(r.error_count(), 1) << errors_of(r);
  EXPECT_THAT(errors_of(r), HasSubstr("latex/template.tex: cites adam, which latex/references.bib does not define"));
}

TEST(TemplateCheck, PlotWithoutLabelsIsRejected) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "plot.py", "import matplotlib\nnames = {'run_0': 'x'}\nplt.savefig('curve.png')\n");
  std::string e = errors_of(check_template(dir));
  EXPECT_THAT(e, HasSubstr("plot.py: has no `labels` dict | fix: add a module-level `labels = {"));
}

TEST(TemplateCheck, PromptShapeErrors) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "prompt.json", R"({"system": 3})");
  std::string e = errors_of(check_template(dir));
  EXPECT_THAT(e, HasSubstr("prompt.json: field \"system\" missing or not a string"));
  EXPECT_THAT(e, HasSubstr("prompt.json: field \"task_description\" missing or not a string"));
  write_text(dir, "prompt.json", "{\"system\": ");
  EXPECT_THAT(errors_of(check_template(dir)), HasSubstr("fix: fix the JSON syntax"));
}

TEST(TemplateCheck, SeedIdeaShapeErrors) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "seed_ideas.json", R"([{"Name": "a", "Title": "T", "Experiment": "E", "Interestingness": 11,
      "Feasibility": "high", "Novelty": 3}, {"Name": "a", "Title": "", "Experiment": "E",
      "Interestingness": 1, "Feasibility": 1, "Novelty": 1}])");
  std::string e = errors_of(check_template(dir));
  EXPECT_THAT(e, HasSubstr("idea 1: \"Interestingness\" is 11 (outside 1-10)"));
  EXPECT_THAT(e, HasSubstr("idea 1: \"Feasibility\" is \"high\" (string), not a number"));
  EXPECT_THAT(e, HasSubstr("idea 2: \"Title\" missing or not a non-empty string"));
  EXPECT_THAT(e, HasSubstr("idea 2: duplicate Name \"a\""));
  write_text(dir, "seed_ideas.json", "{}");
  EXPECT_THAT(errors_of(check_template(dir)), HasSubstr("seed_ideas.json: must be a non-empty JSON list of ideas"));
}

TEST(TemplateCheck, LatexSkeletonErrors) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "latex/template.tex", R"(\documentclass{article}
% \graphicspath{{../}} is commented out, so it does not count
\begin{document}
\section{Introduction}
\includegraphics{missing_fig.png}
\bibliography{refs}
\end{document}
)");
  auto r = check_template(dir);
  std::string e = errors_of(r);
  EXPECT_THAT(e, HasSubstr("latex/template.tex: no \\graphicspath | fix: add \\graphicspath{{../}}"));
  EXPECT_THAT(e, HasSubstr("latex/template.tex: no \\title{"));
  EXPECT_THAT(e, HasSubstr("latex/template.tex: no \\begin{abstract}"));
  EXPECT_THAT(e, HasSubstr("\\bibliography{refs} but latex/refs.bib does not exist"));
  EXPECT_THAT(e, HasSubstr("\\includegraphics{missing_fig.png}: plot.py never mentions missing_fig.png"));
  EXPECT_THAT(warnings_of(r), HasSubstr("no \\section{Results}"));
}

TEST(TemplateCheck, EmbeddedBibliographyIsAccepted) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  auto tex = *fs::read_file(dir / "latex/template.tex");
  tex = "\\begin{filecontents}{references.bib}\n@misc{polyak1964some, title={A}}\n\\end{filecontents}\n" + tex;
  write_text(dir, "latex/template.tex", tex);
  stdfs::remove(dir / "latex/references.bib");
  auto r = check_template(dir);
  EXPECT_TRUE(r.ok()) << errors_of(r);
}

TEST(TemplateCheck, FiguresAreCheckedAgainstTheBaselineRecord) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  // A current baseline record that says plot.py wrote other.png only.
  write_text(dir, "run_0/final_info.json", R"({"toy": {"means": {"score": 1, "loss": 2}}})");
  auto exp = *fs::sha256_file(dir / "experiment.py");
  auto plot = *fs::sha256_file(dir / "plot.py");
  write_text(dir, "run_0/baseline.json",
             "{\"experiment_sha256\": \"" + exp + "\", \"plot_sha256\": \"" + plot + "\", \"figures\": [\"other.png\"]}");
  auto r = check_template(dir);
  EXPECT_THAT(errors_of(r),
              HasSubstr("\\includegraphics{curve.png}: plot.py did not write curve.png on the baseline (it wrote: "
                        "other.png)"));
  EXPECT_TRUE(r.has_baseline);
  EXPECT_EQ(r.metrics, (std::vector<std::string>{"loss", "score"}));
}

TEST(TemplateCheck, MetricWithoutDirectionWarnsUntilDeclared) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "run_0/final_info.json", R"({"toy": {"means": {"score": 1, "loss": 2, "speed": 3}}})");
  auto r = check_template(dir);
  EXPECT_TRUE(r.ok()) << errors_of(r);
  std::string w = warnings_of(r);
  EXPECT_THAT(w, HasSubstr("metric 'speed' has no direction"));
  EXPECT_THAT(w, HasSubstr("--metric-direction speed=lower|higher"));
  EXPECT_THAT(w, HasSubstr("run_0: baseline is stale or was not made by `scientist template baseline`"));
  EXPECT_THAT(w, ::testing::Not(HasSubstr("metric 'score' has no direction")));
  CheckOptions options;
  options.metric_directions = {"speed=higher"};
  auto fixed = check_template(dir, options);
  EXPECT_THAT(warnings_of(fixed), ::testing::Not(HasSubstr("has no direction")));
  options.metric_directions = {"speed"};
  EXPECT_THAT(errors_of(check_template(dir, options)), HasSubstr("expected NAME=lower or NAME=higher"));
}

TEST(TemplateCheck, DeclaredMetricMissingFromBaselineWarns) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "run_0/final_info.json", R"({"toy": {"means": {"score": 1}}})");
  EXPECT_THAT(warnings_of(check_template(dir)),
              HasSubstr("metric 'loss' is declared but run_0/final_info.json does not report it"));
}

TEST(TemplateCheck, BadBaselineResultsAreAnError) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "run_0/final_info.json", R"({"toy": {"mean": {"score": 1}}})");
  EXPECT_THAT(errors_of(check_template(dir)), HasSubstr("dataset 'toy' has no \"means\" object"));
}

TEST(TemplateCheck, BrokenManifestAndPathsAreErrors) {
  auto dir = fresh_temp_dir("t");
  write_minimal_template(dir);
  write_text(dir, "template.toml", "[metrics.score]\ndirection = \"up\"\n");
  EXPECT_THAT(errors_of(check_template(dir)), HasSubstr("template.toml: line 2: metrics.score.direction:"));
  write_text(dir, "template.toml", "protected_files = [\"data/x.bin\"]\ndata_dirs = [\"../nowhere\"]\n"
                                   "literature = \"lit.bib\"\n");
  std::string e = errors_of(check_template(dir));
  EXPECT_THAT(e, HasSubstr("protected file data/x.bin does not exist"));
  EXPECT_THAT(e, HasSubstr("data_dirs entry ../nowhere is not a directory"));
  EXPECT_THAT(e, HasSubstr("literature file lit.bib does not exist"));
}

TEST(TemplateCheck, IncludegraphicsTargetsSkipCommentsAndReadOptions) {
  auto t = includegraphics_targets("\\includegraphics[width=\\linewidth]{a.png}\n"
                                   "% \\includegraphics{hidden.png}\n"
                                   "50\\% done \\includegraphics { b }\n");
  EXPECT_EQ(t, (std::vector<std::string>{"a.png", "b"}));
}

}  // namespace
}  // namespace sci::templates
