// Applier rules A2-A5 and outcomes: create/append, other-file fallback, failed blocks
// that neither stop nor undo the others, malformed messages applying nothing, no-ops
// (SEARCH == REPLACE, and REPLACE already present only after SEARCH failed).
#include <gtest/gtest.h>

#include "edit/applier.h"

namespace sci::edit {
namespace {

std::string block(const std::string& file, const std::string& search, const std::string& replace,
                  const std::string& fence = "```python") {
  return file + "\n" + fence + "\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n```\n";
}

ApplyOptions chat(std::vector<std::string> files) {
  ApplyOptions o;
  o.chat_files = std::move(files);
  return o;
}

TEST(EditApplier, AppliesABlockAndReportsMethodLineAndChangedFile) {
  FileSet files{{"a.py", "x = 1\ny = 2\n"}};
  auto r = apply_message(block("a.py", "y = 2\n", "y = 3\n"), files, chat({"a.py"}));
  ASSERT_FALSE(r.parse_error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].method, MatchMethod::kExact);
  EXPECT_EQ(r.blocks[0].first_line, 2);
  EXPECT_EQ(r.blocks[0].target_file, "a.py");
  EXPECT_EQ(files["a.py"], "x = 1\ny = 3\n");
  EXPECT_EQ(r.changed_files, std::vector<std::string>{"a.py"});
  EXPECT_FALSE(r.any_failed());
}

TEST(EditApplier, TrailingEmptyLineOfReplaceIsDropped) {
  FileSet files{{"a.py", "x = 1\ny = 2\n"}};
  apply_message(block("a.py", "x = 1\n", "x = 5\n\n"), files, chat({"a.py"}));
  EXPECT_EQ(files["a.py"], "x = 5\ny = 2\n");
}

TEST(EditApplier, EmptySearchCreatesAMissingFile) {
  FileSet files{{"a.py", "x\n"}};
  auto r = apply_message(block("new/helper.py", "", "def h():\n    pass\n"), files, chat({"a.py"}));
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].method, MatchMethod::kCreated);
  EXPECT_EQ(files["new/helper.py"], "def h():\n    pass\n");
  EXPECT_EQ(r.changed_files, std::vector<std::string>{"new/helper.py"});
}

TEST(EditApplier, WhitespaceOnlySearchAppendsToAnExistingFile) {
  FileSet files{{"notes.txt", "line one"}};
  auto r = apply_message(block("notes.txt", "  \n", "line two\n"), files, chat({"notes.txt"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].method, MatchMethod::kAppended);
  EXPECT_EQ(r.blocks[0].first_line, 2);
  EXPECT_EQ(files["notes.txt"], "line one\nline two\n");
}

TEST(EditApplier, BlockNamingTheWrongFileLandsInAnotherChatFile) {
  FileSet files{{"experiment.py", "lr = 1\n"}, {"plot.py", "plt.show()\n"}};
  auto r = apply_message(block("plot.py", "lr = 1\n", "lr = 2\n"), files, chat({"experiment.py", "plot.py"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].block.file, "plot.py");
  EXPECT_EQ(r.blocks[0].target_file, "experiment.py");
  EXPECT_EQ(files["experiment.py"], "lr = 2\n");
  EXPECT_EQ(files["plot.py"], "plt.show()\n");
}

TEST(EditApplier, MissingNamedFileFallsBackToChatFilesInOrder) {
  FileSet files{{"a.py", "v\n"}, {"b.py", "v\n"}};
  auto r = apply_message(block("c.py", "v\n", "w\n"), files, chat({"b.py", "a.py"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].target_file, "b.py");
  EXPECT_EQ(files["a.py"], "v\n");
  EXPECT_EQ(files["b.py"], "w\n");
  EXPECT_EQ(files.count("c.py"), 0u);
}

TEST(EditApplier, FailedBlockNeitherStopsNorUndoesTheOthers) {
  FileSet files{{"a.py", "one\ntwo\nthree\n"}};
  std::string msg = block("a.py", "one\n", "ONE\n") + block("a.py", "missing\n", "x\n") + block("a.py", "three\n", "THREE\n");
  auto r = apply_message(msg, files, chat({"a.py"}));
  ASSERT_EQ(r.blocks.size(), 3u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[1].outcome, Outcome::kFailed);
  EXPECT_EQ(r.blocks[2].outcome, Outcome::kApplied);
  EXPECT_EQ(files["a.py"], "ONE\ntwo\nTHREE\n");
  EXPECT_TRUE(r.any_failed());
  EXPECT_EQ(r.count(Outcome::kFailed), 1);
  EXPECT_EQ(r.count(Outcome::kApplied), 2);
}

TEST(EditApplier, FailedBlockCarriesTheMostSimilarRealLines) {
  FileSet files{{"a.py", "import os\n\ndef train(lr, epochs):\n    return lr\n"}};
  auto r = apply_message(block("a.py", "def train(lr, epoch):\n    return lr\n", "x\n"), files, chat({"a.py"}));
  ASSERT_EQ(r.blocks[0].outcome, Outcome::kFailed);
  ASSERT_TRUE(r.blocks[0].similar);
  EXPECT_EQ(r.blocks[0].similar_file, "a.py");
  EXPECT_EQ(r.blocks[0].similar->first_line, 3);
  EXPECT_EQ(r.blocks[0].similar->text, "def train(lr, epochs):\n    return lr\n");
}

TEST(EditApplier, RepeatedBlockAppliesOnceThenIsReportedAsAlreadyPresent) {
  FileSet files{{"a.py", "lr = 1\n"}};
  std::string b = block("a.py", "lr = 1\n", "lr = 2\n");
  auto r = apply_message(b + b, files, chat({"a.py"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[1].outcome, Outcome::kNoop);
  EXPECT_EQ(r.blocks[1].noop, NoopReason::kReplaceAlreadyPresent);
  EXPECT_EQ(files["a.py"], "lr = 2\n");
}

TEST(EditApplier, AlreadyPresentIsDecidedOnlyAfterSearchFails) {
  // REPLACE's text is already in the file, but SEARCH matches: the edit must still apply.
  FileSet files{{"a.py", "y = 0\nx = 1\ny = 0\n"}};
  auto r = apply_message(block("a.py", "x = 1\n", "y = 0\n"), files, chat({"a.py"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(files["a.py"], "y = 0\ny = 0\ny = 0\n");
}

TEST(EditApplier, SearchEqualsReplaceIsAnIntendedNoop) {
  FileSet files{{"a.py", "x = 1\n"}};
  auto r = apply_message(block("a.py", "x = 1\n", "x = 1\n"), files, chat({"a.py"}));
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kNoop);
  EXPECT_EQ(r.blocks[0].noop, NoopReason::kSearchEqualsReplace);
  EXPECT_TRUE(r.changed_files.empty());
  EXPECT_FALSE(r.any_failed());
}

TEST(EditApplier, MalformedMessageAppliesNothingNotEvenCompleteBlocks) {
  FileSet files{{"a.py", "one\ntwo\n"}};
  std::string msg = block("a.py", "one\n", "ONE\n") + "a.py\n<<<<<<< SEARCH\ntwo\n=======\nTW";
  auto r = apply_message(msg, files, chat({"a.py"}));
  ASSERT_TRUE(r.parse_error);
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kNotApplied);
  EXPECT_EQ(files["a.py"], "one\ntwo\n");
  EXPECT_TRUE(r.changed_files.empty());
  EXPECT_TRUE(r.any_failed());
}

TEST(EditApplier, BlocksSeeTheResultOfEarlierBlocks) {
  FileSet files{{"a.py", "a\n"}};
  auto r = apply_message(block("a.py", "a\n", "b\n") + block("a.py", "b\n", "c\n"), files, chat({"a.py"}));
  EXPECT_EQ(r.count(Outcome::kApplied), 2);
  EXPECT_EQ(files["a.py"], "c\n");
}

TEST(EditApplier, FileChangedAndChangedBackIsNotReportedChanged) {
  FileSet files{{"a.py", "a\n"}};
  auto r = apply_message(block("a.py", "a\n", "b\n") + block("a.py", "b\n", "a\n"), files, chat({"a.py"}));
  EXPECT_EQ(r.count(Outcome::kApplied), 2);
  EXPECT_TRUE(r.changed_files.empty());
}

TEST(EditApplier, PathsEscapingTheRootAreRefused) {
  FileSet files{{"a.py", "a\n"}};
  auto r = apply_message(block("../evil.py", "", "x\n") + block("/etc/passwd", "", "x\n"), files, chat({"a.py"}));
  ASSERT_EQ(r.blocks.size(), 2u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kFailed);
  EXPECT_NE(r.blocks[0].reason.find("not a file inside the project"), std::string::npos);
  EXPECT_EQ(r.blocks[1].outcome, Outcome::kFailed);
  EXPECT_EQ(files.size(), 1u);
}

TEST(EditApplier, AllowFileGateRefusesNamedFiles) {
  FileSet files{{"a.py", "a\n"}};
  ApplyOptions o = chat({"a.py"});
  o.allow_file = [](const std::string& p) { return p != "secret.py"; };
  auto r = apply_message(block("secret.py", "", "x\n"), files, o);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kFailed);
  EXPECT_EQ(files.count("secret.py"), 0u);
}

TEST(EditApplier, WholeFileBlockCreatesASmallNewFileButNeverOverwrites) {
  FileSet files{{"a.py", "a\n"}};
  auto r = apply_message("Here is the new helper:\n\nutil.py\n```python\ndef u():\n    return 1\n```\n", files,
                         chat({"a.py"}));
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.blocks[0].method, MatchMethod::kWholeFile);
  EXPECT_EQ(files["util.py"], "def u():\n    return 1\n");
  // The same shape for an existing file is a snippet, not an edit.
  auto again = apply_message("a.py\n```python\nprint(1)\n```\n", files, chat({"a.py"}));
  EXPECT_TRUE(again.blocks.empty());
  EXPECT_EQ(files["a.py"], "a\n");
}

TEST(EditApplier, NormalisePathRejectsEscapes) {
  EXPECT_EQ(normalise_path("./a//b.py"), "a/b.py");
  EXPECT_EQ(normalise_path("a/../b.py"), "b.py");
  EXPECT_EQ(normalise_path("../b.py"), "");
  EXPECT_EQ(normalise_path("/abs.py"), "");
  EXPECT_EQ(normalise_path(""), "");
  EXPECT_EQ(normalise_path("."), "");
}

TEST(EditApplier, OutcomeNamesAreStable) {
  EXPECT_STREQ(outcome_name(Outcome::kApplied), "applied");
  EXPECT_STREQ(outcome_name(Outcome::kFailed), "failed");
  EXPECT_STREQ(outcome_name(Outcome::kNoop), "noop");
  EXPECT_STREQ(outcome_name(Outcome::kNotApplied), "not_applied");
}

}  // namespace
}  // namespace sci::edit
