// Confined reads, listings and copies: no link is followed below the root (in any
// component, file or directory), only regular files are read, sizes and counts are
// bounded, and paths that leave the root are refused.
#include "base/confined_fs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/test_paths.h"

namespace sci::fs {
namespace {

namespace stdfs = std::filesystem;

class ConfinedFs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_temp_dir("confined_fs");
    root_ = dir_ / "idea";
    stdfs::create_directories(root_ / "run_1");
    ASSERT_TRUE(write_file_atomic(root_ / "run_1" / "final_info.json", "{}").ok());
    ASSERT_TRUE(write_file_atomic(dir_ / "outside.txt", "host secret").ok());
  }
  stdfs::path dir_, root_;
};

TEST_F(ConfinedFs, ReadsRegularFilesByRelativeOrAbsolutePath) {
  EXPECT_EQ(*read_file_beneath(root_, "run_1/final_info.json", 100), "{}");
  EXPECT_EQ(*read_file_beneath(root_, root_ / "run_1" / "final_info.json", 100), "{}");
  EXPECT_EQ(read_file_beneath(root_, "run_1/missing.json", 100).error().code, ErrorCode::kNotFound);
}

TEST_F(ConfinedFs, RefusesAFileLink) {
  stdfs::create_symlink(dir_ / "outside.txt", root_ / "run_1" / "link.json");
  auto r = read_file_beneath(root_, "run_1/link.json", 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
}

TEST_F(ConfinedFs, RefusesADirectoryLinkInAnyComponent) {
  stdfs::create_directories(dir_ / "sibling" / "run_1");
  ASSERT_TRUE(write_file_atomic(dir_ / "sibling" / "run_1" / "final_info.json", "sibling").ok());
  stdfs::create_directory_symlink(dir_ / "sibling" / "run_1", root_ / "run_2");
  auto r = read_file_beneath(root_, "run_2/final_info.json", 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
  EXPECT_FALSE(check_no_links_beneath(root_, root_ / "run_2" / "new.txt").ok());
  EXPECT_TRUE(check_no_links_beneath(root_, root_ / "run_3" / "new.txt").ok());
}

TEST_F(ConfinedFs, TheRootItselfMayBeReachedThroughALink) {
  stdfs::create_directory_symlink(root_, dir_ / "idea_link");
  EXPECT_EQ(*read_file_beneath(dir_ / "idea_link", "run_1/final_info.json", 100), "{}");
}

TEST_F(ConfinedFs, RefusesPathsOutsideTheRoot) {
  EXPECT_EQ(read_file_beneath(root_, "../outside.txt", 100).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(read_file_beneath(root_, dir_ / "outside.txt", 100).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ConfinedFs, RefusesFilesOverTheLimitWithoutReadingThem) {
  const stdfs::path big = root_ / "run_1" / "big.json";
  { std::ofstream(big).close(); }
  stdfs::resize_file(big, 1ull << 40);  // sparse: 1 TiB
  auto r = read_file_beneath(root_, big, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("over the limit"), std::string::npos) << r.error().message;
}

TEST_F(ConfinedFs, RefusesAFifoWithoutBlocking) {
  ASSERT_EQ(::mkfifo((root_ / "run_1" / "fifo.json").c_str(), 0600), 0);
  auto r = read_file_beneath(root_, "run_1/fifo.json", 100);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos) << r.error().message;
}

TEST_F(ConfinedFs, ListingReportsLinksAsLinksAndIsBounded) {
  stdfs::create_symlink(dir_ / "outside.txt", root_ / "link");
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(write_file_atomic(root_ / ("f" + std::to_string(i)), "x").ok());
  auto all = list_dir_beneath(root_, root_);
  ASSERT_TRUE(all.ok());
  bool saw_link = false;
  for (const auto& e : all->entries)
    if (e.name == "link") saw_link = e.kind == EntryKind::kSymlink;
  EXPECT_TRUE(saw_link);
  EXPECT_FALSE(all->truncated);
  auto some = list_dir_beneath(root_, root_, 10);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->entries.size(), 10u);
  EXPECT_TRUE(some->truncated);
}

TEST_F(ConfinedFs, TreeCopySkipsLinksAndCountsFiles) {
  stdfs::create_directories(root_ / "run_1" / "curves");
  ASSERT_TRUE(write_file_atomic(root_ / "run_1" / "curves" / "a.json", "[1]").ok());
  stdfs::create_symlink(dir_ / "outside.txt", root_ / "run_1" / "curves" / "leak.json");
  std::vector<std::string> skipped;
  ASSERT_TRUE(copy_tree_beneath(root_, root_ / "run_1", dir_ / "copy", 100, 1 << 20, skipped).ok());
  EXPECT_EQ(*read_file(dir_ / "copy" / "curves" / "a.json"), "[1]");
  EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(dir_ / "copy" / "curves" / "leak.json")));
  EXPECT_EQ(skipped, std::vector<std::string>{"curves/leak.json"});
  EXPECT_FALSE(copy_tree_beneath(root_, root_ / "run_1", dir_ / "copy2", 2, 1 << 20, skipped).ok());
}

TEST(IsWithin, ComparesWholeComponentsOfNormalisedPaths) {
  EXPECT_TRUE(is_within("/a/b/c", "/a/b"));
  EXPECT_TRUE(is_within("/a/b", "/a/b/"));
  EXPECT_TRUE(is_within("/a/b/./c/../d", "/a/b"));
  EXPECT_TRUE(is_within("/etc/passwd", "/"));
  EXPECT_FALSE(is_within("/a/bc", "/a/b"));
  EXPECT_FALSE(is_within("/a/b/../c", "/a/b"));
  EXPECT_FALSE(is_within("/a", "/a/b"));
  EXPECT_FALSE(is_within("a/b", "/a"));
}

}  // namespace
}  // namespace sci::fs
