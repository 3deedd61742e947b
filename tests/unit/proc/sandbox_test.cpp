// Sandbox policy logic with a fake runner: level choice, bwrap argv, environment
// scrubbing, protected-file tamper detection and outcome mapping.
#include <cstdlib>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "proc/sandbox.h"
#include "support/exec_fake_process_runner.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

using testing::fake_probe;
using testing::FakeProcessRunner;

bool contains_sequence(const std::vector<std::string>& v, const std::vector<std::string>& seq) {
  for (size_t i = 0; i + seq.size() <= v.size(); ++i) {
    bool all = true;
    for (size_t j = 0; j < seq.size() && all; ++j) all = v[i + j] == seq[j];
    if (all) return true;
  }
  return false;
}

SandboxPolicy policy_for(const std::filesystem::path& dir, SandboxLevel level = SandboxLevel::kStrict) {
  SandboxPolicy p;
  p.level = level;
  p.workdir = dir;
  p.timeout = std::chrono::seconds(5);
  return p;
}

TEST(SandboxReachTest, AsRootAResultsDirOthersCannotEnterIsNamedWithTheFix) {
  auto dir = sci::testing::fresh_temp_dir("reach");
  auto closed = dir / "private";
  std::filesystem::create_directories(closed / "results");
  std::filesystem::permissions(closed, std::filesystem::perms::owner_all);
  auto root = fake_probe(true);
  root.host_root = true;
  auto status = check_sandbox_can_reach(closed / "results", root);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find(closed.string() + " is not searchable by other users"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("chmod o+x"), std::string::npos);
  // The directory itself counts too, and a directory not made yet is fine.
  EXPECT_FALSE(check_sandbox_can_reach(closed, root).ok());
  std::filesystem::permissions(closed, std::filesystem::perms::owner_all | std::filesystem::perms::others_exec);
  EXPECT_TRUE(check_sandbox_can_reach(closed / "results" / "not_yet", root).ok());
  // Without root the runs keep our uid: nothing to check.
  std::filesystem::permissions(closed, std::filesystem::perms::owner_all);
  auto user = fake_probe(true);
  user.host_root = false;
  EXPECT_TRUE(check_sandbox_can_reach(closed / "results", user).ok());
}

TEST(SandboxLevelTest, ParsesEveryLevelAndRejectsOthers) {
  EXPECT_EQ(*parse_sandbox_request("auto"), SandboxRequest::kAuto);
  EXPECT_EQ(*parse_sandbox_request("strict"), SandboxRequest::kStrict);
  EXPECT_EQ(*parse_sandbox_request("degraded"), SandboxRequest::kDegraded);
  EXPECT_EQ(*parse_sandbox_request("none"), SandboxRequest::kNone);
  auto bad = parse_sandbox_request("loose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("auto, strict, degraded or none"), std::string::npos);
}

TEST(SandboxLevelTest, AutoPicksStrictWhenNamespacesWorkAndDegradedOtherwise) {
  EXPECT_EQ(*choose_sandbox_level(SandboxRequest::kAuto, fake_probe(true), UnsafeNoSandbox::kNo), SandboxLevel::kStrict);
  EXPECT_EQ(*choose_sandbox_level(SandboxRequest::kAuto, fake_probe(false), UnsafeNoSandbox::kNo),
            SandboxLevel::kDegraded);
}

TEST(SandboxLevelTest, StrictWithoutNamespacesIsRefusedNamingTheFix) {
  auto r = choose_sandbox_level(SandboxRequest::kStrict, fake_probe(false), UnsafeNoSandbox::kNo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("unprivileged_userns_clone"), std::string::npos);
  EXPECT_NE(r.error().message.find("--sandbox degraded"), std::string::npos);
  SandboxProbe no_bwrap;
  auto r2 = choose_sandbox_level(SandboxRequest::kStrict, no_bwrap, UnsafeNoSandbox::kNo);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("apt-get install bubblewrap"), std::string::npos);
}

TEST(SandboxLevelTest, NoneNeedsTheUnsafeFlag) {
  auto refused = choose_sandbox_level(SandboxRequest::kNone, fake_probe(true), UnsafeNoSandbox::kNo);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("--unsafe-no-sandbox"), std::string::npos);
  EXPECT_EQ(*choose_sandbox_level(SandboxRequest::kNone, fake_probe(true), UnsafeNoSandbox::kYes), SandboxLevel::kNone);
}

TEST(SandboxEnvironmentTest, ApiKeysAndUnlistedVariablesNeverReachTheCommand) {
  SandboxPolicy p = policy_for("/ideas/a");
  p.gpus = {"1", "3"};
  p.extra_env = {{"SEED", "7"}, {"HF_TOKEN", "hf_abcdefgh"}};
  std::map<std::string, std::string> host = {{"PATH", "/usr/bin"},
                                             {"OPENAI_API_KEY", "sk-secret-123456"},
                                             {"ANTHROPIC_API_KEY", "sk-ant-654321"},
                                             {"AWS_SECRET_ACCESS_KEY", "abcdefabcdef"},
                                             {"HOME", "/root"},
                                             {"SSH_AUTH_SOCK", "/tmp/agent"},
                                             {"LANG", "C.UTF-8"}};
  auto env = sandbox_environment(p, host, run_scratch_layout("/scratch/run-1"));
  EXPECT_EQ(env["PATH"], "/usr/bin");
  EXPECT_EQ(env["LANG"], "C.UTF-8");
  EXPECT_EQ(env["HOME"], "/scratch/run-1/home");  // never the idea directory
  EXPECT_EQ(env["TMPDIR"], "/tmp");               // strict: the scratch's tmp is bound there
  EXPECT_EQ(env["PYTHONNOUSERSITE"], "1");
  EXPECT_EQ(env["CUDA_VISIBLE_DEVICES"], "1,3");
  EXPECT_EQ(env["SEED"], "7");
  for (const char* gone : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "SSH_AUTH_SOCK", "HF_TOKEN"})
    EXPECT_EQ(env.count(gone), 0u) << gone;
  for (const auto& [k, v] : env) EXPECT_EQ(v.find("secret"), std::string::npos) << k;
}

TEST(SandboxEnvironmentTest, DegradedGetsHomeAndTmpdirInTheRunsScratch) {
  auto env = sandbox_environment(policy_for("/ideas/a", SandboxLevel::kDegraded), {{"HOME", "/root"}},
                                 run_scratch_layout("/scratch/run-2"));
  EXPECT_EQ(env["HOME"], "/scratch/run-2/home");
  EXPECT_EQ(env["TMPDIR"], "/scratch/run-2/tmp");
}

TEST(SandboxEnvironmentTest, NoGpusMeansCudaSeesNone) {
  auto env = sandbox_environment(policy_for("/w"), {});
  EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "");
  EXPECT_FALSE(env.at("PATH").empty());
}

TEST(SandboxEnvironmentTest, PinnedRunSizesThreadPoolsToItsCpus) {
  SandboxPolicy p = policy_for("/w");
  p.cpu_ids = {2, 3, 5};
  auto env = sandbox_environment(p, {});
  EXPECT_EQ(env["OMP_NUM_THREADS"], "3");
  EXPECT_EQ(env["OPENBLAS_NUM_THREADS"], "3");
  EXPECT_EQ(env["MKL_NUM_THREADS"], "3");
}

TEST(SandboxEnvironmentTest, ThreadCountsFromTheTemplateWinOverThePinnedCount) {
  SandboxPolicy p = policy_for("/w");
  p.cpu_ids = {0, 1};
  p.extra_env = {{"OMP_NUM_THREADS", "1"}};
  auto env = sandbox_environment(p, {{"OPENBLAS_NUM_THREADS", "16"}});  // the host's value is not passed on
  EXPECT_EQ(env["OMP_NUM_THREADS"], "1");
  EXPECT_EQ(env["OPENBLAS_NUM_THREADS"], "2");
  EXPECT_EQ(env["MKL_NUM_THREADS"], "2");
}

TEST(SandboxEnvironmentTest, UnpinnedRunGetsNoThreadCounts) {
  auto env = sandbox_environment(policy_for("/w"), {{"OMP_NUM_THREADS", "8"}});
  for (const char* name : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"})
    EXPECT_EQ(env.count(name), 0u) << name;
}

TEST(BwrapArgumentsTest, NetworkOffByDefaultRootReadOnlyOnlyWorkdirWritable) {
  auto dir = testing::fresh_temp_dir("bwrap_args");
  auto other = dir.parent_path();
  SandboxPolicy p = policy_for(dir);
  p.hidden_paths = {other};
  auto scratch = run_scratch_layout("/var/tmp/scratch-root/run-1");
  auto a = bwrap_arguments(p, "/usr/bin/bwrap", {"/dev/nvidia0"}, scratch, 7);
  EXPECT_EQ(a.front(), "/usr/bin/bwrap");
  EXPECT_EQ(a.back(), "--");
  EXPECT_TRUE(contains_sequence(a, {"--unshare-all"}));
  EXPECT_FALSE(contains_sequence(a, {"--share-net"}));
  EXPECT_TRUE(contains_sequence(a, {"--die-with-parent"}));
  EXPECT_TRUE(contains_sequence(a, {"--ro-bind", "/", "/"}));
  EXPECT_TRUE(contains_sequence(a, {"--seccomp", "7"}));
  // Nothing writable is a tmpfs (bwrap 0.8 cannot bound one): /tmp and /dev/shm are the
  // run's scratch on disk, every tmpfs ends read-only.
  EXPECT_TRUE(contains_sequence(a, {"--bind", scratch.tmp.string(), "/tmp"}));
  EXPECT_TRUE(contains_sequence(a, {"--bind", scratch.shm.string(), "/dev/shm"}));
  EXPECT_TRUE(contains_sequence(a, {"--bind", scratch.home.string(), scratch.home.string()}));
  EXPECT_FALSE(contains_sequence(a, {"--tmpfs", "/tmp"}));
  EXPECT_TRUE(contains_sequence(a, {"--tmpfs", other.string()}));
  EXPECT_TRUE(contains_sequence(a, {"--tmpfs", "/var/tmp/scratch-root"}));  // other runs' scratch
  std::vector<std::string> read_only = {"/dev", other.string(), "/var/tmp/scratch-root"};
  for (const char* home : {"/home", "/root"})
    if (std::filesystem::is_directory(home)) read_only.emplace_back(home);
  for (const auto& ro : read_only) EXPECT_TRUE(contains_sequence(a, {"--remount-ro", ro})) << ro;
  EXPECT_TRUE(contains_sequence(a, {"--bind", dir.string(), dir.string()}));
  EXPECT_TRUE(contains_sequence(a, {"--chdir", dir.string()}));
  // GPUs pass through only when the run has some.
  EXPECT_FALSE(contains_sequence(a, {"--dev-bind", "/dev/nvidia0", "/dev/nvidia0"}));
  // The workdir bind comes after the hidden parent, or it would be hidden too.
  auto pos = [&](const std::vector<std::string>& seq) {
    return std::search(a.begin(), a.end(), seq.begin(), seq.end()) - a.begin();
  };
  EXPECT_LT(pos({"--tmpfs", other.string()}), pos({"--bind", dir.string(), dir.string()}));
  // Read-only only once every mount point inside is made.
  EXPECT_LT(pos({"--bind", dir.string(), dir.string()}), pos({"--remount-ro", other.string()}));
  EXPECT_LT(pos({"--bind", scratch.shm.string(), "/dev/shm"}), pos({"--remount-ro", "/dev"}));
}

TEST(BwrapArgumentsTest, NetworkOnAndGpusAreOptIn) {
  auto dir = testing::fresh_temp_dir("bwrap_args_net");
  SandboxPolicy p = policy_for(dir);
  p.network = NetworkAccess::kOn;
  p.gpus = {"0"};
  auto a = bwrap_arguments(p, "/usr/bin/bwrap", {"/dev/nvidia0", "/dev/nvidiactl"}, run_scratch_layout("/s/run-1"), -1);
  EXPECT_FALSE(contains_sequence(a, {"--seccomp"}));
  EXPECT_TRUE(contains_sequence(a, {"--unshare-all", "--share-net"}));
  EXPECT_TRUE(contains_sequence(a, {"--dev-bind", "/dev/nvidia0", "/dev/nvidia0"}));
  EXPECT_TRUE(contains_sequence(a, {"--dev-bind", "/dev/nvidiactl", "/dev/nvidiactl"}));
  // The device nodes go into /dev before it turns read-only.
  auto pos = [&](const std::vector<std::string>& seq) {
    return std::search(a.begin(), a.end(), seq.begin(), seq.end()) - a.begin();
  };
  EXPECT_LT(pos({"--dev-bind", "/dev/nvidiactl", "/dev/nvidiactl"}), pos({"--remount-ro", "/dev"}));
}

TEST(SandboxRunTest, StrictWrapsTheCommandInBwrapWithTheRules) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_strict");
  FakeProcessRunner runner;
  runner.push_outcome(ExitKind::kCompleted, 0);
  Sandbox sandbox(runner, fake_probe(true));
  SandboxPolicy p = policy_for(dir);
  p.limits.max_processes = 64;
  p.disk_quota_bytes = 10 << 20;
  auto r = sandbox.run(p, {"python3", "experiment.py"}, dir / "o.txt", dir / "e.txt");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(runner.specs().size(), 1u);
  const auto& spec = runner.specs()[0];
  EXPECT_EQ(spec.argv.front(), "/usr/bin/bwrap");
  EXPECT_EQ(spec.argv[spec.argv.size() - 2], "python3");
  EXPECT_EQ(spec.argv.back(), "experiment.py");
  EXPECT_EQ(spec.timeout, std::chrono::seconds(5));
  EXPECT_TRUE(spec.cpu_ids.empty());  // not pinned unless the policy says so
  EXPECT_EQ(spec.quota.dir, dir);
  ASSERT_EQ(spec.quota.extra_dirs.size(), 1u);  // the run's scratch counts too
  EXPECT_EQ(spec.env.at("HOME"), (spec.quota.extra_dirs[0] / "home").string());
  EXPECT_FALSE(std::filesystem::exists(spec.quota.extra_dirs[0]));  // removed after the run
  ASSERT_EQ(spec.inherited_fds.size(), 1u);  // the seccomp filter, named on bwrap's command line
  EXPECT_TRUE(contains_sequence(spec.argv, {"--seccomp", std::to_string(spec.inherited_fds[0])}));
  EXPECT_EQ(spec.quota.max_bytes, 10u << 20);
  EXPECT_GE(spec.limits.max_processes, 64u);
  EXPECT_GT(spec.limits.file_size_bytes, 0u);  // one file cannot overshoot the quota
  EXPECT_EQ(r->level, SandboxLevel::kStrict);
  EXPECT_EQ(r->network.name, "off");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(SandboxRunTest, DegradedRunsTheCommandDirectlyAndWarnsLoudly) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_degraded");
  FakeProcessRunner runner;
  runner.push_outcome(ExitKind::kCompleted, 0);
  Sandbox sandbox(runner, fake_probe(false));
  auto r = sandbox.run(policy_for(dir, SandboxLevel::kDegraded), {"python3", "x.py"}, {}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(runner.specs()[0].argv, (std::vector<std::string>{"python3", "x.py"}));
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("no network or filesystem isolation"), std::string::npos);
  EXPECT_EQ(r->network.name, "not_isolated");
  EXPECT_EQ(r->network.description, "not isolated (degraded level has no network namespace)");
}

TEST(SandboxRunTest, AHiddenPathInsideTheWorkdirIsRefusedAtEveryLevel) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_hidden_inside");
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml", "[secrets]\ns2_api_key = \"x\"\n").ok());
  for (auto level : {SandboxLevel::kStrict, SandboxLevel::kDegraded, SandboxLevel::kNone}) {
    FakeProcessRunner runner;
    Sandbox sandbox(runner, fake_probe(true));
    SandboxPolicy p = policy_for(dir, level);
    p.hidden_paths = {dir.parent_path(), dir / "scientist.toml"};  // the parent (other ideas) is fine
    auto r = sandbox.run(p, {"true"}, {}, {});
    ASSERT_FALSE(r.ok()) << sandbox_level_name(level);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find((dir / "scientist.toml").string()), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("move it out of"), std::string::npos) << r.error().message;
    EXPECT_TRUE(runner.specs().empty());
  }
}

TEST(SandboxRunTest, ALogFolderReachedThroughASymlinkInTheWorkdirIsRefused) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_log_link");
  auto elsewhere = testing::fresh_temp_dir("sandbox_fake_log_link_target");
  std::filesystem::create_symlink(elsewhere, dir / "attempts");
  FakeProcessRunner runner;
  Sandbox sandbox(runner, fake_probe(true));
  auto r = sandbox.run(policy_for(dir), {"true"}, dir / "attempts" / "run_1.1" / "stdout.txt",
                       dir / "attempts" / "run_1.1" / "stderr.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find((dir / "attempts").string()), std::string::npos) << r.error().message;
  EXPECT_TRUE(runner.specs().empty());
}

TEST(SandboxNetworkStateTest, OnlyTheStrictLevelCanSayOff) {
  EXPECT_EQ(network_state(SandboxLevel::kStrict, NetworkAccess::kOff).name, "off");
  EXPECT_EQ(network_state(SandboxLevel::kStrict, NetworkAccess::kOn).name, "on");
  for (auto access : {NetworkAccess::kOff, NetworkAccess::kOn}) {
    EXPECT_EQ(network_state(SandboxLevel::kDegraded, access).description,
              "not isolated (degraded level has no network namespace)");
    EXPECT_EQ(network_state(SandboxLevel::kNone, access).name, "not_isolated");
  }
  auto degraded = sandbox_level_limits(SandboxLevel::kDegraded);
  EXPECT_FALSE(degraded.enforced.empty());
  EXPECT_NE(str::join(degraded.not_enforced, "; ").find("network: not isolated"), std::string::npos);
  EXPECT_NE(str::join(degraded.not_enforced, "; ").find("/proc"), std::string::npos);
}

TEST(SandboxProbeTest, StrictNeedsTheSeccompFilterTooAndSaysSo) {
  auto probe = fake_probe(true);
  probe.seccomp_works = false;
  probe.seccomp_detail = "bwrap: --seccomp not supported";
  auto strict = choose_sandbox_level(SandboxRequest::kStrict, probe, UnsafeNoSandbox::kNo);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("seccomp"), std::string::npos) << strict.error().message;
  EXPECT_EQ(*choose_sandbox_level(SandboxRequest::kAuto, probe, UnsafeNoSandbox::kNo), SandboxLevel::kDegraded);
  EXPECT_NE(describe_sandbox_availability(probe).find("seccomp filter cannot be applied"), std::string::npos);
  FakeProcessRunner runner;
  Sandbox sandbox(runner, probe);
  EXPECT_FALSE(sandbox.run(policy_for(testing::fresh_temp_dir("sandbox_fake_no_seccomp")), {"true"}, {}, {}).ok());
  EXPECT_TRUE(runner.specs().empty());
}

TEST(SandboxRunTest, PolicyCpusReachTheProcessSpecAndItsEnvironment) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_cpus");
  FakeProcessRunner runner;
  runner.push_outcome(ExitKind::kCompleted, 0);
  Sandbox sandbox(runner, fake_probe(true));
  SandboxPolicy p = policy_for(dir);
  p.cpu_ids = {1};
  auto r = sandbox.run(p, {"python3", "x.py"}, {}, {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(runner.specs().size(), 1u);
  EXPECT_EQ(runner.specs()[0].cpu_ids, (std::vector<int>{1}));
  EXPECT_EQ(runner.specs()[0].env.at("OMP_NUM_THREADS"), "1");
}

TEST(SandboxRunTest, StrictIsRefusedWhenTheProbeFoundNoNamespaces) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_refuse");
  FakeProcessRunner runner;
  Sandbox sandbox(runner, fake_probe(false));
  auto r = sandbox.run(policy_for(dir), {"true"}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(runner.specs().empty());
}

TEST(SandboxRunTest, ChangedOrDeletedProtectedFilesAreReportedAsTampering) {
  auto dir = testing::fresh_temp_dir("sandbox_fake_tamper");
  ASSERT_TRUE(fs::write_file_atomic(dir / "data.csv", "a,b\n1,2\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "harness.py", "print(1)\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "untouched.txt", "same\n").ok());
  FakeProcessRunner runner;
  runner.push({ProcessOutcome{}, [&](const ProcessSpec&) {
                 (void)fs::write_file_atomic(dir / "data.csv", "a,b\n1,999\n");
                 std::filesystem::remove(dir / "harness.py");
               }});
  Sandbox sandbox(runner, fake_probe(true));
  SandboxPolicy p = policy_for(dir);
  p.protected_files = {"data.csv", "harness.py", "untouched.txt"};
  auto r = sandbox.run(p, {"true"}, {}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tampered());
  EXPECT_EQ(r->tampered_files, (std::vector<std::string>{"data.csv", "harness.py"}));
}

TEST(SandboxRunTest, RelativeOrMissingWorkdirIsABadPolicy) {
  FakeProcessRunner runner;
  Sandbox sandbox(runner, fake_probe(true));
  auto r = sandbox.run(policy_for("relative/dir"), {"true"}, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(runner.specs().empty());
}

TEST(OutcomeTextTest, DescribesEveryKindInOneLine) {
  ProcessOutcome o;
  o.exit_code = 3;
  EXPECT_EQ(describe_outcome(o), "exit code 3");
  o.kind = ExitKind::kKilled;
  o.signal = 9;
  EXPECT_EQ(describe_outcome(o), "killed by signal 9 (SIGKILL)");
  o.kind = ExitKind::kTimedOut;
  o.wall_s = 2.04;
  EXPECT_EQ(describe_outcome(o), "timed out after 2.0 s");
  EXPECT_STREQ(exit_kind_name(ExitKind::kOutputLimitExceeded), "output_limit_exceeded");
  EXPECT_STREQ(exit_kind_name(ExitKind::kQuotaExceeded), "quota_exceeded");
}

}  // namespace
}  // namespace sci::proc
