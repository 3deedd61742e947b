// CPU pinning under the real sandbox (strict = bwrap, degraded = direct): a run given
// cpu_ids sees exactly those CPUs in its affinity mask and is told their number
// (OMP_NUM_THREADS); a run without them sees every CPU scientist may use.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "proc/cpu_affinity.h"
#include "proc/find_program.h"
#include "proc/sandbox.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

// Prints the affinity mask as Python sees it, then the OpenMP thread count.
constexpr const char* kShowCpus =
    "import os; print(sorted(os.sched_getaffinity(0))); print(os.environ.get('OMP_NUM_THREADS', '-'))";

std::string python_list(const std::vector<int>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

class SandboxCpuPinningTest : public ::testing::TestWithParam<SandboxLevel> {
 protected:
  void SetUp() override {
    if (GetParam() == SandboxLevel::kStrict && !probe_sandbox().namespaces_work)
      GTEST_SKIP() << "strict sandbox unavailable here: " << probe_sandbox().detail;
    if (!find_program("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 not installed";
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name)
      if (c == '/') c = '_';
    root_ = sci::testing::fresh_temp_dir("sandbox_cpus_" + name);
    workdir_ = root_ / "idea";
    std::filesystem::create_directories(workdir_);
    ::chmod(root_.c_str(), 0755);  // reachable by the dropped uid when run as root
    ::chmod(workdir_.c_str(), 0755);
  }

  // The run's stdout; fails the test when the run does not succeed.
  std::string run(const std::vector<int>& cpu_ids) {
    SandboxPolicy p;
    p.level = GetParam();
    p.workdir = workdir_;
    p.timeout = std::chrono::seconds(30);
    p.kill_grace = std::chrono::milliseconds(500);
    p.limits.max_processes = 64;
    p.cpu_ids = cpu_ids;
    PosixProcessRunner runner;
    Sandbox sandbox(runner);
    auto r = sandbox.run(p, {"/usr/bin/python3", "-c", kShowCpus}, root_ / "stdout.txt", root_ / "stderr.txt");
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    if (!r.ok()) return "";
    EXPECT_TRUE(r->process.ok()) << describe_outcome(r->process) << ": " << r->process.stderr_tail;
    return r->process.stdout_tail;
  }

  std::filesystem::path root_, workdir_;
};

TEST_P(SandboxCpuPinningTest, PinnedRunSeesOnlyItsCpuAndOneThread) {
  const int first = allowed_cpu_ids().front();  // CPU 0 on most machines
  EXPECT_EQ(run({first}), python_list({first}) + "\n1\n");
}

TEST_P(SandboxCpuPinningTest, UnpinnedRunSeesEveryAllowedCpu) {
  EXPECT_EQ(run({}), python_list(allowed_cpu_ids()) + "\n-\n");
}

TEST(ProcessRunnerCpuTest, ACpuOutsideTheAllowedSetFailsToStartWithAClearError) {
  auto allowed = allowed_cpu_ids();
  ProcessSpec spec;
  spec.argv = {"/bin/true"};
  spec.timeout = std::chrono::seconds(10);
  spec.cpu_ids = {allowed.back() + 4096};  // no machine here has it
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("CPU affinity"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Levels, SandboxCpuPinningTest,
                         ::testing::Values(SandboxLevel::kStrict, SandboxLevel::kDegraded),
                         [](const ::testing::TestParamInfo<SandboxLevel>& param_info) {
                           return std::string(sandbox_level_name(param_info.param));
                         });

}  // namespace
}  // namespace sci::proc
