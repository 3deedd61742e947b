// What the disk watchdog measures: the blocks a directory tree really holds (st_blocks,
// so sparse files do not count and hard links count once), how many entries it has,
// its largest file, and the files a run's processes hold open after deleting them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace sci::proc {

struct DiskUsage {
  std::uint64_t allocated_bytes = 0;  // sum of st_blocks*512 over distinct inodes (no symlink followed)
  std::uint64_t entries = 0;          // files, directories, links, ... (the root not counted)
  std::uint64_t largest_file_bytes = 0;  // largest st_size of a regular file
  bool stopped_early = false;         // the walk stopped at a limit (the totals are lower bounds)
};

// Walks `dir` without following symlinks (tree_walk.h). Stops once allocated_bytes > stop_bytes or entries >
// stop_entries (0 = no limit), which bounds the walk of a directory flooded with files.
// Unreadable entries are skipped. Thread-safe.
DiskUsage measure_directory(const std::filesystem::path& dir, std::uint64_t stop_bytes = 0,
                            std::uint64_t stop_entries = 0);

// Allocated bytes of regular files that `pids` hold open after they were deleted (their
// /proc/<pid>/fd/N link ends in " (deleted)"), counted once per inode, only on the
// filesystem `same_device_as` is on. Needs the rights to read those processes' fds
// (ours, or root).
std::uint64_t deleted_open_bytes(const std::vector<pid_t>& pids, const std::filesystem::path& same_device_as);

}  // namespace sci::proc
