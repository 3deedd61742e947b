// PosixProcessRunner's descriptors and log files, as the sandbox relies on them: an
// inherited descriptor (bwrap's --seccomp FD) reaches the child under its number while
// every other one above 2 is closed, and a log path that is a planted symlink is replaced,
// never written through. Each child has a timeout.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/fs.h"
#include "proc/process_runner.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

TEST(ProcessRunnerFdsTest, AnInheritedDescriptorStaysOpenAndEveryOtherOneIsClosed) {
  int keep = ::memfd_create("kept", MFD_CLOEXEC);
  int other = ::memfd_create("not-kept", MFD_CLOEXEC);
  ASSERT_GE(keep, 3);
  ASSERT_GE(other, 3);
  ASSERT_EQ(::write(keep, "filter-bytes", 12), 12);
  ::lseek(keep, 0, SEEK_SET);
  ::fcntl(other, F_SETFD, 0);  // not close-on-exec: only the runner's closing keeps it out
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c",
               "cat <&" + std::to_string(keep) + "; echo; ls /proc/self/fd/" + std::to_string(other) +
                   " >/dev/null 2>&1 && echo other-open || echo other-closed"};
  spec.timeout = std::chrono::seconds(20);
  spec.inherited_fds = {keep};
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ::close(keep);
  ::close(other);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->ok()) << r->stderr_tail;
  EXPECT_NE(r->stdout_tail.find("filter-bytes\n"), std::string::npos) << r->stdout_tail;
  EXPECT_NE(r->stdout_tail.find("other-closed"), std::string::npos) << r->stdout_tail;

  spec.inherited_fds = {1};  // the child's stdout: refused
  EXPECT_FALSE(runner.run(spec).ok());
}

TEST(ProcessRunnerFdsTest, ALogPathThatIsASymlinkIsReplacedNotFollowed) {
  auto dir = sci::testing::fresh_temp_dir("runner_log_link");
  ASSERT_TRUE(fs::write_file_atomic(dir / "precious.txt", "precious\n").ok());
  std::filesystem::create_symlink(dir / "precious.txt", dir / "stdout.txt");
  ProcessSpec spec;
  spec.argv = {"/bin/echo", "log line"};
  spec.timeout = std::chrono::seconds(20);
  spec.stdout_path = dir / "stdout.txt";
  PosixProcessRunner runner;
  auto r = runner.run(spec);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*fs::read_file(dir / "precious.txt"), "precious\n");
  EXPECT_FALSE(std::filesystem::is_symlink(dir / "stdout.txt"));
  EXPECT_EQ(*fs::read_file(dir / "stdout.txt"), "log line\n");
}

}  // namespace
}  // namespace sci::proc
