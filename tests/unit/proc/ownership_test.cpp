// Ownership hand-over and repair on real files (needs root to chown; skipped otherwise):
// restore_ownership changes links and never their targets and only uids of the given
// range; a snapshot gives back exactly the owners it recorded.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/ownership.h"
#include "support/file_stat.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

using testing::lstat_of;

class OwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to change owners";
    root_ = sci::testing::fresh_temp_dir(std::string("ownership_") +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    dir_ = root_ / "idea";
    std::filesystem::create_directories(dir_ / "sub");
    ASSERT_TRUE(fs::write_file_atomic(dir_ / "a.txt", "a").ok());
    ASSERT_TRUE(fs::write_file_atomic(dir_ / "sub" / "b.txt", "b").ok());
  }
  std::filesystem::path root_, dir_;
};

TEST_F(OwnershipTest, RestoreOwnershipChangesTheLinkNotItsTargetAndCountsWhatItChanged) {
  auto target = root_ / "target.txt";
  ASSERT_TRUE(fs::write_file_atomic(target, "outside").ok());
  ASSERT_EQ(::chown(target.c_str(), 61005, 61005), 0);  // a pool uid, but outside the directory
  std::filesystem::create_symlink(target, dir_ / "link");
  std::filesystem::create_directory_symlink(root_, dir_ / "dirlink");
  for (const auto& p : {dir_, dir_ / "sub", dir_ / "a.txt", dir_ / "sub" / "b.txt", dir_ / "link", dir_ / "dirlink"})
    ASSERT_EQ(::lchown(p.c_str(), 61005, 61005), 0);
  auto fixed = restore_ownership(dir_, 0, 0, UidRange{61000, 61063});
  ASSERT_TRUE(fixed.ok()) << fixed.error().to_string();
  EXPECT_EQ(*fixed, 6u);
  for (const auto& p : {dir_, dir_ / "sub", dir_ / "a.txt", dir_ / "sub" / "b.txt", dir_ / "link", dir_ / "dirlink"})
    EXPECT_EQ(lstat_of(p).st_uid, 0u) << p;
  EXPECT_EQ(lstat_of(target).st_uid, 61005u);  // not followed
  // Nothing left to fix: a second pass changes nothing.
  EXPECT_EQ(*restore_ownership(dir_, 0, 0, UidRange{61000, 61063}), 0u);
}

TEST_F(OwnershipTest, RestoreOwnershipLeavesOwnersOutsideTheRangeAlone) {
  ASSERT_EQ(::chown((dir_ / "a.txt").c_str(), 1300, 1300), 0);
  ASSERT_EQ(::chown((dir_ / "sub" / "b.txt").c_str(), 61001, 61001), 0);
  EXPECT_EQ(*restore_ownership(dir_, 0, 0, UidRange{61000, 61063}), 1u);
  EXPECT_EQ(lstat_of(dir_ / "a.txt").st_uid, 1300u);
  EXPECT_EQ(lstat_of(dir_ / "sub" / "b.txt").st_uid, 0u);
}

TEST_F(OwnershipTest, RestoreOwnershipRefusesATreeOverTheBoundWithoutChangingIt) {
  ASSERT_EQ(::chown((dir_ / "a.txt").c_str(), 61001, 61001), 0);
  auto r = restore_ownership(dir_, 0, 0, UidRange{61000, 61063}, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(lstat_of(dir_ / "a.txt").st_uid, 61001u);
}

TEST_F(OwnershipTest, ASnapshotRestoresRecordedOwnersAndGivesNewFilesToTheDirectoryOwner) {
  ASSERT_EQ(::chown((dir_ / "a.txt").c_str(), 1234, 1235), 0);
  ASSERT_TRUE(fs::write_file_atomic(dir_ / "tool", "#!/bin/sh\n").ok());
  ASSERT_EQ(::chown((dir_ / "tool").c_str(), 1234, 1234), 0);
  ASSERT_EQ(::chmod((dir_ / "tool").c_str(), 02755), 0);
  ASSERT_EQ(::chmod((dir_ / "sub").c_str(), 02775), 0);
  auto snap = OwnershipSnapshot::take(dir_);
  ASSERT_TRUE(snap.ok()) << snap.error().to_string();
  snap->hand_to(61007, 61007, {});
  EXPECT_EQ(lstat_of(dir_ / "a.txt").st_uid, 61007u);
  EXPECT_EQ(lstat_of(dir_ / "tool").st_uid, 1234u);  // setgid file: never handed to a run
  // What a run does: a new file, a replaced file, a symlink to something outside.
  ASSERT_TRUE(fs::write_file_atomic(dir_ / "sub" / "new.txt", "n").ok());
  ASSERT_EQ(::chown((dir_ / "sub" / "new.txt").c_str(), 61007, 61007), 0);
  ASSERT_EQ(::chmod((dir_ / "sub" / "new.txt").c_str(), 04755), 0);
  auto outside = root_ / "outside.txt";
  ASSERT_TRUE(fs::write_file_atomic(outside, "o").ok());
  ASSERT_EQ(::chown(outside.c_str(), 61007, 61007), 0);
  std::filesystem::create_symlink(outside, dir_ / "escape");
  ASSERT_EQ(::lchown((dir_ / "escape").c_str(), 61007, 61007), 0);

  EXPECT_GE(snap->restore(61007), 4u);
  auto a = lstat_of(dir_ / "a.txt");
  EXPECT_EQ(a.st_uid, 1234u);
  EXPECT_EQ(a.st_gid, 1235u);
  auto tool = lstat_of(dir_ / "tool");
  EXPECT_EQ(tool.st_uid, 1234u);
  EXPECT_TRUE(tool.st_mode & S_ISGID);
  auto sub = lstat_of(dir_ / "sub");
  EXPECT_EQ(sub.st_uid, 0u);
  EXPECT_TRUE(sub.st_mode & S_ISGID);
  auto created = lstat_of(dir_ / "sub" / "new.txt");
  EXPECT_EQ(created.st_uid, 0u);
  EXPECT_FALSE(created.st_mode & S_ISUID);  // a run-made setuid file does not become root's
  EXPECT_EQ(lstat_of(dir_ / "escape").st_uid, 0u);
  EXPECT_EQ(lstat_of(outside).st_uid, 61007u);  // the link's target is not the directory's
  EXPECT_EQ(lstat_of(dir_).st_uid, 0u);
}

}  // namespace
}  // namespace sci::proc
