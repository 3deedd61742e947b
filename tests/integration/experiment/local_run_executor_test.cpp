// LocalRunExecutor: experiment-run semantics (snapshot, run_i only on success, failed
// attempts kept under attempts/, final_info validation, environment.json) with real
// python3 in the real sandbox, plus outcome mapping with a fake runner.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/json.h"
#include "experiment/local_run_executor.h"
#include "proc/find_program.h"
#include "support/exec_fake_process_runner.h"
#include "support/exec_process_scan.h"
#include "support/memory_hogs.h"
#include "support/test_paths.h"

namespace sci::experiment {
namespace {

namespace fsys = std::filesystem;

constexpr const char* kGoodExperiment = R"(import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument("--out_dir", required=True)
a = p.parse_args()
os.makedirs(a.out_dir, exist_ok=True)
with open(os.path.join(a.out_dir, "final_info.json"), "w") as f:
    json.dump({"moons": {"means": {"accuracy": 0.91}, "stderrs": {"accuracy": 0.01}}}, f)
print("done")
)";

class LocalRunExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The system interpreter: one under a private home (pyenv in /root) is out of the sandbox's reach.
    if (!proc::find_program("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 not installed";
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = testing::fresh_temp_dir("lre_" + name);
    ::chmod(root_.c_str(), 0755);
    idea_ = root_ / "20261125_000000_idea";
    fsys::create_directories(idea_);
    ::chmod(idea_.c_str(), 0755);
    manifest_.dir = root_;
    manifest_.name = "tmpl";
    manifest_.interpreter = "/usr/bin/python3";
    manifest_.run_timeout_s = 60;
  }

  void write(const std::string& rel, const std::string& text) {
    ASSERT_TRUE(fs::write_file_atomic(idea_ / rel, text).ok());
  }

  Result<RunResult> run(int run_index = 1, int attempt = 1, int timeout_s = 0, int memory_mb = 0,
                        proc::SandboxRequest level = proc::SandboxRequest::kAuto) {
    LocalRunExecutorOptions o;
    o.memory_mb = memory_mb;
    o.sandbox = level;
    o.kill_grace_s = 1;
    o.max_processes = 128;
    o.disk_quota_mb = 256;
    auto ex = make_local_run_executor(o);
    if (!ex.ok()) return ex.error();
    RunRequest req;
    req.idea_dir = idea_;
    req.run_index = run_index;
    req.attempt = attempt;
    req.timeout_s = timeout_s;
    return (*ex)->run(manifest_, req);
  }

  fsys::path root_, idea_;
  templates::Manifest manifest_;
};

TEST_F(LocalRunExecutorTest, SuccessfulRunValidatesResultsSnapshotsCodeAndRecordsTheEnvironment) {
  write("experiment.py", kGoodExperiment);
  auto r = run(1);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->status, RunStatus::kSucceeded) << r->message << "\n" << r->stderr_tail;
  EXPECT_EQ(r->run_dir, idea_ / "run_1");
  EXPECT_DOUBLE_EQ(r->results.datasets.at("moons").means.at("accuracy"), 0.91);
  EXPECT_EQ(*fs::read_file(idea_ / "run_1.py"), kGoodExperiment);
  EXPECT_FALSE(r->sandbox_level.empty());
  auto env = json::parse_file((idea_ / "run_1" / "environment.json").string());
  ASSERT_TRUE(env.ok());
  EXPECT_GT((*env)["cpu_cores"].get<int>(), 0);
  EXPECT_TRUE((*env)["python"].is_string());
  EXPECT_EQ((*env)["python"].get<std::string>().substr(0, 2), "3.");
  EXPECT_TRUE((*env)["packages"].contains("numpy"));
  EXPECT_EQ((*env)["sandbox"]["timeout_s"].get<int>(), 60);
  EXPECT_EQ((*env)["sandbox"]["network"].get<std::string>(), "off");
  EXPECT_GT((*env)["ram_mb"].get<long>(), 0);
  auto attempt = json::parse_file((idea_ / "attempts" / "run_1.1" / "attempt.json").string());
  ASSERT_TRUE(attempt.ok());
  EXPECT_EQ((*attempt)["status"].get<std::string>(), "succeeded");
}

TEST_F(LocalRunExecutorTest, ForksTogetherOverTheMemoryLimitFailTheRunAndTheRecordSaysHowTheLimitHeld) {
  // Four children of 200 MB each, touched and held together, against a 512 MB limit.
  write("experiment.py", testing::memory_hogs_script(4, 200));
  auto r = run(1, 1, 60, 512);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, RunStatus::kFailed);
  EXPECT_NE(r->message.find("memory limit exceeded"), std::string::npos) << r->message;
  auto attempt = json::parse_file((idea_ / "attempts" / "run_1.1" / "attempt.json").string());
  ASSERT_TRUE(attempt.ok());
  const std::string how = (*attempt)["rules"]["memory_limit"].get<std::string>();
  EXPECT_TRUE(how == "cgroup" || how == "per-process RLIMIT_AS") << how;
  EXPECT_EQ((*attempt)["exit_kind"].get<std::string>(), "memory_limit_exceeded");
}

// The record says what the network really was: the degraded level has no network
// namespace, whatever sandbox.network asked for.
TEST_F(LocalRunExecutorTest, DegradedRunRecordsTheNetworkAsNotIsolated) {
  write("experiment.py", kGoodExperiment);
  auto r = run(1, 1, 0, 0, proc::SandboxRequest::kDegraded);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->status, RunStatus::kSucceeded) << r->message << "\n" << r->stderr_tail;
  auto attempt = json::parse_file((idea_ / "attempts" / "run_1.1" / "attempt.json").string());
  ASSERT_TRUE(attempt.ok());
  EXPECT_EQ((*attempt)["rules"]["sandbox_level"].get<std::string>(), "degraded");
  EXPECT_EQ((*attempt)["rules"]["network"].get<std::string>(), "not_isolated");
  EXPECT_EQ((*attempt)["rules"]["network_detail"].get<std::string>(),
            "not isolated (degraded level has no network namespace)");
}

TEST_F(LocalRunExecutorTest, FailedAttemptIsKeptUnderAttemptsAndNeverInRunDir) {
  write("experiment.py",
        "import os, sys\nout = sys.argv[1].split('=')[1]\nos.makedirs(out)\nopen(out + '/partial.txt', 'w').write('x')\n"
        "raise ValueError('shapes do not match')\n");
  auto r = run(2, 3);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, RunStatus::kFailed);
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_NE(r->stderr_tail.find("ValueError: shapes do not match"), std::string::npos);
  EXPECT_FALSE(fsys::exists(idea_ / "run_2"));
  auto att = idea_ / "attempts" / "run_2.3";
  EXPECT_EQ(r->run_dir, att);
  EXPECT_TRUE(fsys::exists(att / "out" / "partial.txt"));
  EXPECT_TRUE(fsys::exists(att / "run_2.py"));
  EXPECT_NE(fs::read_file(att / "stderr.txt")->find("Traceback"), std::string::npos);
  auto rec = json::parse_file((att / "attempt.json").string());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ((*rec)["status"].get<std::string>(), "failed");
  EXPECT_EQ((*rec)["rules"]["timeout_s"].get<int>(), 60);
}

TEST_F(LocalRunExecutorTest, ExperimentRewritingItsOwnTimeoutStillTimesOut) {
  write("experiment.py",
        "import re, time\n"
        "TIMEOUT_S = 2\n"
        "src = open(__file__).read()\n"
        "open(__file__, 'w').write(src.replace('TIMEOUT_S = ' + '2', 'TIMEOUT_S = 999999'))\n"
        "open('template.toml', 'w').write('[run]\\ntimeout_s = 999999\\n')\n"
        "time.sleep(4242051)\n");
  manifest_.run_timeout_s = 2;
  auto r = run(1);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, RunStatus::kTimedOut);
  EXPECT_NE(r->message.find("2 s"), std::string::npos);
  EXPECT_LT(r->wall_s, 15.0);
  EXPECT_NE(fs::read_file(idea_ / "experiment.py")->find("999999"), std::string::npos);  // it did try
  EXPECT_TRUE(testing::processes_with_marker("4242051").empty());
  EXPECT_FALSE(fsys::exists(idea_ / "run_1"));
}

TEST_F(LocalRunExecutorTest, MissingOrMalformedFinalInfoIsBadResultsWithAClearMessage) {
  write("experiment.py", "print('forgot to write results')\n");
  auto missing = run(1, 1);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, RunStatus::kBadResults);
  EXPECT_NE(missing->message.find("final_info.json"), std::string::npos);
  write("experiment.py",
        "import os, sys\nout = sys.argv[1].split('=')[1]\nos.makedirs(out, exist_ok=True)\n"
        "open(out + '/final_info.json', 'w').write('{\"moons\": {\"means\": \"high\"}}')\n");
  auto bad = run(1, 2);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, RunStatus::kBadResults);
  EXPECT_NE(bad->message.find("means"), std::string::npos);
  EXPECT_FALSE(fsys::exists(idea_ / "run_1"));
  EXPECT_TRUE(fsys::exists(idea_ / "attempts" / "run_1.2" / "out" / "final_info.json"));
}

TEST_F(LocalRunExecutorTest, ChangedProtectedDataFileFailsTheRunAsTampering) {
  write("data.csv", "x,y\n1,2\n");
  // As root the file stays root-owned (not writable by the run's uid), but the directory
  // is writable: delete and recreate it, which works for every host user.
  write("experiment.py", std::string("import os\nos.remove('data.csv')\nopen('data.csv', 'w').write('x,y\\n9,9\\n')\n") +
                             kGoodExperiment);
  manifest_.protected_files = {"data.csv"};
  auto r = run(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, RunStatus::kTampered) << r->message << r->stderr_tail;
  EXPECT_NE(r->message.find("data.csv"), std::string::npos);
  EXPECT_FALSE(fsys::exists(idea_ / "run_1"));
}

TEST_F(LocalRunExecutorTest, CudaOutOfMemoryGetsItsOwnStatusAndMessage) {
  write("experiment.py",
        "import sys\nsys.stderr.write('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB\\n')\n"
        "sys.exit(1)\n");
  auto r = run(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, RunStatus::kCudaOom);
  EXPECT_NE(r->message.find("reduce the batch size"), std::string::npos);
}

TEST(LocalRunExecutorFactoryTest, StrictWithoutNamespacesAndNoneWithoutTheFlagAreRefused) {
  auto probe = testing::fake_probe(false);
  LocalRunExecutorOptions o;
  o.probe = &probe;
  o.sandbox = proc::SandboxRequest::kStrict;
  auto strict = make_local_run_executor(o);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kUnavailable);
  o.sandbox = proc::SandboxRequest::kNone;
  auto none = make_local_run_executor(o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  o.sandbox = proc::SandboxRequest::kAuto;
  EXPECT_TRUE(make_local_run_executor(o).ok());
}

// Outcome mapping with a fake runner (no process is started).
class RunOutcomeMappingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idea_ = testing::fresh_temp_dir("lre_fake") / "idea";
    fsys::create_directories(idea_);
    ASSERT_TRUE(fs::write_file_atomic(idea_ / "experiment.py", "print(1)\n").ok());
    manifest_.dir = idea_.parent_path();
    manifest_.interpreter = "/bin/sh";  // exists; never run by the fake
    probe_ = testing::fake_probe(true);
  }
  // Runs `req` (its idea_dir set here) through a fresh executor on the fake runner.
  Result<RunResult> run_request(RunRequest req) {
    LocalRunExecutorOptions o;
    o.runner = &runner_;
    o.probe = &probe_;
    o.record_environment = false;
    auto ex = make_local_run_executor(o);
    if (!ex.ok()) return ex.error();
    req.idea_dir = idea_;
    return (*ex)->run(manifest_, req);
  }
  RunResult run_with(proc::ExitKind kind, int code = 0, std::string err = {}) {
    runner_.push_outcome(kind, code, std::move(err));
    RunRequest req;
    req.attempt = ++attempt_;
    req.timeout_s = 77;
    auto r = run_request(req);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : RunResult{};
  }
  fsys::path idea_;
  templates::Manifest manifest_;
  proc::SandboxProbe probe_;
  testing::FakeProcessRunner runner_;
  int attempt_ = 0;
};

TEST_F(RunOutcomeMappingTest, EachProcessOutcomeMapsToItsRunStatus) {
  auto t = run_with(proc::ExitKind::kTimedOut);
  EXPECT_EQ(t.status, RunStatus::kTimedOut);
  EXPECT_NE(t.message.find("77 s"), std::string::npos);
  EXPECT_EQ(run_with(proc::ExitKind::kOutputLimitExceeded).status, RunStatus::kOutputLimit);
  EXPECT_EQ(run_with(proc::ExitKind::kQuotaExceeded).status, RunStatus::kQuotaExceeded);
  EXPECT_EQ(run_with(proc::ExitKind::kCompleted, 2, "boom").status, RunStatus::kFailed);
  EXPECT_EQ(run_with(proc::ExitKind::kKilled, 137).status, RunStatus::kFailed);
  EXPECT_EQ(run_with(proc::ExitKind::kCompleted, 1, "RuntimeError: CUDA out of memory.").status, RunStatus::kCudaOom);
  // The enforced rules reach the runner: timeout and argv come from the manifest, not the code.
  const auto& spec = runner_.specs().front();
  EXPECT_EQ(spec.timeout, std::chrono::seconds(77));
  EXPECT_EQ(spec.argv.back(), "--out_dir=run_1");
  EXPECT_EQ(spec.argv[spec.argv.size() - 2], "experiment.py");
}

TEST_F(RunOutcomeMappingTest, TheRequestsCpusPinTheRunAndAreRecordedWithTheAttempt) {
  runner_.push_outcome(proc::ExitKind::kCompleted, 1, "boom");
  RunRequest req;
  req.cpu_ids = {1, 2};
  auto r = run_request(req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(runner_.specs().size(), 1u);
  EXPECT_EQ(runner_.specs()[0].cpu_ids, (std::vector<int>{1, 2}));
  EXPECT_EQ(runner_.specs()[0].env.at("OMP_NUM_THREADS"), "2");
  auto record = json::parse_file((r->run_dir / "attempt.json").string());
  ASSERT_TRUE(record.ok()) << record.error().to_string();
  EXPECT_EQ((*record)["rules"]["cpus"].get<std::vector<int>>(), (std::vector<int>{1, 2}));
}

TEST_F(RunOutcomeMappingTest, CancelledRunIsAnErrorForThePipeline) {
  runner_.push_outcome(proc::ExitKind::kCancelled);
  auto r = run_request(RunRequest{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

TEST(RunArgvTest, SubstitutesInterpreterAndOutDir) {
  templates::Manifest m;
  m.interpreter = "/opt/venv/bin/python";
  EXPECT_EQ(run_argv(m, 3), (std::vector<std::string>{"/opt/venv/bin/python", "-s", "experiment.py", "--out_dir=run_3"}));
  EXPECT_TRUE(is_cuda_oom("torch.cuda.OutOfMemoryError: CUDA out of memory."));
  EXPECT_FALSE(is_cuda_oom("MemoryError"));
}

}  // namespace
}  // namespace sci::experiment
