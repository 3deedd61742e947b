// Every message the edit module writes for a model or a person (parse errors with
// their caret, failed blocks with the real lines, no-ops, summaries) matches its golden
// file in tests/golden/edit/expected/ (SCI_UPDATE_GOLDEN=1 rebaselines).
#include <cstdlib>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "edit/report.h"
#include "support/test_paths.h"

namespace sci::edit {
namespace {

void expect_golden(const std::string& name, const std::string& actual) {
  auto path = testing::source_dir() / "tests/golden/edit/expected" / name;
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(path, actual).ok());
    return;
  }
  auto expected = fs::read_file(path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << name;
}

std::string block(const std::string& file, const std::string& search, const std::string& replace) {
  return file + "\n```python\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n```\n";
}

const FileSet kFiles = {
    {"experiment.py", "import numpy as np\n\ndef train(lr, epochs):\n    for e in range(epochs):\n        step(lr)\n"
                      "    return 0\n"},
    {"notes.txt", "# Title: baseline\n"},
};

ApplyResult run(const std::string& message, FileSet* files_out = nullptr) {
  FileSet files = kFiles;
  ApplyOptions options;
  options.chat_files = {"experiment.py", "notes.txt"};
  ApplyResult r = apply_message(message, files, options);
  if (files_out) *files_out = files;
  return r;
}

void expect_report(const std::string& name, const ApplyResult& r) {
  expect_golden(name + ".feedback.txt", format_feedback(r));
  expect_golden(name + ".summary.txt", format_summary(r));
}

TEST(EditReportGolden, TruncatedMessage) {
  expect_report("truncated", run(block("experiment.py", "    return 0\n", "    return 1\n") +
                                 "notes.txt\n```\n<<<<<<< SEARCH\n# Title: baseline\n=======\n# Title: "));
}

TEST(EditReportGolden, ReplaceWhereDividerWasDue) {
  expect_report("append_attempt", run("notes.txt\n```\n<<<<<<< SEARCH\n## Run 1\n>>>>>>> REPLACE\n```\n"));
}

TEST(EditReportGolden, FirstBlockWithoutFilename) {
  expect_report("no_filename", run("```python\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n```\n"));
}

TEST(EditReportGolden, NestedSearch) {
  expect_report("nested_search",
                run("experiment.py\n<<<<<<< SEARCH\nimport numpy as np\n<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE\n"));
}

TEST(EditReportGolden, MarkerOutsideABlock) {
  expect_report("divider_outside", run("Some prose\n=======\n"));
}

TEST(EditReportGolden, FailedAppliedAndAlreadyPresentBlocks) {
  std::string msg = "Three changes.\n\n" + block("experiment.py", "def train(lr, epoch):\n    for e in range(epoch):\n",
                                                 "def train(lr, epochs, seed):\n    for e in range(epochs):\n") +
                    block("notes.txt", "# Title: baseline\n", "# Title: faster\n") +
                    block("notes.txt", "# Title: old\n", "# Title: faster\n") +
                    block("experiment.py", "  return 0\n", "  return 0\n");
  expect_report("mixed", run(msg));
}

TEST(EditReportGolden, FailedWithoutSimilarLinesAndRefusedPath) {
  expect_report("no_similar", run(block("missing.py", "zzz qqq\n", "x\n") + block("../escape.py", "", "x\n")));
}

TEST(EditReportGolden, AllAppliedNeedsNoFeedback) {
  ApplyResult r = run(block("experiment.py", "import numpy as np\n", "import numpy as np\nimport os\n") +
                      block("notes.txt", "", "## Run 1\n") + block("helper.py", "", "X = 1\n"));
  EXPECT_EQ(format_feedback(r), "");
  expect_golden("all_applied.summary.txt", format_summary(r));
}

}  // namespace
}  // namespace sci::edit
