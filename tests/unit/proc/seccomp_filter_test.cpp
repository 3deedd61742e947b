// The strict level's seccomp filter: every syscall of issue #22's list is in it, libseccomp
// knows them all, and each run gets its own descriptor. (What the filter does to a real
// process is in tests/integration/proc/sandbox_isolation_test.cpp.)
#include "proc/seccomp_filter.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sci::proc {
namespace {

TEST(SeccompFilterTest, EverySyscallOfTheListIsKnownAndTheProgramBuilds) {
  auto program = seccomp_program();
  ASSERT_TRUE(program.ok()) << program.error().to_string();
  EXPECT_GT(program->size(), 0u);
  EXPECT_EQ(program->size() % 8, 0u);  // struct sock_filter is 8 bytes
  std::set<std::string> names;
  for (const auto& r : seccomp_rules()) names.insert(r.syscall);
  for (const char* required : {"unshare",
                               "setns",
                               "clone",
                               "clone3",
                               "ptrace",
                               "process_vm_readv",
                               "process_vm_writev",
                               "keyctl",
                               "add_key",
                               "request_key",
                               "mount",
                               "umount2",
                               "pivot_root",
                               "move_mount",
                               "open_tree",
                               "fsopen",
                               "fsmount",
                               "fsconfig",
                               "fspick",
                               "mount_setattr",
                               "bpf",
                               "perf_event_open",
                               "kexec_load",
                               "kexec_file_load",
                               "init_module",
                               "finit_module",
                               "delete_module",
                               "swapon",
                               "swapoff",
                               "reboot",
                               "userfaultfd",
                               "personality",
                               "acct",
                               "quotactl",
                               "settimeofday",
                               "clock_settime"})
    EXPECT_TRUE(names.count(required)) << required;
  auto a = open_seccomp_fd(), b = open_seccomp_fd();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->get(), 3);
  EXPECT_NE(a->get(), b->get());  // one per run: bwrap reads it to the end
}

}  // namespace
}  // namespace sci::proc
