// Owners in the workdir around a real sandboxed run as root (issue #22): pre-existing
// owners and setgid bits come back exactly, files the run made go to the directory's
// owner, a link the run planted changes only itself, and entries a killed earlier run
// left to a pool uid are given back before the next run records its snapshot.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/sandbox.h"
#include "support/file_stat.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

using testing::lstat_of;

class SandboxOwnershipTest : public ::testing::TestWithParam<SandboxLevel> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: only then runs drop to a sandbox uid";
    if (GetParam() == SandboxLevel::kStrict && !probe_sandbox().namespaces_work)
      GTEST_SKIP() << "strict sandbox unavailable here: " << probe_sandbox().detail;
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name)
      if (c == '/') c = '_';
    root_ = sci::testing::fresh_temp_dir("owners_" + name);
    workdir_ = root_ / "idea";
    std::filesystem::create_directories(workdir_ / "sub");
    for (const auto& p : {root_, workdir_, workdir_ / "sub"}) ::chmod(p.c_str(), 0755);
  }

  Result<SandboxOutcome> run(const std::string& script) {
    SandboxPolicy p;
    p.level = GetParam();
    p.workdir = workdir_;
    p.timeout = std::chrono::seconds(20);
    p.kill_grace = std::chrono::milliseconds(500);
    p.limits.max_processes = 64;
    PosixProcessRunner runner;
    Sandbox sandbox(runner);
    return sandbox.run(p, {"/bin/sh", "-c", script}, root_ / "stdout.txt", root_ / "stderr.txt");
  }

  std::filesystem::path root_, workdir_;
};

TEST_P(SandboxOwnershipTest, PreExistingOwnersComeBackAndOnlyWhatTheRunMadeGoesToTheOwner) {
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "tool", "#!/bin/sh\n").ok());
  ASSERT_EQ(::chown((workdir_ / "tool").c_str(), 1234, 1234), 0);
  ASSERT_EQ(::chmod((workdir_ / "tool").c_str(), 02755), 0);
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "sub" / "data.csv", "x\n").ok());
  ASSERT_EQ(::chown((workdir_ / "sub" / "data.csv").c_str(), 1235, 1236), 0);
  auto outside = root_ / "outside.txt";
  ASSERT_TRUE(fs::write_file_atomic(outside, "o\n").ok());
  ASSERT_EQ(::chown(outside.c_str(), 1300, 1300), 0);
  auto r = run("echo y >> sub/data.csv && echo new > made.txt && ln -s " + outside.string() + " escape");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->process.ok()) << r->process.stderr_tail;
  EXPECT_EQ(lstat_of(workdir_ / "tool").st_uid, 1234u);
  EXPECT_TRUE(lstat_of(workdir_ / "tool").st_mode & S_ISGID);
  EXPECT_EQ(lstat_of(workdir_ / "sub" / "data.csv").st_uid, 1235u);
  EXPECT_EQ(lstat_of(workdir_ / "sub" / "data.csv").st_gid, 1236u);
  EXPECT_EQ(*fs::read_file(workdir_ / "sub" / "data.csv"), "x\ny\n");
  EXPECT_EQ(lstat_of(workdir_ / "made.txt").st_uid, 0u);
  EXPECT_EQ(lstat_of(workdir_ / "escape").st_uid, 0u);
  EXPECT_EQ(lstat_of(outside).st_uid, 1300u);
  EXPECT_EQ(lstat_of(workdir_).st_uid, 0u);
}

TEST_P(SandboxOwnershipTest, EntriesAKilledRunLeftToAPoolUidAreGivenBackBeforeTheNextRun) {
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "sub" / "run_2.py", "print(2)\n").ok());
  for (const auto& p : {workdir_, workdir_ / "sub", workdir_ / "sub" / "run_2.py"})
    ASSERT_EQ(::chown(p.c_str(), 61005, 61005), 0);
  auto r = run("true");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (const auto& p : {workdir_, workdir_ / "sub", workdir_ / "sub" / "run_2.py"})
    EXPECT_EQ(lstat_of(p).st_uid, 0u) << p;
}

INSTANTIATE_TEST_SUITE_P(Levels, SandboxOwnershipTest, ::testing::Values(SandboxLevel::kStrict, SandboxLevel::kDegraded),
                         [](const ::testing::TestParamInfo<SandboxLevel>& param_info) {
                           return std::string(sandbox_level_name(param_info.param));
                         });

}  // namespace
}  // namespace sci::proc
