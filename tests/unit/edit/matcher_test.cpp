// Matcher rules A1 and A3: exact line-aligned first match, uniform indentation offset,
// spurious leading blank line, trailing blank-line normalisation, similar-lines search.
#include <gtest/gtest.h>

#include "edit/matcher.h"

namespace sci::edit {
namespace {

TEST(EditMatcher, NormaliseDropsExactlyOneTrailingEmptyLine) {
  EXPECT_EQ(normalise_block_text("a\n\n"), "a\n");
  EXPECT_EQ(normalise_block_text("a\n\n\n"), "a\n\n");
  EXPECT_EQ(normalise_block_text("a\n  \n"), "a\n  \n");  // whitespace-only line kept
  EXPECT_EQ(normalise_block_text("a\n"), "a\n");
  EXPECT_EQ(normalise_block_text("\n"), "\n");
  EXPECT_EQ(normalise_block_text(""), "");
}

TEST(EditMatcher, BlankTextIsEmptyOrWhitespace) {
  EXPECT_TRUE(is_blank_text(""));
  EXPECT_TRUE(is_blank_text(" \n\t\n"));
  EXPECT_FALSE(is_blank_text(" x\n"));
}

TEST(EditMatcher, ExactMatchTakesTheFirstOccurrence) {
  auto r = replace_first("a\nx\nb\nx\n", "x\n", "y\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, MatchMethod::kExact);
  EXPECT_EQ(r->content, "a\ny\nb\nx\n");
  EXPECT_EQ(r->first_line, 2);
  EXPECT_EQ(r->line_count, 1);
}

TEST(EditMatcher, ExactMatchIsLineAlignedNotSubstring) {
  // "x = 1" occurs inside "max = 10" and "x = 10" as a substring; neither is a whole line.
  EXPECT_FALSE(replace_first("max = 10\nx = 10\n", "x = 1\n", "x = 2\n"));
  // A SEARCH that starts mid-line does not match either.
  EXPECT_FALSE(replace_first("foo(a, b)\n", "b)\n", "c)\n"));
}

TEST(EditMatcher, TrailingWhitespaceCounts) {
  EXPECT_FALSE(replace_first("x = 1  \n", "x = 1\n", "x = 2\n"));
}

TEST(EditMatcher, FileWithoutFinalNewlineMatchesAndGainsOne) {
  auto r = replace_first("a\nb", "b\n", "c\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->content, "a\nc\n");
}

TEST(EditMatcher, UniformIndentOffsetReindentsTheReplacement) {
  const std::string file = "def f():\n    if x:\n        return 1\n    return 2\n";
  auto r = replace_first(file, "if x:\n    return 1\n", "if x:\n    return 3\n\nfoo()\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, MatchMethod::kIndentOffset);
  EXPECT_EQ(r->content, "def f():\n    if x:\n        return 3\n\n    foo()\n    return 2\n");
  EXPECT_EQ(r->first_line, 2);
}

TEST(EditMatcher, IndentOffsetRemovesTheCommonIndentOfBothTextsFirst) {
  // Both texts are indented by 2; the file by 6: P is 6 spaces after outdenting.
  const std::string file = "class A:\n      x = 1\n      y = 2\n";
  auto r = replace_first(file, "  x = 1\n  y = 2\n", "  x = 5\n  y = 2\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, MatchMethod::kIndentOffset);
  EXPECT_EQ(r->content, "class A:\n      x = 5\n      y = 2\n");
}

TEST(EditMatcher, IndentOffsetMustBeTheSameForEveryLine) {
  const std::string file = "    a\n        b\n";
  EXPECT_FALSE(replace_first(file, "a\na\n", "z\n"));
  // a and b at the same level in SEARCH, but nested in the file: offsets differ.
  EXPECT_FALSE(replace_first(file, "a\nb\n", "z\n"));
}

TEST(EditMatcher, BlankSearchLinesMustFaceBlankLines) {
  const std::string file = "    a\n    \n    b\n";
  auto r = replace_first(file, "a\n\nb\n", "c\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->content, "    c\n");
  EXPECT_FALSE(replace_first("    a\n    x\n    b\n", "a\n\nb\n", "c\n"));
}

TEST(EditMatcher, SpuriousLeadingBlankLineIsDroppedForLongSearches) {
  const std::string file = "a\nb\nc\n";
  auto r = replace_first(file, "\nb\nc\n", "B\nC\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, MatchMethod::kLeadingBlankDropped);
  EXPECT_EQ(r->content, "a\nB\nC\n");
  EXPECT_EQ(r->first_line, 2);
  // Two lines or fewer: not dropped.
  EXPECT_FALSE(replace_first(file, "\nb\n", "B\n"));
}

TEST(EditMatcher, DeletionWithEmptyReplace) {
  auto r = replace_first("a\nb\nc\n", "b\n", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->content, "a\nc\n");
}

TEST(EditMatcher, ContainsLinesFindsExactOrReindentedRuns) {
  EXPECT_TRUE(contains_lines("a\n    b\n    c\n", "b\nc\n"));
  EXPECT_TRUE(contains_lines("a\nb\n", "a\n"));
  EXPECT_FALSE(contains_lines("a\nb\n", "ab\n"));
  EXPECT_FALSE(contains_lines("a\nb\n", ""));
}

TEST(EditMatcher, MostSimilarLinesPointsAtTheRealText) {
  const std::string file = "import os\n\ndef train(lr, epochs):\n    model = Net()\n    opt = Adam(lr)\n\nprint(1)\n";
  auto s = most_similar_lines(file, "def train(lr, epoch):\n    model = Net()\n");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first_line, 3);
  EXPECT_EQ(s->text, "def train(lr, epochs):\n    model = Net()\n");
  EXPECT_GT(s->score, 0.5);
  EXPECT_FALSE(most_similar_lines(file, "completely unrelated words here\n"));
}

TEST(EditMatcher, MethodNamesAreStable) {
  EXPECT_STREQ(match_method_name(MatchMethod::kExact), "exact");
  EXPECT_STREQ(match_method_name(MatchMethod::kIndentOffset), "indent_offset");
  EXPECT_STREQ(match_method_name(MatchMethod::kLeadingBlankDropped), "leading_blank_dropped");
  EXPECT_STREQ(match_method_name(MatchMethod::kCreated), "created");
  EXPECT_STREQ(match_method_name(MatchMethod::kAppended), "appended");
  EXPECT_STREQ(match_method_name(MatchMethod::kWholeFile), "whole_file");
}

}  // namespace
}  // namespace sci::edit
