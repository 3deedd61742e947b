// LaTeX log parsing on real pdflatex logs (tests/golden/latex/fixtures/*.log, produced
// by compiling the .tex files beside them): golden renderings plus targeted assertions.
#include <gtest/gtest.h>

#include <cstdlib>

#include <fmt/format.h>

#include "base/fs.h"
#include "latex/log_parser.h"
#include "support/test_paths.h"

namespace sci::latex {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return testing::source_dir() / "tests/golden/latex/fixtures" / name;
}

LogReport parse_fixture(const std::string& name) {
  auto text = fs::read_file(fixture(name + ".log"));
  EXPECT_TRUE(text.ok()) << name;
  return parse_log(text.ok() ? *text : std::string());
}

std::string render(const LogReport& r) {
  std::string out = fmt::format("fatal={} pages={}\n", r.fatal, r.pages);
  for (const auto& d : r.diagnostics) out += format_diagnostic(d) + (d.key.empty() ? "" : "  [key=" + d.key + "]") + "\n";
  return out;
}

void expect_golden(const std::string& name) {
  std::string actual = render(parse_fixture(name));
  auto golden_path = fixture(name + ".expected.txt");
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(golden_path, actual).ok());
  }
  auto expected = fs::read_file(golden_path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << golden_path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << name;
}

TEST(LatexLogGolden, AllFixturesMatchTheirGoldenRendering) {
  for (const char* name : {"undefined_control", "missing_file", "undefined_refs", "overfull", "utf8_error", "utf8_wrapped"})
    expect_golden(name);
}

TEST(LatexLogGolden, UndefinedControlSequencesHaveFileLineAndContext) {
  auto r = parse_fixture("undefined_control");
  ASSERT_EQ(r.count(DiagnosticKind::kError), 2);
  EXPECT_EQ(r.diagnostics[0].file, "./undefined_control.tex");
  EXPECT_EQ(r.diagnostics[0].line, 5);
  EXPECT_EQ(r.diagnostics[0].message, "Undefined control sequence.");
  EXPECT_NE(r.diagnostics[0].context.find("\\badmacro"), std::string::npos);
  EXPECT_EQ(r.diagnostics[1].line, 7);
  EXPECT_NE(r.diagnostics[1].context.find("\\alsobad"), std::string::npos);
  EXPECT_FALSE(r.fatal);
  EXPECT_EQ(r.pages, 1);
}

TEST(LatexLogGolden, MissingGraphicAndInputAreReportedOnceEachAndStopIsFatal) {
  auto r = parse_fixture("missing_file");
  ASSERT_EQ(r.count(DiagnosticKind::kMissingFile), 2);
  std::vector<std::string> keys;
  for (const auto& d : r.diagnostics) {
    if (d.kind == DiagnosticKind::kMissingFile) keys.push_back(d.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"val_loss_missing.png", "sections/not_there.tex"}));
  for (const auto& d : r.diagnostics) {
    if (d.kind == DiagnosticKind::kMissingFile) {
      EXPECT_GT(d.line, 0) << d.key;
    }
  }
  EXPECT_TRUE(r.fatal);
  EXPECT_GE(r.blocking_count(), 2);
}

TEST(LatexLogGolden, UndefinedReferencesAndCitationsCarryTheirKeys) {
  auto r = parse_fixture("undefined_refs");
  ASSERT_EQ(r.count(DiagnosticKind::kUndefinedReference), 2);
  ASSERT_EQ(r.count(DiagnosticKind::kUndefinedCitation), 1);
  for (const auto& d : r.diagnostics) {
    if (d.kind == DiagnosticKind::kUndefinedCitation) {
      EXPECT_EQ(d.key, "doe2019ghost");
      EXPECT_EQ(d.line, 5);
    }
  }
  EXPECT_EQ(r.diagnostics[0].key, "fig:nope");
  EXPECT_EQ(r.diagnostics[1].key, "tab:ghost");
  EXPECT_EQ(r.blocking_count(), 0);
}

TEST(LatexLogGolden, OverfullBoxesAboveTheThresholdOnly) {
  auto text = fs::read_file(fixture("overfull.log"));
  ASSERT_TRUE(text.ok());
  auto r = parse_log(*text);
  ASSERT_EQ(r.count(DiagnosticKind::kOverfullBox), 2);
  EXPECT_NEAR(r.diagnostics[0].overfull_pt, 226.72322, 1e-4);
  EXPECT_EQ(r.diagnostics[0].line, 6);
  EXPECT_EQ(r.diagnostics[0].file, "./overfull.tex");
  ParseOptions strict;
  strict.overfull_threshold_pt = 250;
  EXPECT_EQ(parse_log(*text, strict).count(DiagnosticKind::kOverfullBox), 1);
}

TEST(LatexLogGolden, Utf8ContextSurvivesAndMissingDollarIsAnError) {
  auto r = parse_fixture("utf8_error");
  ASSERT_EQ(r.count(DiagnosticKind::kError), 2);
  EXPECT_NE(r.diagnostics[0].context.find("Größe"), std::string::npos);
  EXPECT_EQ(r.diagnostics[1].message, "Missing $ inserted.");
  EXPECT_EQ(r.diagnostics[1].line, 9);
}

TEST(LatexLogGolden, WrappedLogWithSplitUtf8IsStillValidUtf8) {
  auto r = parse_fixture("utf8_wrapped");
  ASSERT_EQ(r.count(DiagnosticKind::kError), 1);
  EXPECT_EQ(r.diagnostics[0].line, 3);
  for (const auto& d : r.diagnostics) {
    EXPECT_EQ(sanitize_utf8(d.context), d.context);
    EXPECT_EQ(sanitize_utf8(d.message), d.message);
  }
}

TEST(LatexLogParse, InvalidUtf8BytesAreReplaced) {
  EXPECT_EQ(sanitize_utf8("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(sanitize_utf8("Gr\xC3\xB6\xC3\x9F" "e"), "Gr\xC3\xB6\xC3\x9F" "e");
  auto r = parse_log("./a.tex:3: Undefined control sequence.\nl.3 caf\xC3\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].context.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(LatexLogParse, ClassicBangErrorsWithoutFileLineErrorGetTheLineFromContext) {
  auto r = parse_log("(./paper.tex\n! Undefined control sequence.\nl.42 \\oops\n           \n)");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 42);
  EXPECT_EQ(r.diagnostics[0].file, "./paper.tex");
}

}  // namespace
}  // namespace sci::latex
