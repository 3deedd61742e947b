// `scientist resume` after a kill -9 mid-run (issue #22): the idea directory was left
// owned by the run's sandbox uid; resume gives it back to the batch directory's owner
// before anything else, changing symlinks themselves and never their targets.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

uid_t owner_of(const std::filesystem::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

TEST(ResumeOwnershipTest, FilesLeftToASandboxUidGoBackToTheBatchOwnerFirst) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: only root runs drop to sandbox uids (and can chown back)";
  auto root = fresh_temp_dir("resume_ownership");
  auto batch = root / "batch";
  auto idea = batch / "20260101_000000_idea";
  std::filesystem::create_directories(idea / "run_1");
  // A record resume cannot use: the ownership repair must already have happened.
  ASSERT_TRUE(fs::write_file_atomic(batch / "run_config.json", "{}").ok());
  ASSERT_TRUE(fs::write_file_atomic(idea / "experiment.py", "print(1)\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(idea / "run_1" / "final_info.json", "{}").ok());
  auto outside = root / "outside.txt";
  ASSERT_TRUE(fs::write_file_atomic(outside, "not the batch's\n").ok());
  ASSERT_EQ(::chown(outside.c_str(), 1234, 1234), 0);
  std::filesystem::create_symlink(outside, idea / "link_out");
  const uid_t pool_uid = 61005;  // sandbox.uid_base 61000 + 5
  for (const auto& p : {idea, idea / "run_1", idea / "experiment.py", idea / "run_1" / "final_info.json"})
    ASSERT_EQ(::chown(p.c_str(), pool_uid, pool_uid), 0);
  ASSERT_EQ(::lchown((idea / "link_out").c_str(), pool_uid, pool_uid), 0);
  // Someone else's file in the batch that no run left behind stays as it is.
  ASSERT_TRUE(fs::write_file_atomic(idea / "by_a_colleague.txt", "hi\n").ok());
  ASSERT_EQ(::chown((idea / "by_a_colleague.txt").c_str(), 1300, 1300), 0);

  auto r = run_scientist({"resume", batch.string()}, {}, {}, 60);
  EXPECT_NE(r.output.find("restored the owner"), std::string::npos) << r.output;
  const uid_t me = owner_of(batch);
  for (const auto& p : {idea, idea / "run_1", idea / "experiment.py", idea / "run_1" / "final_info.json",
                        idea / "link_out"})
    EXPECT_EQ(owner_of(p), me) << p;
  EXPECT_EQ(owner_of(outside), 1234u);  // the link was not followed
  EXPECT_EQ(owner_of(idea / "by_a_colleague.txt"), 1300u);
}

}  // namespace
}  // namespace sci::testing
