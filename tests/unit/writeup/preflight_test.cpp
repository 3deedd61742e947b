// Pre-compile checks: figures, duplicates, placeholders, unreferenced floats,
// unresolved citations, debugging history in Results, typed bibliographies, topic drift.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/test_paths.h"
#include "writeup/preflight.h"

namespace sci::writeup {
namespace {

std::vector<PreflightKind> kinds(const std::vector<PreflightFinding>& f) {
  std::vector<PreflightKind> out;
  for (const auto& x : f) out.push_back(x.kind);
  return out;
}

bool has_kind(const std::vector<PreflightFinding>& f, PreflightKind k) {
  for (const auto& x : f)
    if (x.kind == k) return true;
  return false;
}

PreflightInput input(std::string body) {
  PreflightInput in;
  in.tex = "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n";
  in.bib_keys = {"lecun2015deep"};
  return in;
}

TEST(PreflightTest, CleanPaperHasNoFindings) {
  auto dir = testing::fresh_temp_dir("preflight_clean");
  ASSERT_TRUE(fs::write_file_atomic(dir / "val_loss.png", "png").ok());
  auto in = input("\\section{Results}\nFigure~\\ref{fig:a} shows it \\citep{lecun2015deep}.\n"
                  "\\begin{figure}\\includegraphics{val_loss.png}\\caption{x}\\label{fig:a}\\end{figure}");
  in.figure_dirs = {dir};
  auto f = run_preflight(in);
  EXPECT_TRUE(f.empty()) << preflight_feedback(f);
}

TEST(PreflightTest, MissingAndDuplicateFiguresAreFound) {
  auto in = input("Figures \\ref{fig:a} \\ref{fig:b}.\n\\begin{figure}\\includegraphics{ghost}\\label{fig:a}\\end{figure}\n"
                  "\\begin{figure}\\includegraphics{ghost}\\label{fig:b}\\end{figure}");
  auto f = run_preflight(in);
  EXPECT_TRUE(has_kind(f, PreflightKind::kMissingFigure));
  EXPECT_TRUE(has_kind(f, PreflightKind::kDuplicateFigure));
}

TEST(PreflightTest, DuplicateLabelsAndSectionHeadersAreFoundWithLines) {
  auto f = run_preflight(input("\\section{Results}\\label{sec:r}\ntext\n\\section{Results}\\label{sec:r}\nmore"));
  ASSERT_EQ(f.size(), 2u) << preflight_feedback(f);
  EXPECT_TRUE(has_kind(f, PreflightKind::kDuplicateSection));
  EXPECT_TRUE(has_kind(f, PreflightKind::kDuplicateLabel));
  EXPECT_EQ(f[0].line, 5);
}

TEST(PreflightTest, PlaceholdersAreFoundOutsideComments) {
  auto f = run_preflight(input("INTRO HERE\nWe show [INSERT RESULT] and TODO.\n% TODO in a comment is fine"));
  EXPECT_EQ(kinds(f), (std::vector<PreflightKind>{PreflightKind::kPlaceholder, PreflightKind::kPlaceholder,
                                                  PreflightKind::kPlaceholder}))
      << preflight_feedback(f);
}

TEST(PreflightTest, UnreferencedTableAndUnlabelledFigureAreFound) {
  auto f = run_preflight(input("\\begin{table}\\caption{t}\\label{tab:x}\\end{table}\n\\begin{figure}\\caption{f}\\end{figure}"));
  EXPECT_EQ(f.size(), 2u) << preflight_feedback(f);
  EXPECT_TRUE(has_kind(f, PreflightKind::kUnreferencedFloat));
}

TEST(PreflightTest, UnresolvedCitationAndTypedBibliographyAreFound) {
  auto f = run_preflight(input("As shown \\citep{lecun2015deep,made_up2023}.\n\\begin{thebibliography}{1}\\bibitem{x} X.\\end{thebibliography}"));
  EXPECT_TRUE(has_kind(f, PreflightKind::kUnresolvedCitation));
  EXPECT_TRUE(has_kind(f, PreflightKind::kTypedBibliography));
}

TEST(PreflightTest, DebuggingHistoryInResultsIsFound) {
  auto f = run_preflight(input("\\section{Results}\nOur first attempt crashed because of a bug.\n\\section{Conclusion}\nDone."));
  EXPECT_TRUE(has_kind(f, PreflightKind::kDebuggingHistory));
  auto ok = run_preflight(input("\\section{Method}\nWe fixed the seed.\n\\section{Results}\nThe method wins."));
  EXPECT_FALSE(has_kind(ok, PreflightKind::kDebuggingHistory));
}

TEST(PreflightTest, TopicDriftIsFlaggedWhenThePaperWanderedOffTheIdea) {
  auto in = input("\\title{Protein folding with graph transformers}\n\\begin{abstract}We fold proteins.\\end{abstract}\n"
                  "\\section{Method}\nGraph attention over residues.");
  in.idea_title = "Cyclical learning rates for two-moons classification";
  in.idea_description = "Replace the constant learning rate with a cyclical schedule.";
  EXPECT_TRUE(has_kind(run_preflight(in), PreflightKind::kTopicDrift));
  auto on_topic = input("\\title{Cyclical Learning Rates}\n\\begin{abstract}A cyclical schedule for the learning rate "
                        "in moons classification.\\end{abstract}\n\\section{Method}\nWe replace the constant rate.");
  on_topic.idea_title = in.idea_title;
  on_topic.idea_description = in.idea_description;
  EXPECT_GT(topic_overlap(on_topic.tex, in.idea_title, in.idea_description), 0.5);
  EXPECT_FALSE(has_kind(run_preflight(on_topic), PreflightKind::kTopicDrift));
}

}  // namespace
}  // namespace sci::writeup
