// The seccomp filter of the strict sandbox level, handed to bubblewrap as `--seccomp FD`:
// a deny-list (EPERM) of syscalls that would undo the sandbox or reach rarely-used kernel
// code (namespaces, mounts, ptrace, keyrings, BPF, modules, ...). clone3 cannot be
// filtered by its flags, so it answers ENOSYS and glibc falls back to clone, whose
// namespace flags are filtered. Built once with libseccomp; each run gets its own fd.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace sci::proc {

// One rule of the filter, for doctor and the docs.
struct SeccompRule {
  std::string syscall;  // "unshare", "clone", ...
  std::string action;   // "EPERM", "ENOSYS", "EPERM with CLONE_NEWUSER|...", ...
};

// Every rule, in the order they are added (stable; x86-64 and i386 get the same rules).
const std::vector<SeccompRule>& seccomp_rules();

// The exported BPF program (struct sock_filter[]), built once per process; thread-safe.
// kUnavailable (naming libseccomp's error and the fix) when it cannot be built.
Result<std::string> seccomp_program();

// A descriptor holding the program at read offset 0, numbered >= 3, close-on-exec in this
// process (ProcessSpec::inherited_fds keeps it open in the child). Move-only; closes on
// destruction. bwrap reads it to the end, so each run needs a fresh one.
class SeccompFd {
 public:
  SeccompFd() = default;
  explicit SeccompFd(int fd) : fd_(fd) {}
  SeccompFd(SeccompFd&& other) noexcept : fd_(other.release()) {}
  SeccompFd& operator=(SeccompFd&& other) noexcept;
  SeccompFd(const SeccompFd&) = delete;
  SeccompFd& operator=(const SeccompFd&) = delete;
  ~SeccompFd();

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// A fresh descriptor with seccomp_program() in it. kUnavailable when the program cannot be
// built, kIo when the memfd cannot be made.
Result<SeccompFd> open_seccomp_fd();

}  // namespace sci::proc
