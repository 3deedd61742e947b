// Property tests: a block built from a random slice of a random file always lands
// exactly on that slice (or on the first identical run), however it is indented.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edit/applier.h"

namespace sci::edit {
namespace {

std::string join_lines(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += lines[i] + "\n";
  return out;
}

// A Python-looking file: unique statements at random indentation, some blank lines.
std::vector<std::string> random_file(std::mt19937& rng, size_t n, bool unique) {
  static const char* kWords[] = {"x", "lr", "model", "loss", "step", "for", "return", "self.w", "(", ")", "+", "="};
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 7 == 0) {
      lines.emplace_back("");
      continue;
    }
    std::string l(4 * (rng() % 4), ' ');
    size_t words = 1 + rng() % 5;
    for (size_t w = 0; w < words; ++w) l += std::string(w ? " " : "") + kWords[rng() % std::size(kWords)];
    if (unique) l += " # " + std::to_string(i);
    lines.push_back(l);
  }
  return lines;
}

// A slice that starts and ends on a non-blank line (A1 and A3.3 treat blank edges specially).
size_t first_non_blank_slice_start(std::mt19937& rng, const std::vector<std::string>& lines, size_t len) {
  for (int tries = 0; tries < 1000; ++tries) {
    size_t start = rng() % (lines.size() - len + 1);
    bool any = false;
    for (size_t i = start; i < start + len; ++i) any = any || !lines[i].empty();
    if (any && !lines[start].empty() && !lines[start + len - 1].empty()) return start;
  }
  return std::string::npos;  // no such slice (a file of blank lines): the caller skips
}

TEST(EditProperty, ExactSliceOfAUniqueFileLandsExactlyThere) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 500; ++iter) {
    auto lines = random_file(rng, 5 + rng() % 60, true);
    size_t len = 1 + rng() % std::min<size_t>(8, lines.size());
    size_t start = first_non_blank_slice_start(rng, lines, len);
    if (start == std::string::npos) continue;
    std::string search = join_lines(lines, start, start + len);
    std::string replace = "NEW " + std::to_string(iter) + "\nSECOND\n";
    std::string expected = join_lines(lines, 0, start) + replace + join_lines(lines, start + len, lines.size());
    FileSet files{{"f.py", join_lines(lines, 0, lines.size())}};
    std::string msg = "f.py\n```python\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n```\n";
    auto r = apply_message(msg, files, {});
    ASSERT_EQ(r.blocks.size(), 1u) << "iteration " << iter;
    ASSERT_EQ(r.blocks[0].outcome, Outcome::kApplied) << "iteration " << iter << "\n" << search;
    EXPECT_EQ(r.blocks[0].first_line, static_cast<int>(start) + 1) << "iteration " << iter;
    ASSERT_EQ(files["f.py"], expected) << "iteration " << iter;
  }
}

TEST(EditProperty, OutdentedSliceLandsThereReindented) {
  std::mt19937 rng(777);
  int checked = 0;
  for (int iter = 0; iter < 500; ++iter) {
    auto lines = random_file(rng, 5 + rng() % 60, true);
    size_t len = 1 + rng() % std::min<size_t>(6, lines.size());
    size_t start = first_non_blank_slice_start(rng, lines, len);
    if (start == std::string::npos) continue;
    size_t min_indent = std::string::npos;
    for (size_t i = start; i < start + len; ++i)
      if (!lines[i].empty()) min_indent = std::min(min_indent, lines[i].find_first_not_of(' '));
    if (min_indent == 0) continue;  // nothing to outdent
    std::string search, replace;
    for (size_t i = start; i < start + len; ++i) {
      search += (lines[i].empty() ? "" : lines[i].substr(min_indent)) + "\n";
      replace += (lines[i].empty() ? "" : "  " + lines[i].substr(min_indent)) + "\n";  // nest one more level
    }
    std::string prefix(min_indent, ' '), want_middle;
    for (size_t i = start; i < start + len; ++i)
      want_middle += (lines[i].empty() ? "" : prefix + "  " + lines[i].substr(min_indent)) + "\n";
    std::string expected = join_lines(lines, 0, start) + want_middle + join_lines(lines, start + len, lines.size());
    FileSet files{{"f.py", join_lines(lines, 0, lines.size())}};
    std::string msg = "f.py\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n";
    auto r = apply_message(msg, files, {});
    ASSERT_EQ(r.blocks[0].outcome, Outcome::kApplied) << "iteration " << iter;
    EXPECT_EQ(r.blocks[0].method, MatchMethod::kIndentOffset) << "iteration " << iter;
    EXPECT_EQ(r.blocks[0].first_line, static_cast<int>(start) + 1);
    ASSERT_EQ(files["f.py"], expected) << "iteration " << iter;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(EditProperty, SliceOfAFileWithRepeatsLandsOnTheFirstIdenticalRun) {
  std::mt19937 rng(4242);
  for (int iter = 0; iter < 500; ++iter) {
    auto lines = random_file(rng, 5 + rng() % 40, false);
    size_t len = 1 + rng() % 3;
    if (len > lines.size()) continue;
    size_t start = first_non_blank_slice_start(rng, lines, len);
    if (start == std::string::npos) continue;
    // The first run equal to the slice, found naively.
    size_t first = 0;
    for (;; ++first) {
      bool eq = true;
      for (size_t k = 0; k < len && eq; ++k) eq = lines[first + k] == lines[start + k];
      if (eq) break;
    }
    std::string search = join_lines(lines, start, start + len);
    FileSet files{{"f.py", join_lines(lines, 0, lines.size())}};
    std::string msg = "f.py\n<<<<<<< SEARCH\n" + search + "=======\nMARK\n>>>>>>> REPLACE\n";
    auto r = apply_message(msg, files, {});
    ASSERT_EQ(r.blocks[0].outcome, Outcome::kApplied) << "iteration " << iter;
    EXPECT_EQ(r.blocks[0].method, MatchMethod::kExact);
    std::string expected = join_lines(lines, 0, first) + "MARK\n" + join_lines(lines, first + len, lines.size());
    ASSERT_EQ(files["f.py"], expected) << "iteration " << iter;
  }
}

TEST(EditProperty, SearchNotInTheFileNeverChangesIt) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 300; ++iter) {
    auto lines = random_file(rng, 5 + rng() % 40, true);
    std::string content = join_lines(lines, 0, lines.size());
    FileSet files{{"f.py", content}};
    std::string msg = "f.py\n<<<<<<< SEARCH\nnot here " + std::to_string(iter) + "\n=======\nX\n>>>>>>> REPLACE\n";
    auto r = apply_message(msg, files, {});
    EXPECT_EQ(r.blocks[0].outcome, Outcome::kFailed);
    ASSERT_EQ(files["f.py"], content);
  }
}

}  // namespace
}  // namespace sci::edit
