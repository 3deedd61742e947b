// Real LaTeX builds: pdflatex + bibtex (and latexmk) on small papers; diagnostics,
// page counts and kept attempts come from the real tools.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "latex/build.h"
#include "proc/find_program.h"
#include "support/test_paths.h"

namespace sci::latex {
namespace {

constexpr const char* kGoodPaper = R"(\documentclass{article}
\usepackage{natbib}
\begin{document}
\title{A Tiny Paper}
\maketitle
Über results, as shown by \citet{smith2020deep}.
\bibliographystyle{plainnat}
\bibliography{references}
\end{document}
)";

constexpr const char* kBib = R"(@article{smith2020deep,
  title={Deep Things},
  author={Smith, Jane},
  journal={Journal of Things},
  year={2020}
}
)";

std::filesystem::path make_paper(const std::string& name, const std::string& tex) {
  auto dir = testing::fresh_temp_dir(name) / "latex";
  EXPECT_TRUE(fs::write_file_atomic(dir / "template.tex", tex).ok());
  EXPECT_TRUE(fs::write_file_atomic(dir / "references.bib", kBib).ok());
  return dir;
}

class LatexBuildTest : public ::testing::TestWithParam<Driver> {
 protected:
  void SetUp() override {
    if (!latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
    if (GetParam() == Driver::kLatexmk && !proc::find_program("latexmk")) GTEST_SKIP() << "latexmk not installed";
  }
};

TEST_P(LatexBuildTest, GoodPaperBuildsWithResolvedCitationAndKeepsTheAttempt) {
  auto dir = make_paper("latex_good", kGoodPaper);
  BuildOptions o;
  o.dir = dir;
  o.driver = GetParam();
  o.timeout_s = 120;
  o.attempts_dir = dir.parent_path() / "attempts";
  auto r = build_paper(o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->success) << r->tool_output_tail;
  EXPECT_EQ(r->pages, 1);
  EXPECT_EQ(r->log.count(DiagnosticKind::kUndefinedCitation), 0);
  EXPECT_EQ(r->log.blocking_count(), 0);
  EXPECT_EQ(r->attempt_dir.filename(), "paper_1");
  EXPECT_TRUE(std::filesystem::exists(r->attempt_dir / "template.pdf"));
  EXPECT_EQ(*fs::read_file(r->attempt_dir / "template.tex"), kGoodPaper);
  EXPECT_EQ(*fs::read_file(r->attempt_dir / "references.bib"), kBib);
  auto text = pdf_text(r->pdf);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Smith"), std::string::npos);  // the bibliography was built
}

TEST_P(LatexBuildTest, FatalErrorIsAnOutcomeAndTheEarlierGoodAttemptSurvives) {
  auto dir = make_paper("latex_fatal", kGoodPaper);
  BuildOptions o;
  o.dir = dir;
  o.driver = GetParam();
  o.timeout_s = 120;
  o.attempts_dir = dir.parent_path() / "attempts";
  ASSERT_TRUE(build_paper(o).ok());
  std::string broken = kGoodPaper;
  broken.replace(broken.find("\\maketitle"), 10, "\\maketitle\n\\badmacro\n\\input{missing_section}");
  ASSERT_TRUE(fs::write_file_atomic(dir / "template.tex", broken).ok());
  auto r = build_paper(o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->attempt_dir.filename(), "paper_2");
  bool saw_macro = false, saw_missing = false;
  for (const auto& d : r->log.diagnostics) {
    if (d.kind == DiagnosticKind::kError && d.line == 6) saw_macro = true;
    if (d.kind == DiagnosticKind::kMissingFile && d.key == "missing_section.tex" && d.line == 7) saw_missing = true;
  }
  EXPECT_TRUE(saw_macro);
  EXPECT_TRUE(saw_missing);
  EXPECT_TRUE(std::filesystem::exists(dir.parent_path() / "attempts/paper_1/template.pdf"));
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path() / "attempts/paper_2/template.pdf"));
  EXPECT_EQ(*fs::read_file(dir.parent_path() / "attempts/paper_2/template.tex"), broken);
}

TEST_P(LatexBuildTest, MissingMainFileIsNotFound) {
  BuildOptions o;
  o.dir = testing::fresh_temp_dir("latex_none");
  o.driver = GetParam();
  auto r = build_paper(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Drivers, LatexBuildTest, ::testing::Values(Driver::kManual, Driver::kLatexmk),
                         [](const auto& param_info) { return param_info.param == Driver::kManual ? "Manual" : "Latexmk"; });

}  // namespace
}  // namespace sci::latex
