// Builds the strict level's seccomp filter with libseccomp and exports it as BPF. The
// default action is ALLOW: this is a deny-list on top of bubblewrap's namespaces, aimed at
// the calls that would let a run build its own namespaces or mounts, look into or steer
// other processes, or reach kernel subsystems an experiment never needs.
#include "proc/seccomp_filter.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

namespace sci::proc {
namespace {

enum class Kind {
  kDeny,          // EPERM, whatever the arguments
  kNoSys,         // ENOSYS (clone3: callers fall back to clone)
  kCloneNsFlags,  // EPERM when the flags ask for a new namespace
  kPersonality,   // EPERM for anything but PER_LINUX (0) and the query (0xffffffff)
};

struct RuleSpec {
  const char* name;
  Kind kind;
};

constexpr RuleSpec kRules[] = {
    // Namespaces: a nested user namespace gives the run CAP_SYS_ADMIN over fresh mounts
    // and network stacks, the usual first step of a kernel exploit.
    {"unshare", Kind::kDeny},
    {"setns", Kind::kDeny},
    {"clone", Kind::kCloneNsFlags},
    {"clone3", Kind::kNoSys},
    // Other processes' memory and control.
    {"ptrace", Kind::kDeny},
    {"process_vm_readv", Kind::kDeny},
    {"process_vm_writev", Kind::kDeny},
    // Kernel keyrings are not namespaced.
    {"keyctl", Kind::kDeny},
    {"add_key", Kind::kDeny},
    {"request_key", Kind::kDeny},
    // Mounts, old and new API.
    {"mount", Kind::kDeny},
    {"umount2", Kind::kDeny},
    {"pivot_root", Kind::kDeny},
    {"move_mount", Kind::kDeny},
    {"open_tree", Kind::kDeny},
    {"fsopen", Kind::kDeny},
    {"fsmount", Kind::kDeny},
    {"fsconfig", Kind::kDeny},
    {"fspick", Kind::kDeny},
    {"mount_setattr", Kind::kDeny},
    // Kernel attack surface an experiment does not use.
    {"bpf", Kind::kDeny},
    {"perf_event_open", Kind::kDeny},
    {"userfaultfd", Kind::kDeny},
    {"io_uring_setup", Kind::kDeny},
    {"io_uring_enter", Kind::kDeny},
    {"io_uring_register", Kind::kDeny},
    {"personality", Kind::kPersonality},
    // Host administration (mostly refused without privileges already; denied outright).
    {"kexec_load", Kind::kDeny},
    {"kexec_file_load", Kind::kDeny},
    {"init_module", Kind::kDeny},
    {"finit_module", Kind::kDeny},
    {"delete_module", Kind::kDeny},
    {"swapon", Kind::kDeny},
    {"swapoff", Kind::kDeny},
    {"reboot", Kind::kDeny},
    {"acct", Kind::kDeny},
    {"quotactl", Kind::kDeny},
    {"settimeofday", Kind::kDeny},
    {"clock_settime", Kind::kDeny},
    {"clock_adjtime", Kind::kDeny},
    {"adjtimex", Kind::kDeny},
};

constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWNET,   CLONE_NEWPID,
                                             CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP};

const char* action_text(Kind kind) {
  switch (kind) {
    case Kind::kDeny: return "EPERM";
    case Kind::kNoSys: return "ENOSYS (glibc falls back to clone)";
    case Kind::kCloneNsFlags:
      return "EPERM with CLONE_NEWUSER, NEWNS, NEWNET, NEWPID, NEWIPC, NEWUTS or NEWCGROUP (threads and fork "
             "pass)";
    case Kind::kPersonality: return "EPERM except PER_LINUX and the query (0xffffffff)";
  }
  return "?";
}

Error libseccomp_error(const std::string& what, int rc) {
  return make_error(ErrorCode::kUnavailable,
                    fmt::format("seccomp filter unavailable: {} failed ({}): install libseccomp2 >= 2.5 "
                                "(apt-get install libseccomp2) or use --sandbox degraded",
                                what, std::strerror(-rc)));
}

Result<int> add_rules(scmp_filter_ctx ctx, const RuleSpec& rule) {
  int nr = seccomp_syscall_resolve_name(rule.name);
  if (nr == __NR_SCMP_ERROR)
    return make_error(
        ErrorCode::kUnavailable,
        fmt::format("seccomp filter unavailable: libseccomp does not know the syscall {}: install "
                    "libseccomp2 >= 2.5 or use --sandbox degraded",
                    rule.name));
  const std::uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
  int rc = 0;
  switch (rule.kind) {
    case Kind::kDeny: rc = seccomp_rule_add(ctx, eperm, nr, 0); break;
    case Kind::kNoSys: rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0); break;
    case Kind::kCloneNsFlags:
      // One rule per flag (rules are OR-ed): denied when that bit is set in clone's flags.
      for (unsigned long flag : kNamespaceFlags)
        if (rc == 0) rc = seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
      break;
    case Kind::kPersonality:
      // libseccomp allows one comparison per argument and rule, so "neither 0 nor all ones"
      // is written as: some bit i is set while bit i+1 (cyclically, in the low 32 bits the
      // kernel reads) is clear. Every other value has such a 1-to-0 step; 0 and ~0 do not.
      for (int i = 0; i < 32 && rc == 0; ++i) {
        std::uint64_t bit = 1ull << i, next = 1ull << ((i + 1) % 32);
        rc = seccomp_rule_add(ctx, eperm, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, bit | next, bit));
      }
      break;
  }
  if (rc != 0) return libseccomp_error(fmt::format("adding the rule for {}", rule.name), rc);
  return nr;
}

Result<std::string> build_program() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return libseccomp_error("seccomp_init", -ENOMEM);
  struct Release {
    scmp_filter_ctx c;
    ~Release() { seccomp_release(c); }
  } release{ctx};
  // i386 syscalls (int 0x80) get the same rules; x32 ones hit libseccomp's bad-arch
  // action (kill), as does any other foreign architecture.
  int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
  if (rc != 0 && rc != -EEXIST && seccomp_arch_native() == SCMP_ARCH_X86_64)
    return libseccomp_error("adding the i386 architecture", rc);
  for (const auto& rule : kRules) {
    auto added = add_rules(ctx, rule);
    if (!added.ok()) return added.error();
  }
  int fd = ::memfd_create("scientist-seccomp-export", MFD_CLOEXEC);
  if (fd < 0) return make_error(ErrorCode::kIo, fmt::format("memfd_create: {}", std::strerror(errno)));
  rc = seccomp_export_bpf(ctx, fd);
  std::string program;
  if (rc == 0) {
    char buf[4096];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) program.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (rc != 0) return libseccomp_error("seccomp_export_bpf", rc);
  if (program.empty()) return libseccomp_error("seccomp_export_bpf (empty program)", -EINVAL);
  return program;
}

}  // namespace

const std::vector<SeccompRule>& seccomp_rules() {
  static const std::vector<SeccompRule> rules = [] {
    std::vector<SeccompRule> out;
    for (const auto& r : kRules) out.push_back({r.name, action_text(r.kind)});
    return out;
  }();
  return rules;
}

Result<std::string> seccomp_program() {
  static std::once_flag once;
  static std::optional<Result<std::string>> program;
  std::call_once(once, [] { program.emplace(build_program()); });
  return *program;
}

SeccompFd& SeccompFd::operator=(SeccompFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

SeccompFd::~SeccompFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<SeccompFd> open_seccomp_fd() {
  auto program = seccomp_program();
  if (!program.ok()) return program.error();
  int raw = ::memfd_create("scientist-seccomp", MFD_CLOEXEC);
  if (raw < 0) return make_error(ErrorCode::kIo, fmt::format("memfd_create: {}", std::strerror(errno)));
  // 0..2 are the child's stdin/stdout/stderr: keep the filter out of their way.
  if (raw < 3) {
    int moved = ::fcntl(raw, F_DUPFD_CLOEXEC, 3);
    ::close(raw);
    if (moved < 0)
      return make_error(ErrorCode::kIo, fmt::format("fcntl(F_DUPFD_CLOEXEC): {}", std::strerror(errno)));
    raw = moved;
  }
  SeccompFd fd(raw);
  const std::string& bytes = *program;
  for (size_t off = 0; off < bytes.size();) {
    ssize_t w = ::write(fd.get(), bytes.data() + off, bytes.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      return make_error(ErrorCode::kIo, fmt::format("writing the seccomp filter: {}", std::strerror(errno)));
    off += static_cast<size_t>(w);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0)
    return make_error(ErrorCode::kIo, fmt::format("lseek on the seccomp filter: {}", std::strerror(errno)));
  return fd;
}

}  // namespace sci::proc
