// What issue #22 found past the namespaces, under the real sandbox: the strict level's
// seccomp filter (no nested namespaces, no ptrace; threads, numpy and torch still work),
// no unbounded tmpfs (writes to /tmp, /dev/shm, /dev, /home and /root count against the
// disk quota or fail), and a fresh HOME per run (nothing planted there runs again).
// Every run has its own timeout and a small quota, so a regression fails, not hangs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/strings.h"
#include "proc/sandbox.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

namespace fsys = std::filesystem;

std::string test_name() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : name)
    if (c == '/') c = '_';
  return name;
}

class SandboxIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override { set_up(SandboxLevel::kStrict); }

  void set_up(SandboxLevel level) {
    level_ = level;
    if (level == SandboxLevel::kStrict && !probe_sandbox().namespaces_work)
      GTEST_SKIP() << "strict sandbox unavailable here: " << probe_sandbox().detail;
    root_ = sci::testing::fresh_temp_dir("isolation_" + test_name());
    workdir_ = root_ / "idea";
    fsys::create_directories(workdir_);
    for (const auto& d : {root_, workdir_}) ::chmod(d.c_str(), 0755);
  }

  SandboxPolicy policy() const {
    SandboxPolicy p;
    p.level = level_;
    p.workdir = workdir_;
    p.hidden_paths = {root_};
    p.timeout = std::chrono::seconds(60);
    p.kill_grace = std::chrono::milliseconds(500);
    p.limits.max_processes = 256;
    p.limits.open_files = 1024;
    p.disk_quota_bytes = 256u << 20;
    p.max_output_bytes = 1u << 20;
    return p;
  }

  Result<SandboxOutcome> run(const SandboxPolicy& p, const std::vector<std::string>& argv) {
    PosixProcessRunner runner;
    Sandbox sandbox(runner);
    return sandbox.run(p, argv, root_ / "stdout.txt", root_ / "stderr.txt");
  }
  Result<SandboxOutcome> python(const SandboxPolicy& p, const std::string& code) {
    return run(p, {"/usr/bin/python3", "-c", code});
  }

  SandboxLevel level_ = SandboxLevel::kStrict;
  fsys::path root_, workdir_;
};

// Issue #22: `unshare -Urn` worked inside the sandbox. Nested namespaces, ptrace and the
// unfilterable clone3 are refused by the filter; clone with namespace flags too.
TEST_F(SandboxIsolationTest, NestedNamespacesPtraceAndClone3AreRefused) {
  auto r = run(policy(), {"/bin/sh", "-c", "unshare -Urn true; echo unshare=$?"});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_NE(r->process.stdout_tail.find("unshare=1"), std::string::npos)
      << r->process.stdout_tail << r->process.stderr_tail;
  EXPECT_NE(r->process.stderr_tail.find("Operation not permitted"), std::string::npos)
      << r->process.stderr_tail;

  auto p = python(policy(), R"(import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
r = libc.ptrace(0, 0, None, None)  # PTRACE_TRACEME
print('ptrace', r, ctypes.get_errno())
ctypes.set_errno(0)
r = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)  # clone(CLONE_NEWUSER | SIGCHLD)
if r == 0:
    os._exit(0)
print('clone_newuser', r, ctypes.get_errno())
ctypes.set_errno(0)
r = libc.syscall(435, None, 0)  # clone3
print('clone3', r, ctypes.get_errno())
ctypes.set_errno(0)
r = libc.syscall(272, 0x40000000)  # unshare(CLONE_NEWNET)
print('unshare', r, ctypes.get_errno())
print('personality_query', 'ok' if libc.personality(0xffffffff) >= 0 else 'denied')
ctypes.set_errno(0)
r = libc.personality(0x0040000)  # ADDR_NO_RANDOMIZE
print('personality_set', r, ctypes.get_errno())
)");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  const auto& out = p->process.stdout_tail;
  EXPECT_NE(out.find("ptrace -1 1\n"), std::string::npos) << out << p->process.stderr_tail;
  EXPECT_NE(out.find("clone_newuser -1 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("clone3 -1 38\n"), std::string::npos) << out;  // ENOSYS: glibc falls back to clone
  EXPECT_NE(out.find("unshare -1 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("personality_query ok\n"), std::string::npos)
      << out;  // the default persona stays usable
  EXPECT_NE(out.find("personality_set -1 1\n"), std::string::npos) << out;
}

// Threads are clone without namespace flags (after clone3's ENOSYS): they, fork, a
// subprocess, a process pool and numpy's BLAS threads keep working under the filter.
TEST_F(SandboxIsolationTest, ThreadsProcessesAndNumpyStillWork) {
  auto r = python(policy(), R"(import threading, subprocess, multiprocessing as mp
import numpy as np
res = []
def work(i):
    res.append(int(np.linalg.matrix_rank(np.eye(50) * (i + 1))))
ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
a = np.random.rand(400, 400)
b = a @ a.T
child = subprocess.run(['/bin/echo', 'child-ok'], capture_output=True, text=True).stdout.strip()
with mp.Pool(2) as pool:
    squares = pool.map(abs, [-1, -2, -3])
print('OK', sorted(res)[0], b.shape[0], child, squares)
)");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->process.ok()) << describe_outcome(r->process) << "\n" << r->process.stderr_tail;
  EXPECT_NE(r->process.stdout_tail.find("OK 50 400 child-ok [1, 2, 3]"), std::string::npos)
      << r->process.stdout_tail << r->process.stderr_tail;
}

TEST_F(SandboxIsolationTest, TorchImportsUnderTheFilter) {
  PosixProcessRunner host;
  ProcessSpec probe;
  probe.argv = {"/usr/bin/python3", "-c", "import torch"};
  probe.timeout = std::chrono::seconds(120);
  auto has = host.run(probe);
  if (!has.ok() || !has->ok()) GTEST_SKIP() << "torch is not installed for /usr/bin/python3 (python3-torch)";
  auto r =
      python(policy(), "import torch\nx = torch.ones(64, 64)\nprint('torch', int((x @ x).sum().item()))");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->process.ok()) << r->process.stderr_tail;
  EXPECT_NE(r->process.stdout_tail.find("torch 262144"), std::string::npos) << r->process.stdout_tail;
}

// Issue #22: /tmp, /dev/shm, /dev, /home and /root were tmpfs of half the RAM each,
// outside the quota (480 MB written under a 50 MB quota). Now each write of 200 MB ends in
// quota exceeded or a write error after less than twice the quota (the watchdog polls).
class SandboxTmpfsTest : public SandboxIsolationTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(SandboxTmpfsTest, WritingTwoHundredMegabytesStaysWithinTheQuota) {
  auto p = policy();
  p.disk_quota_bytes = 50u << 20;
  p.timeout = std::chrono::seconds(30);
  // Files of 10 MB each (one file alone would trip RLIMIT_FSIZE); progress goes out
  // unbuffered after every MB that was really written.
  auto r = python(p, std::string(R"(import os
target = ')") + GetParam() +
                         R"('
chunk = b'x' * (1 << 20)
total = 0
try:
    for i in range(20):
        fd = os.open(os.path.join(target, 'fill_%d.bin' % i), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for _ in range(10):
            total += os.write(fd, chunk)
            os.write(1, b'written %d\n' % total)
        os.close(fd)
except OSError as e:
    print('ERR', e, flush=True)
)");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& out = r->process.stdout_tail;
  std::uint64_t written = 0;
  for (const auto& line : str::split_lines(out))
    if (str::starts_with(line, "written ")) written = std::stoull(std::string(line.substr(8)));
  const bool stopped = r->process.kind == ExitKind::kQuotaExceeded || out.find("ERR") != std::string::npos;
  EXPECT_TRUE(stopped) << GetParam() << ": " << describe_outcome(r->process) << "\n" << out.substr(0, 300);
  // Slack as in the disk-filler test: the watchdog polls, and on a loaded machine a writer
  // gets some MB past the quota between two polls; the unbounded tmpfs took all 200 MB.
  EXPECT_LT(written, 2 * p.disk_quota_bytes) << GetParam() << ": " << describe_outcome(r->process);
  EXPECT_LT(r->process.wall_s, 30.0);
}

INSTANTIATE_TEST_SUITE_P(Places, SandboxTmpfsTest,
                         ::testing::Values("/tmp", "/dev/shm", "/dev", "/home", "/root"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                           std::string n = param_info.param;
                           for (auto& c : n)
                             if (c == '/') c = '_';
                           return "at" + n;
                         });

// Issue #22: HOME was the idea directory, so a usercustomize.py (or .pth) planted under
// ~/.local ran in plot.py and every later run. Each run now gets a fresh, empty HOME
// outside the idea directory, deleted afterwards; at both levels.
class SandboxHomeTest : public SandboxIsolationTest, public ::testing::WithParamInterface<SandboxLevel> {
 protected:
  void SetUp() override { set_up(GetParam()); }
};

TEST_P(SandboxHomeTest, APlantedUserSiteHookDoesNotRunInTheNextRun) {
  auto p = policy();
  if (GetParam() == SandboxLevel::kStrict) p.extra_env["SCI_STRICT"] = "1";  // the sandbox's own /tmp
  auto first = python(p, R"(import os, sys
home = os.environ['HOME']
site = os.path.join(home, '.local', 'lib', 'python%d.%d' % sys.version_info[:2], 'site-packages')
os.makedirs(site, exist_ok=True)
marker = os.path.join(os.getcwd(), 'marker_')
with open(os.path.join(site, 'usercustomize.py'), 'w') as f:
    f.write('open(%r, "w").write("usercustomize ran")\n' % (marker + 'usercustomize'))
with open(os.path.join(site, 'evil.pth'), 'w') as f:
    f.write('import os; open(%r, "w").write("pth ran")\n' % (marker + 'pth'))
if os.environ.get('SCI_STRICT') == '1':
    open('/tmp/left_behind', 'w').write('x')
print('HOME=' + home)
)");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_TRUE(first->process.ok()) << first->process.stderr_tail;
  std::string home;
  for (const auto& line : str::split_lines(first->process.stdout_tail))
    if (str::starts_with(line, "HOME=")) home = std::string(line.substr(5));
  ASSERT_FALSE(home.empty()) << first->process.stdout_tail;
  EXPECT_NE(home.rfind(workdir_.string(), 0), 0u) << "HOME " << home << " is inside the idea directory";
  EXPECT_FALSE(fsys::exists(home)) << "the run's HOME outlived it: " << home;

  auto second = python(p, "import os; print('second', os.path.exists('/tmp/left_behind'))");
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_TRUE(second->process.ok()) << second->process.stderr_tail;
  EXPECT_FALSE(fsys::exists(workdir_ / "marker_usercustomize")) << "usercustomize.py from run 1 ran in run 2";
  EXPECT_FALSE(fsys::exists(workdir_ / "marker_pth")) << "the .pth from run 1 ran in run 2";
  if (GetParam() == SandboxLevel::kStrict) {
    EXPECT_NE(second->process.stdout_tail.find("second False"), std::string::npos)
        << second->process.stdout_tail;
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, SandboxHomeTest,
                         ::testing::Values(SandboxLevel::kStrict, SandboxLevel::kDegraded),
                         [](const ::testing::TestParamInfo<SandboxLevel>& param_info) {
                           return std::string(sandbox_level_name(param_info.param));
                         });

}  // namespace
}  // namespace sci::proc
