// Run cgroups (cgroup v2 only: v1 has no single hierarchy to put a run in and no
// cgroup.kill). The probe creates and removes one test child so "usable" means a run
// cgroup really gets memory.max here, not just that the files look right.
#include "proc/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::proc {

namespace fsys = std::filesystem;

namespace {

std::string read_small(const fsys::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `value` with one write(2), as cgroup files need. Returns errno (0 = ok).
int write_value(const fsys::path& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = ::write(fd, value.data(), value.size());
  int e = n == static_cast<ssize_t>(value.size()) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return e;
}

bool has_word(const std::string& text, std::string_view word) {
  for (const auto& w : str::split(std::string(str::trim(text)), ' '))
    if (str::trim(w) == word) return true;
  return false;
}

// The cgroup2 mount point (from /proc/self/mountinfo), empty when none.
fsys::path cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream rest(line.substr(dash + 3));
    std::string fstype;
    rest >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string id, parent, devno, root, mount_point;
    head >> id >> parent >> devno >> root >> mount_point;
    return mount_point;
  }
  return {};
}

// Our own cgroup v2 directory ("0::<path>" in /proc/self/cgroup), empty when none.
fsys::path own_cgroup(const fsys::path& mount) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (!str::starts_with(line, "0::")) continue;
    std::string rel = line.substr(3);
    if (rel.empty() || rel[0] != '/') return {};
    return rel == "/" ? mount : mount / rel.substr(1);
  }
  return {};
}

std::atomic<unsigned> g_next_run{0};

// Checks one candidate parent; on success returns "", else why not.
std::string try_parent(const fsys::path& parent) {
  std::error_code ec;
  if (!fsys::is_directory(parent, ec)) return fmt::format("{} does not exist", parent.string());
  if (::access(parent.c_str(), W_OK) != 0)
    return fmt::format("{} is not writable by us (delegate it, e.g. systemd Delegate=yes)", parent.string());
  std::string controllers = read_small(parent / "cgroup.controllers");
  for (const char* c : {"memory", "pids"})
    if (!has_word(controllers, c))
      return fmt::format("{} has no {} controller (cgroup.controllers: '{}'; on a cgroup v1 or hybrid host memory "
                         "is not in the v2 tree)",
                         parent.string(), c, str::trim(controllers));
  std::string subtree = read_small(parent / "cgroup.subtree_control");
  if (!has_word(subtree, "memory") || !has_word(subtree, "pids")) {
    // Refused (EBUSY) when processes live directly in `parent`: we never move them.
    if (int e = write_value(parent / "cgroup.subtree_control", "+memory +pids"); e != 0)
      return fmt::format("cannot enable memory and pids for children of {}: {} (processes live in it; give "
                         "scientist an empty delegated cgroup)",
                         parent.string(), std::strerror(e));
  }
  fsys::path test = parent / fmt::format("scientist-probe-{}", ::getpid());
  if (::mkdir(test.c_str(), 0755) != 0 && errno != EEXIST)
    return fmt::format("cannot create a cgroup in {}: {}", parent.string(), std::strerror(errno));
  bool has_max = fsys::exists(test / "memory.max", ec) && fsys::exists(test / "pids.max", ec);
  ::rmdir(test.c_str());
  if (!has_max) return fmt::format("a child of {} gets no memory.max/pids.max", parent.string());
  return "";
}

}  // namespace

CgroupSupport probe_cgroup_at(const fsys::path& configured) {
  CgroupSupport support;
  std::vector<fsys::path> candidates;
  fsys::path mount = cgroup2_mount();
  if (!configured.empty()) {
    candidates.push_back(configured);
  } else {
    if (mount.empty()) {
      support.detail = "no cgroup2 filesystem mounted";
      return support;
    }
    if (auto own = own_cgroup(mount); !own.empty()) candidates.push_back(own);
    if (::geteuid() == 0) candidates.push_back(mount / "scientist");
  }
  std::vector<std::string> reasons;
  for (const auto& c : candidates) {
    if (c == mount / "scientist" && ::geteuid() == 0 && try_parent(mount).empty()) ::mkdir(c.c_str(), 0755);
    std::string why = try_parent(c);
    if (why.empty()) {
      support.usable = true;
      support.parent = c;
      support.detail = c.string();
      return support;
    }
    reasons.push_back(why);
  }
  support.detail = reasons.empty() ? "no cgroup v2 of ours found" : str::join(reasons, "; ");
  return support;
}

int remove_stale_run_cgroups(const fsys::path& parent) {
  int removed = 0;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (!str::starts_with(name, "scientist-") || name.rfind("scientist-probe-", 0) == 0) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + 10));
    if (owner <= 0 || owner == ::getpid() || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
    write_value(e.path() / "cgroup.kill", "1");
    for (int i = 0; i < 100; ++i) {
      if (::rmdir(e.path().c_str()) == 0) {
        ++removed;
        break;
      }
      if (errno != EBUSY) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return removed;
}

fsys::path own_cgroup_dir() {
  fsys::path mount = cgroup2_mount();
  return mount.empty() ? fsys::path() : own_cgroup(mount);
}

const CgroupSupport& probe_cgroup() {
  static const CgroupSupport support = [] {
    CgroupSupport s = probe_cgroup_at({});
    if (s.usable) remove_stale_run_cgroups(s.parent);
    return s;
  }();
  return support;
}

Result<RunCgroup> RunCgroup::create(const fsys::path& parent, const CgroupLimits& limits) {
  RunCgroup cg;
  cg.path_ = parent / fmt::format("scientist-{}-{}", ::getpid(), g_next_run++);
  if (::mkdir(cg.path_.c_str(), 0755) != 0)
    return make_error(ErrorCode::kIo, fmt::format("cannot create cgroup {}: {} (check that {} is delegated to us)",
                                                  cg.path_.string(), std::strerror(errno), parent.string()));
  auto set = [&](const char* file, const std::string& value, bool required) -> Status {
    int e = write_value(cg.path_ / file, value);
    if (e == 0 || (!required && e == ENOENT)) return ok_status();
    return make_error(ErrorCode::kIo, fmt::format("cannot write {} to {}: {}", value, (cg.path_ / file).string(),
                                                  std::strerror(e)));
  };
  Status st = ok_status();
  if (limits.memory_max_bytes > 0) {
    st = set("memory.max", std::to_string(limits.memory_max_bytes), true);
    // Without swap off, the limit would only move the overflow to swap.
    if (st.ok()) st = set("memory.swap.max", "0", false);
  }
  // On OOM the whole run goes, not one random worker whose parent then waits forever.
  if (st.ok()) st = set("memory.oom.group", "1", false);
  if (st.ok() && limits.pids_max > 0) st = set("pids.max", std::to_string(limits.pids_max), true);
  if (st.ok()) {
    cg.procs_fd_ = ::open((cg.path_ / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (cg.procs_fd_ < 0)
      st = make_error(ErrorCode::kIo, fmt::format("cannot open {}: {}", (cg.path_ / "cgroup.procs").string(),
                                                  std::strerror(errno)));
  }
  if (!st.ok()) {
    cg.remove();
    return st.error();
  }
  return cg;
}

RunCgroup::RunCgroup(RunCgroup&& other) noexcept : path_(std::move(other.path_)), procs_fd_(other.procs_fd_) {
  other.path_.clear();
  other.procs_fd_ = -1;
}

RunCgroup& RunCgroup::operator=(RunCgroup&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    procs_fd_ = other.procs_fd_;
    other.path_.clear();
    other.procs_fd_ = -1;
  }
  return *this;
}

RunCgroup::~RunCgroup() { remove(); }

std::vector<pid_t> RunCgroup::pids() const {
  std::vector<pid_t> out;
  if (path_.empty()) return out;
  std::ifstream in(path_ / "cgroup.procs");
  pid_t p = 0;
  while (in >> p) out.push_back(p);
  return out;
}

std::uint64_t RunCgroup::oom_kills() const {
  if (path_.empty()) return 0;
  std::ifstream in(path_ / "memory.events");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

std::uint64_t RunCgroup::peak_memory_bytes() const {
  if (path_.empty()) return 0;
  std::ifstream in(path_ / "memory.peak");
  std::uint64_t v = 0;
  in >> v;
  return v;
}

bool RunCgroup::kill_all(std::chrono::milliseconds deadline) const {
  if (path_.empty()) return true;
  auto end = std::chrono::steady_clock::now() + deadline;
  bool have_kill_file = write_value(path_ / "cgroup.kill", "1") == 0;
  while (true) {
    auto left = pids();
    if (left.empty()) return true;
    if (!have_kill_file)
      for (pid_t p : left) ::kill(p, SIGKILL);
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void RunCgroup::remove() {
  if (procs_fd_ >= 0) ::close(procs_fd_);
  procs_fd_ = -1;
  if (path_.empty()) return;
  kill_all(std::chrono::seconds(5));
  // The kernel may report the cgroup busy for a moment after its last process exits.
  for (int i = 0; i < 100 && ::rmdir(path_.c_str()) != 0 && errno == EBUSY; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  path_.clear();
}

}  // namespace sci::proc
