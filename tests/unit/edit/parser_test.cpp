// Parser rules P1-P5: markers, blocks, fences in any language, filenames and their
// inheritance, prose between blocks, and malformed messages (nothing applied).
#include <gtest/gtest.h>

#include "edit/parser.h"

namespace sci::edit {
namespace {

TEST(EditParser, MarkersAreExactAtColumnOneWithTrailingWhitespaceAllowed) {
  EXPECT_EQ(marker_of("<<<<<<< SEARCH"), Marker::kSearch);
  EXPECT_EQ(marker_of("<<<<<<< SEARCH  \t"), Marker::kSearch);
  EXPECT_EQ(marker_of("======="), Marker::kDivider);
  EXPECT_EQ(marker_of(">>>>>>> REPLACE"), Marker::kReplace);
  EXPECT_EQ(marker_of(" <<<<<<< SEARCH"), Marker::kNone);
  EXPECT_EQ(marker_of("========"), Marker::kNone);
  EXPECT_EQ(marker_of("======"), Marker::kNone);
  EXPECT_EQ(marker_of("<<<<<<< SEARCHING"), Marker::kNone);
  EXPECT_EQ(marker_of(">>>>>>> REPLACE x"), Marker::kNone);
}

TEST(EditParser, CleanFilenameStripsDecoration) {
  EXPECT_EQ(clean_filename("  experiment.py  "), "experiment.py");
  EXPECT_EQ(clean_filename("`experiment.py`"), "experiment.py");
  EXPECT_EQ(clean_filename("**latex/template.tex**"), "latex/template.tex");
  EXPECT_EQ(clean_filename("**`plot.py`**:"), "plot.py");
  EXPECT_EQ(clean_filename("# notes.txt"), "notes.txt");
  EXPECT_EQ(clean_filename("### my\\_file.py:"), "my_file.py");
  EXPECT_EQ(clean_filename("``` "), "");
}

TEST(EditParser, OneFencedBlockGivesFileSearchAndReplace) {
  auto r = parse_message("Change the rate.\n\nexperiment.py\n```python\n<<<<<<< SEARCH\nlr = 1\n=======\nlr = 2\n"
                         ">>>>>>> REPLACE\n```\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].file, "experiment.py");
  EXPECT_EQ(r.blocks[0].search, "lr = 1\n");
  EXPECT_EQ(r.blocks[0].replace, "lr = 2\n");
  EXPECT_EQ(r.blocks[0].number, 1);
  EXPECT_EQ(r.blocks[0].line, 5);
  EXPECT_FALSE(r.blocks[0].file_inherited);
}

TEST(EditParser, FenceLanguageTagSaysNothingAboutTheFile) {
  auto r = parse_message("latex/template.tex\n```python\n<<<<<<< SEARCH\n\\title{A}\n=======\n\\title{B}\n"
                         ">>>>>>> REPLACE\n```");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].file, "latex/template.tex");
  EXPECT_EQ(r.blocks[0].search, "\\title{A}\n");
}

TEST(EditParser, UnfencedBlockAndEmptySectionsParse) {
  auto r = parse_message("new.py\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].file, "new.py");
  EXPECT_EQ(r.blocks[0].search, "");
  EXPECT_EQ(r.blocks[0].replace, "");
}

TEST(EditParser, SeveralBlocksWithProseBetweenThem) {
  auto r = parse_message(
      "First:\n\na.py\n```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n\nThen the notes, "
      "which explain things.\n\nnotes.txt\n```text\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n```\n"
      "Done.\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 2u);
  EXPECT_EQ(r.blocks[0].file, "a.py");
  EXPECT_EQ(r.blocks[1].file, "notes.txt");
  EXPECT_EQ(r.blocks[1].number, 2);
}

TEST(EditParser, MissingFilenameIsInheritedFromThePreviousBlock) {
  auto r = parse_message("a.py\n```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n\n```python\n"
                         "<<<<<<< SEARCH\np\n=======\nq\n>>>>>>> REPLACE\n```\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 2u);
  EXPECT_EQ(r.blocks[1].file, "a.py");
  EXPECT_TRUE(r.blocks[1].file_inherited);
}

TEST(EditParser, FilenameIsLookedForAtMostThreeLinesUp) {
  // Four lines (blank, fence, blank, blank) separate the name from the marker: too far.
  auto r = parse_message("a.py\n\n```\n\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 5);
  auto ok = parse_message("a.py\n\n```\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n");
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.blocks[0].file, "a.py");
}

TEST(EditParser, FirstBlockWithoutFilenameIsMalformed) {
  auto r = parse_message("```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->block_number, 1);
  EXPECT_EQ(r.error->line, 2);
  EXPECT_TRUE(r.blocks.empty());
}

TEST(EditParser, TruncatedMessageIsMalformedAndKeepsEarlierBlocksForTheReport) {
  auto r = parse_message("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n\na.py\n<<<<<<< SEARCH\nz\n"
                         "=======\nw");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.error->block_number, 2);
  EXPECT_EQ(r.error->file, "a.py");
  EXPECT_EQ(r.error->line, 12);
  EXPECT_EQ(r.error->column, 2);
  EXPECT_NE(r.error->message.find("cut off"), std::string::npos);
}

TEST(EditParser, MarkersOutOfOrderAreMalformed) {
  // REPLACE where ======= is due (an "append" attempt).
  auto a = parse_message("a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(a.error);
  EXPECT_EQ(a.error->line, 4);
  // Nested SEARCH.
  auto b = parse_message("a.py\n<<<<<<< SEARCH\nx\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(b.error);
  EXPECT_EQ(b.error->line, 4);
  // ======= where REPLACE is due.
  auto c = parse_message("a.py\n<<<<<<< SEARCH\nx\n=======\ny\n=======\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->line, 6);
  // Divider outside a block.
  auto d = parse_message("text\n=======\nmore\n");
  ASSERT_TRUE(d.error);
  EXPECT_EQ(d.error->line, 2);
  // REPLACE outside a block.
  auto e = parse_message(">>>>>>> REPLACE\n");
  ASSERT_TRUE(e.error);
  EXPECT_EQ(e.error->line, 1);
}

TEST(EditParser, ProseOnlyMessageHasNoBlocksAndNoError) {
  auto r = parse_message("I think the experiment is complete.\n\nALL_COMPLETED\n");
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.blocks.empty());
}

TEST(EditParser, CrlfLinesAreRecognised) {
  auto r = parse_message("a.py\r\n```python\r\n<<<<<<< SEARCH\r\nx\r\n=======\r\ny\r\n>>>>>>> REPLACE\r\n```\r\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].file, "a.py");
}

TEST(EditParser, WholeFileBlockOnlyForNewFilesWhenEnabled) {
  const std::string msg = "Create it:\n\nhelpers.py\n```python\ndef f():\n    return 1\n```\n";
  ParseOptions opts;
  opts.file_exists = [](const std::string&) { return false; };
  auto r = parse_message(msg, opts);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].kind, BlockKind::kWholeFile);
  EXPECT_EQ(r.blocks[0].file, "helpers.py");
  EXPECT_EQ(r.blocks[0].replace, "def f():\n    return 1\n");
  // Existing file: a fenced snippet is just prose.
  opts.file_exists = [](const std::string&) { return true; };
  EXPECT_TRUE(parse_message(msg, opts).blocks.empty());
  // Off by default.
  EXPECT_TRUE(parse_message(msg).blocks.empty());
  // Prose line above a fence is not a path.
  opts.file_exists = [](const std::string&) { return false; };
  EXPECT_TRUE(parse_message("Run this command:\n```bash\npython experiment.py\n```\n", opts).blocks.empty());
}

TEST(EditParser, RenderedErrorHasLocationLineAndCaret) {
  auto r = parse_message("a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(r.error);
  std::string text = r.error->render();
  EXPECT_NE(text.find("line 4, block 1 (a.py)"), std::string::npos) << text;
  EXPECT_NE(text.find("    4 | >>>>>>> REPLACE\n"), std::string::npos) << text;
  EXPECT_NE(text.find("      | ^\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace sci::edit
