// Hostile code under the real sandbox (strict = bwrap namespaces, degraded = uid +
// rlimits): fork bomb, TERM-ignoring escapee, network, writes outside, output flood,
// disk filler, secrets and ~/.ssh. Each run is bounded by its own timeout, and by
// RLIMIT_NPROC for the fork bomb, so a regression fails instead of freezing the machine.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/sandbox.h"
#include "support/exec_process_scan.h"
#include "support/sandbox_level_fixture.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

class SandboxHostileTest : public sci::testing::SandboxLevelTest {
 protected:
  SandboxPolicy policy() const {
    SandboxPolicy p;
    p.level = GetParam();
    p.workdir = workdir_;
    p.hidden_paths = {root_};  // stands for the other ideas' results
    p.timeout = std::chrono::seconds(20);
    p.kill_grace = std::chrono::milliseconds(500);
    p.limits.max_processes = 64;
    p.limits.open_files = 1024;
    p.disk_quota_bytes = 256u << 20;
    p.max_output_bytes = 1u << 20;
    return p;
  }

  Result<SandboxOutcome> run(const SandboxPolicy& p, const std::string& script) {
    PosixProcessRunner runner;
    Sandbox sandbox(runner);
    return sandbox.run(p, {"/bin/sh", "-c", script}, root_ / "stdout.txt", root_ / "stderr.txt");
  }

  bool uid_dropped() const { return probe_sandbox().host_root; }
};

TEST_P(SandboxHostileTest, ForkBombIsContainedAndLeavesNothingBehind) {
  auto p = policy();
  p.timeout = std::chrono::seconds(8);
  const std::string marker = "sci_forkbomb_" + std::to_string(::getpid());  // unique per test process
  auto r = run(p, "b() { b | b & }; b; sleep 1; echo " + marker);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_LT(r->process.wall_s, 30.0);
  EXPECT_TRUE(sci::testing::processes_with_marker(marker).empty());
  if (!r->run_uid.empty()) {
    EXPECT_TRUE(processes_of_uid(static_cast<uid_t>(std::stoul(r->run_uid))).empty());
  }
  // The host can still start processes.
  PosixProcessRunner host;
  ProcessSpec ok;
  ok.argv = {"/bin/true"};
  ok.timeout = std::chrono::seconds(10);
  auto t = host.run(ok);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->ok());
}

TEST_P(SandboxHostileTest, TimeoutHoldsAndAnEscapedSigtermIgnoringGrandchildIsKilled) {
  if (!strict() && !uid_dropped()) GTEST_SKIP() << "degraded without root cannot find processes that left the group";
  auto p = policy();
  p.timeout = std::chrono::seconds(2);
  const std::string marker = std::to_string(4000000 + ::getpid());  // unique: the variants run in parallel
  // setsid: the grandchild leaves our process group; only the pid namespace or the uid sweep finds it.
  auto r = run(p, "setsid sh -c 'trap \"\" TERM; exec sleep " + marker + "' & sleep 100000");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->process.kind, ExitKind::kTimedOut);
  EXPECT_LT(r->process.wall_s, 15.0);
  EXPECT_TRUE(sci::testing::processes_with_marker(marker).empty());
}

TEST_P(SandboxHostileTest, TcpConnectionFailsWithNetworkOff) {
  if (!strict()) GTEST_SKIP() << "degraded sandbox has no network isolation (warned at run time)";
  // A real listener on the host's loopback: reachable from outside the sandbox.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string port = std::to_string(ntohs(addr.sin_port));
  std::string script = "/usr/bin/python3 -c \"import socket; s=socket.create_connection(('127.0.0.1', " + port +
                       "), timeout=3); print('CONNECTED')\"";
  auto off = run(policy(), script);
  ASSERT_TRUE(off.ok());
  EXPECT_NE(off->process.exit_code, 0);
  EXPECT_EQ(off->process.stdout_tail.find("CONNECTED"), std::string::npos);
  auto p = policy();
  p.network = NetworkAccess::kOn;  // opt-in: the same code reaches the listener
  auto on = run(p, script);
  ::close(fd);
  ASSERT_TRUE(on.ok());
  EXPECT_NE(on->process.stdout_tail.find("CONNECTED"), std::string::npos) << on->process.stderr_tail;
}

TEST_P(SandboxHostileTest, WritesOutsideTheIdeaDirectoryAreDenied) {
  if (!strict() && !uid_dropped()) GTEST_SKIP() << "degraded without root has no filesystem isolation";
  auto outside = root_ / "other_idea";
  std::filesystem::create_directories(outside);
  auto r = run(policy(), "echo pwned > " + (outside / "x.txt").string() + "; echo pwned > " +
                             (root_ / "y.txt").string() + "; echo pwned > /etc/sci_sandbox_probe; echo inside > ok.txt");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(outside / "x.txt"));
  EXPECT_FALSE(std::filesystem::exists(root_ / "y.txt"));
  EXPECT_FALSE(std::filesystem::exists("/etc/sci_sandbox_probe"));
  EXPECT_EQ(*fs::read_file(workdir_ / "ok.txt"), "inside\n");
  // Files the run created are handed back to the owner of the idea directory.
  struct stat st {};
  ASSERT_EQ(::stat((workdir_ / "ok.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST_P(SandboxHostileTest, TenGigabytesToStdoutAreCapped) {
  auto r = run(policy(), "head -c 10G /dev/zero");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->process.kind, ExitKind::kOutputLimitExceeded);
  EXPECT_LE(std::filesystem::file_size(root_ / "stdout.txt"), 1u << 20);
  EXPECT_LT(r->process.wall_s, 20.0);
}

TEST_P(SandboxHostileTest, DiskFillerIsKilledBeforeTwiceTheQuota) {
  auto p = policy();
  p.disk_quota_bytes = 128u << 20;
  auto r = run(p, "/usr/bin/python3 -c \"\nimport itertools\nchunk = b'x' * (1 << 20)\nfor i in itertools.count():\n"
                  "    with open('ckpt_%d.bin' % i, 'wb') as f:\n        for _ in range(8): f.write(chunk)\n\"");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->process.kind, ExitKind::kQuotaExceeded) << r->process.stderr_tail;
  EXPECT_LT(fs::directory_size_bytes(workdir_), 2 * p.disk_quota_bytes);
  EXPECT_LT(r->process.peak_disk_bytes, 2 * p.disk_quota_bytes);
  std::filesystem::remove_all(workdir_);
}

TEST_P(SandboxHostileTest, ApiKeysAndTheUsersSshKeysAreNotVisible) {
  if (!strict() && !uid_dropped()) GTEST_SKIP() << "degraded without root runs as the same user";
  ::setenv("OPENAI_API_KEY", "sk-test-must-not-leak-98765", 1);
  auto home = root_ / "home_of_user";
  std::filesystem::create_directories(home / ".ssh");
  ASSERT_TRUE(fs::write_file_atomic(home / ".ssh" / "id_ed25519", "PRIVATE-KEY-MATERIAL\n").ok());
  ::chmod((home / ".ssh").c_str(), 0700);
  ::chmod((home / ".ssh" / "id_ed25519").c_str(), 0600);
  auto p = policy();
  p.hidden_paths.push_back(home);
  auto r = run(p, "env; cat " + (home / ".ssh" / "id_ed25519").string() + "; cat ~/.ssh/id_ed25519; ls /root; true");
  ::unsetenv("OPENAI_API_KEY");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->process.stdout_tail.find("sk-test-must-not-leak"), std::string::npos);
  EXPECT_EQ(r->process.stdout_tail.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(r->process.stdout_tail.find("PRIVATE-KEY-MATERIAL"), std::string::npos);
  // HOME is the run's own empty scratch home, not the idea directory.
  EXPECT_EQ(r->process.stdout_tail.find("HOME=" + workdir_.string() + "\n"), std::string::npos);
  EXPECT_NE(r->process.stdout_tail.find("HOME=/"), std::string::npos);
}

TEST_P(SandboxHostileTest, ProtectedFileRewriteIsDetected) {
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "data.csv", "x,y\n1,2\n").ok());
  auto p = policy();
  p.protected_files = {"data.csv"};
  auto r = run(p, "rm -f data.csv; echo 'x,y' > data.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tampered());
  EXPECT_EQ(r->tampered_files, std::vector<std::string>{"data.csv"});
}

// Fails on the old code: the cheat copy stayed, and the next run used it unflagged.
TEST_P(SandboxHostileTest, ProtectedFileIsRestoredBeforeTheNextRun) {
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "data.csv", "x,y\n1,2\n").ok());
  auto p = policy();
  p.protected_files = {"data.csv"};
  auto cheat = run(p, "rm -f data.csv; echo 'x,y' > data.csv");
  ASSERT_TRUE(cheat.ok());
  EXPECT_TRUE(cheat->tampered());
  EXPECT_EQ(*fs::read_file(workdir_ / "data.csv"), "x,y\n1,2\n");
  bool said = false;
  for (const auto& w : cheat->warnings) said = said || w.find("data.csv was changed by the run: restored") != std::string::npos;
  EXPECT_TRUE(said);
  auto next = run(p, "cat data.csv");
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->tampered());
  EXPECT_EQ(next->process.stdout_tail, "x,y\n1,2\n");
}

// Fails on the old code: a link with the same content hashed the same (sha256 followed
// it) and stayed in place of the file.
TEST_P(SandboxHostileTest, ProtectedFileReplacedByALinkIsFlaggedAndRestored) {
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "data.csv", "x,y\n1,2\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(workdir_ / "copy.csv", "x,y\n1,2\n").ok());
  auto p = policy();
  p.protected_files = {"data.csv"};
  auto r = run(p, "rm -f data.csv; ln -s copy.csv data.csv");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tampered());
  EXPECT_FALSE(std::filesystem::is_symlink(workdir_ / "data.csv"));
  EXPECT_EQ(*fs::read_file(workdir_ / "data.csv"), "x,y\n1,2\n");
}

INSTANTIATE_TEST_SUITE_P(Levels, SandboxHostileTest,
                         ::testing::Values(SandboxLevel::kStrict, SandboxLevel::kDegraded),
                         [](const ::testing::TestParamInfo<SandboxLevel>& param_info) {
                           return std::string(sandbox_level_name(param_info.param));
                         });

}  // namespace
}  // namespace sci::proc
