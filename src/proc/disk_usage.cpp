// Disk measurement for the watchdog: a tree walk (tree_walk.h) summing st_blocks, and a
// scan of the run's open descriptors for deleted files.
#include "proc/disk_usage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>

#include "proc/tree_walk.h"

namespace sci::proc {

namespace {

struct InodeKey {
  dev_t dev;
  ino_t ino;
  bool operator==(const InodeKey& o) const { return dev == o.dev && ino == o.ino; }
};
struct InodeHash {
  size_t operator()(const InodeKey& k) const { return std::hash<std::uint64_t>()(k.ino * 1315423911u ^ k.dev); }
};

}  // namespace

DiskUsage measure_directory(const std::filesystem::path& dir, std::uint64_t stop_bytes, std::uint64_t stop_entries) {
  DiskUsage usage;
  std::unordered_set<InodeKey, InodeHash> linked;  // inodes with several names, counted once
  walk_tree(dir, [&](int, const char*, const std::string&, const struct stat& st) {
    ++usage.entries;
    bool counted = true;
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) counted = linked.insert({st.st_dev, st.st_ino}).second;
    if (counted) usage.allocated_bytes += static_cast<std::uint64_t>(st.st_blocks) * 512u;
    if (S_ISREG(st.st_mode))
      usage.largest_file_bytes = std::max<std::uint64_t>(usage.largest_file_bytes, static_cast<std::uint64_t>(st.st_size));
    usage.stopped_early = (stop_bytes > 0 && usage.allocated_bytes > stop_bytes) ||
                          (stop_entries > 0 && usage.entries > stop_entries);
    return !usage.stopped_early;
  });
  return usage;
}

std::uint64_t deleted_open_bytes(const std::vector<pid_t>& pids, const std::filesystem::path& same_device_as) {
  struct stat ref {};
  if (::stat(same_device_as.c_str(), &ref) != 0) return 0;
  std::unordered_set<InodeKey, InodeHash> seen;
  std::uint64_t total = 0;
  constexpr std::string_view kDeleted = " (deleted)";
  char target[4096];
  for (pid_t pid : pids) {
    std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = ::opendir(fd_dir.c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::string link = fd_dir + "/" + e->d_name;
      ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
      if (n <= static_cast<ssize_t>(kDeleted.size())) continue;
      std::string_view t(target, static_cast<size_t>(n));
      if (t.substr(t.size() - kDeleted.size()) != kDeleted || t[0] != '/') continue;
      struct stat st {};
      // stat() through the magic link reaches the open file itself, name or no name.
      if (::stat(link.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != ref.st_dev) continue;
      if (st.st_nlink > 0) continue;  // still has a name elsewhere: the tree walk counts it
      if (!seen.insert({st.st_dev, st.st_ino}).second) continue;
      total += static_cast<std::uint64_t>(st.st_blocks) * 512u;
    }
    ::closedir(d);
  }
  return total;
}

}  // namespace sci::proc
