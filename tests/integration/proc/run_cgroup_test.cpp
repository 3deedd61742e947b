// The run cgroup for real, where this process's cgroup v2 directory is writable (as root
// here even without memory controller): the child joins it before exec, a grandchild that
// left the session and ignores SIGTERM is still found and killed (cgroup.kill), and the
// cgroup is gone afterwards. Memory limits need the memory controller (sandbox_limits_test).
#include <unistd.h>

#include <gtest/gtest.h>

#include "proc/cgroup.h"
#include "proc/process_runner.h"
#include "support/exec_process_scan.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

TEST(RunCgroupTest, AnEscapedGrandchildIsKilledThroughTheCgroupAndTheCgroupIsRemoved) {
  const auto parent = own_cgroup_dir();
  if (parent.empty() || ::access(parent.c_str(), W_OK) != 0)
    GTEST_SKIP() << "no writable cgroup v2 directory of ours here";
  auto dir = testing::fresh_temp_dir("run_cgroup");
  const std::string marker = std::to_string(5000000 + ::getpid());
  ProcessSpec spec;
  // setsid: the grandchild leaves our process group and session; without run_as only the cgroup finds it.
  spec.argv = {"/bin/sh", "-c", "setsid sh -c 'trap \"\" TERM; exec sleep " + marker + "' & cat /proc/self/cgroup"};
  spec.cwd = dir;
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.timeout = std::chrono::seconds(20);
  spec.kill_grace = std::chrono::milliseconds(500);
  spec.cgroup = CgroupMode::kAuto;
  spec.cgroup_parent = parent;
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->ok()) << describe_outcome(*r) << r->stderr_tail;
  EXPECT_NE(r->stdout_tail.find("/scientist-" + std::to_string(::getpid()) + "-"), std::string::npos) << r->stdout_tail;
  EXPECT_TRUE(testing::processes_with_marker(marker).empty());
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(parent, ec))
    EXPECT_NE(e.path().filename().string().rfind("scientist-" + std::to_string(::getpid()) + "-", 0), 0u)
        << e.path() << " was left behind";
}

TEST(RunCgroupTest, ACgroupLeftByAKilledScientistIsRemovedAndOneOfALiveProcessIsKept) {
  const auto parent = own_cgroup_dir();
  if (parent.empty() || ::access(parent.c_str(), W_OK) != 0)
    GTEST_SKIP() << "no writable cgroup v2 directory of ours here";
  // A pid that cannot be alive (above pid_max), and one that is: ours is skipped, pid 1 lives.
  const auto stale = parent / "scientist-99999999-0";
  const auto live = parent / "scientist-1-0";
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(live.c_str(), 0755), 0);
  EXPECT_EQ(remove_stale_run_cgroups(parent), 1);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live));
  ::rmdir(live.c_str());
}

}  // namespace
}  // namespace sci::proc
