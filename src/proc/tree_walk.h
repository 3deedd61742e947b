// Walks a directory tree breadth-first without following symlinks: every directory is
// opened relative to the root with openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) (or
// O_NOFOLLOW on kernels without it), so a link swapped in mid-walk cannot lead outside.
// Used by the disk watchdog and the ownership hand-over; paths are kept, not descriptors,
// so a very deep tree cannot exhaust file descriptors.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <string>

namespace sci::proc {

// One entry: dir_fd + name address it for *at() calls (fchownat, fchmodat); rel is its
// path relative to the root ("a/b.txt"); st is its lstat. Return false to stop the walk.
using TreeVisitor = std::function<bool(int dir_fd, const char* name, const std::string& rel, const struct stat& st)>;

// Visits every entry below `root` (not the root itself). Unreadable entries are skipped.
// Returns false when the root cannot be opened as a directory (or is a symlink).
bool walk_tree(const std::filesystem::path& root, const TreeVisitor& visit);

}  // namespace sci::proc
