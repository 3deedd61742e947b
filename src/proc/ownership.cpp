// Ownership hand-over and repair. Every change goes through fchownat/fchmodat on the
// directory descriptor of the walk with AT_SYMLINK_NOFOLLOW, so a link the run planted
// changes only the link, never what it points to.
#include "proc/ownership.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/log.h"
#include "proc/tree_walk.h"

namespace sci::proc {

namespace {

Status check_dir(const std::filesystem::path& dir, struct stat& st) {
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(ErrorCode::kNotFound, fmt::format("{} is not a directory (a symlink is not followed)", dir.string()));
  return ok_status();
}

Error too_many(const std::filesystem::path& dir, std::size_t max_entries) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} holds more than {} entries: too many to hand to a sandbox uid and back; "
                                "clean it up or use a fresh directory",
                                dir.string(), max_entries));
}

bool chown_at(int dir_fd, const char* name, const std::string& rel, uid_t uid, gid_t gid) {
  if (::fchownat(dir_fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0) return true;
  log::debug("lchown {}: {}", rel, std::strerror(errno));
  return false;
}

}  // namespace

Result<std::size_t> restore_ownership(const std::filesystem::path& dir, uid_t uid, gid_t gid, UidRange from,
                                      std::size_t max_entries) {
  struct stat root {};
  SCI_TRY(check_dir(dir, root));
  // Counted first: a tree too big to walk is refused before anything changes.
  std::size_t entries = 0;
  walk_tree(dir, [&](int, const char*, const std::string&, const struct stat&) { return ++entries <= max_entries; });
  if (entries > max_entries) return too_many(dir, max_entries);
  std::size_t changed = 0;
  auto needs = [&](const struct stat& st) { return from.contains(st.st_uid) && (st.st_uid != uid || st.st_gid != gid); };
  if (needs(root) && ::lchown(dir.c_str(), uid, gid) == 0) ++changed;
  walk_tree(dir, [&](int dir_fd, const char* name, const std::string& rel, const struct stat& st) {
    if (needs(st) && chown_at(dir_fd, name, rel, uid, gid)) ++changed;
    return true;
  });
  return changed;
}

Result<OwnershipSnapshot> OwnershipSnapshot::take(const std::filesystem::path& dir, std::size_t max_entries) {
  OwnershipSnapshot snap;
  struct stat root {};
  SCI_TRY(check_dir(dir, root));
  snap.dir_ = dir;
  snap.root_ = {root.st_ino, root.st_uid, root.st_gid, root.st_mode};
  bool over = false;
  walk_tree(dir, [&](int, const char*, const std::string& rel, const struct stat& st) {
    if (snap.entries_.size() >= max_entries) {
      over = true;
      return false;
    }
    snap.entries_.emplace(rel, Entry{st.st_ino, st.st_uid, st.st_gid, st.st_mode});
    return true;
  });
  if (over) return too_many(dir, max_entries);
  return snap;
}

void OwnershipSnapshot::hand_to(uid_t uid, gid_t gid, const std::vector<std::filesystem::path>& keep) const {
  std::vector<std::string> keep_rel;
  for (const auto& k : keep) keep_rel.push_back(k.lexically_relative(dir_).string());
  if (::lchown(dir_.c_str(), uid, gid) != 0) log::debug("lchown {}: {}", dir_.string(), std::strerror(errno));
  walk_tree(dir_, [&](int dir_fd, const char* name, const std::string& rel, const struct stat& st) {
    auto it = entries_.find(rel);
    if (it == entries_.end() || it->second.ino != st.st_ino) return true;  // appeared since the snapshot
    if (std::find(keep_rel.begin(), keep_rel.end(), rel) != keep_rel.end()) return true;
    if (!S_ISDIR(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) return true;
    chown_at(dir_fd, name, rel, uid, gid);
    return true;
  });
}

std::size_t OwnershipSnapshot::restore(uid_t run_uid) const {
  std::size_t changed = 0;
  constexpr mode_t kDirBits = S_ISGID | S_ISVTX;
  auto restore_dir_bits = [](int dir_fd, const char* name, const struct stat& st, mode_t recorded) {
    // chown may clear setgid; a directory's setgid only decides the group of new files.
    if (S_ISDIR(st.st_mode) && (recorded & kDirBits))
      ::fchmodat(dir_fd, name, (st.st_mode & 0777) | (recorded & kDirBits), 0);
  };
  struct stat root {};
  if (::lstat(dir_.c_str(), &root) == 0 && root.st_uid == run_uid && root.st_ino == root_.ino) {
    if (::lchown(dir_.c_str(), root_.uid, root_.gid) == 0) ++changed;
    restore_dir_bits(AT_FDCWD, dir_.c_str(), root, root_.mode);
  }
  walk_tree(dir_, [&](int dir_fd, const char* name, const std::string& rel, const struct stat& st) {
    if (st.st_uid != run_uid) return true;  // not given to the run, not created by it
    auto it = entries_.find(rel);
    if (it != entries_.end() && it->second.ino == st.st_ino) {
      if (chown_at(dir_fd, name, rel, it->second.uid, it->second.gid)) ++changed;
      restore_dir_bits(dir_fd, name, st, it->second.mode);
      return true;
    }
    // Created (or replaced) by the run: it belongs to the directory's owner now.
    if (chown_at(dir_fd, name, rel, root_.uid, root_.gid)) ++changed;
    if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)))
      ::fchmodat(dir_fd, name, st.st_mode & 0777, 0);
    return true;
  });
  return changed;
}

}  // namespace sci::proc
