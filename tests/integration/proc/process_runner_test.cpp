// PosixProcessRunner against real processes: capture, caps, timeout with group kill,
// cancellation, environment, stdin, start errors. Every command is bounded by a timeout.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/process_runner.h"
#include "support/exec_process_scan.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

ProcessSpec shell(const std::string& script, const std::filesystem::path& dir) {
  ProcessSpec s;
  s.argv = {"/bin/sh", "-c", script};
  s.cwd = dir;
  s.env = {{"PATH", "/usr/bin:/bin"}};
  s.timeout = std::chrono::seconds(30);
  s.kill_grace = std::chrono::milliseconds(500);
  return s;
}

TEST(ProcessRunnerTest, CapturesBothStreamsToFilesAndTailsAndTheExitCode) {
  auto dir = testing::fresh_temp_dir("pr_capture");
  auto spec = shell("echo out-line; echo err-line >&2; pwd; exit 3", dir);
  spec.stdout_path = dir / "logs" / "out.txt";
  spec.stderr_path = dir / "logs" / "err.txt";
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->kind, ExitKind::kCompleted);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->stdout_tail, "out-line\n" + dir.string() + "\n");
  EXPECT_EQ(r->stderr_tail, "err-line\n");
  EXPECT_EQ(*fs::read_file(spec.stdout_path), r->stdout_tail);
  EXPECT_EQ(*fs::read_file(spec.stderr_path), "err-line\n");
  EXPECT_GT(r->peak_rss_kb, 0);
}

TEST(ProcessRunnerTest, EnvironmentIsExactlyTheGivenOneAndStdinIsClosed) {
  auto dir = testing::fresh_temp_dir("pr_env");
  ::setenv("SCI_TEST_LEAK_API_KEY", "should-not-leak-123", 1);
  auto spec = shell("env; cat; echo cat-done", dir);
  spec.env["ONLY_THIS"] = "1";
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ::unsetenv("SCI_TEST_LEAK_API_KEY");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_NE(r->stdout_tail.find("ONLY_THIS=1"), std::string::npos);
  EXPECT_EQ(r->stdout_tail.find("should-not-leak"), std::string::npos);
  EXPECT_NE(r->stdout_tail.find("cat-done"), std::string::npos);  // cat saw EOF at once
}

TEST(ProcessRunnerTest, MissingProgramIsAnErrorNotAnOutcome) {
  PosixProcessRunner runner;
  ProcessSpec spec;
  spec.argv = {"scientist-no-such-program-xyz"};
  auto r = runner.run(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  spec.argv = {"/bin/true"};
  spec.cwd = "/nonexistent/dir/for/sure";
  auto r2 = runner.run(spec);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("changing directory"), std::string::npos);
}

TEST(ProcessRunnerTest, TimeoutKillsTheWholeGroupIncludingAGrandchildIgnoringSigterm) {
  auto dir = testing::fresh_temp_dir("pr_timeout");
  const std::string marker = "4242017";
  auto spec = shell("sh -c 'trap \"\" TERM; exec sleep " + marker + "' & sleep " + marker + "; wait", dir);
  spec.timeout = std::chrono::seconds(2);
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ExitKind::kTimedOut);
  EXPECT_GE(r->wall_s, 1.9);
  EXPECT_LT(r->wall_s, 15.0);
  EXPECT_TRUE(testing::processes_with_marker(marker).empty());
}

TEST(ProcessRunnerTest, LeftoverChildrenDieWhenTheMainProcessExits) {
  auto dir = testing::fresh_temp_dir("pr_leftover");
  const std::string marker = "4242018";
  auto spec = shell("sleep " + marker + " & echo started", dir);
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_LT(r->wall_s, 10.0);
  EXPECT_TRUE(testing::processes_with_marker(marker).empty());
}

TEST(ProcessRunnerTest, TenGigabytesOnStdoutAreCappedAndTheRunMarked) {
  auto dir = testing::fresh_temp_dir("pr_flood");
  auto spec = shell("head -c 10G /dev/zero | tr '\\0' x", dir);
  spec.stdout_path = dir / "out.txt";
  spec.max_output_bytes = 1 << 20;
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ExitKind::kOutputLimitExceeded);
  EXPECT_EQ(std::filesystem::file_size(spec.stdout_path), 1u << 20);
  EXPECT_LT(r->stdout_bytes, 1ull << 30);
  EXPECT_LE(r->stdout_tail.size(), spec.tail_bytes);
  EXPECT_LT(r->wall_s, 20.0);
}

TEST(ProcessRunnerTest, CancellationStopsTheGroup) {
  auto dir = testing::fresh_temp_dir("pr_cancel");
  std::atomic<bool> cancel{false};
  auto spec = shell("sleep 4242019", dir);
  spec.cancel = &cancel;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ExitKind::kCancelled);
  EXPECT_LT(r->wall_s, 10.0);
  EXPECT_TRUE(testing::processes_with_marker("4242019").empty());
}

TEST(ProcessRunnerTest, CrashBySignalIsKilledOutcome) {
  auto dir = testing::fresh_temp_dir("pr_signal");
  PosixProcessRunner runner;
  auto r = runner.run(shell("kill -SEGV $$", dir));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ExitKind::kKilled);
  EXPECT_EQ(r->signal, SIGSEGV);
}

TEST(ProcessRunnerTest, DiskWatchdogStopsAWriterOverTheQuota) {
  auto dir = testing::fresh_temp_dir("pr_quota");
  auto spec = shell("i=0; while true; do head -c 4M /dev/zero > f$i; i=$((i+1)); done", dir);
  spec.quota = DiskQuota{dir, 32u << 20, std::chrono::milliseconds(50), 0, {}};
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, ExitKind::kQuotaExceeded);
  EXPECT_GT(r->peak_disk_bytes, 32u << 20);
  EXPECT_LT(fs::directory_size_bytes(dir), 64u << 20);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sci::proc
