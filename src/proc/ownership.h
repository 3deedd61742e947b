// Ownership of a run's working directory. As root each run drops to a uid of the pool,
// so the directory is handed to that uid for the run and back afterwards: the owner of
// every pre-existing entry is recorded and restored exactly, and only what the run
// created goes to the directory's owner. restore_ownership() repairs a directory a killed
// scientist left owned by a sandbox uid (`scientist resume` calls it first).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"

namespace sci::proc {

// Most entries the ownership walks handle; a bigger tree is refused (kInvalidArgument).
inline constexpr std::size_t kMaxOwnershipEntries = 1'000'000;

struct UidRange {
  uid_t first = 0;
  uid_t last = std::numeric_limits<uid_t>::max();
  bool contains(uid_t uid) const { return uid >= first && uid <= last; }
};

// lchowns `dir` and every entry below it (no symlink followed: links themselves are
// changed, never their targets) whose owner is in `from` and not already uid:gid.
// Returns how many entries were changed. kNotFound when dir is not a directory,
// kInvalidArgument when it holds more than max_entries entries (nothing is changed then).
Result<std::size_t> restore_ownership(const std::filesystem::path& dir, uid_t uid, gid_t gid, UidRange from = {},
                                      std::size_t max_entries = kMaxOwnershipEntries);

// The owners of a directory tree before a run.
class OwnershipSnapshot {
 public:
  // Records owner, mode and inode of `dir` and each entry below it (bounded walk, no
  // symlink followed). kInvalidArgument past max_entries, kNotFound for a missing dir.
  static Result<OwnershipSnapshot> take(const std::filesystem::path& dir,
                                        std::size_t max_entries = kMaxOwnershipEntries);

  // Gives the recorded entries to uid:gid for the run, except those in `keep` (absolute
  // paths) and setuid/setgid files, which stay exactly as they are (a run must not be
  // able to rewrite a file that keeps such a bit afterwards).
  void hand_to(uid_t uid, gid_t gid, const std::vector<std::filesystem::path>& keep) const;

  // After the run, for every entry owned by run_uid: a recorded one (same path, same
  // inode) gets its recorded owner back (and, for directories, its setgid/sticky bits);
  // anything else the run created goes to the directory's recorded owner, with any
  // setuid/setgid bit cleared. Entries run_uid does not own are not touched.
  // Returns how many entries were changed.
  std::size_t restore(uid_t run_uid) const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    ino_t ino;
    uid_t uid;
    gid_t gid;
    mode_t mode;
  };
  std::filesystem::path dir_;
  Entry root_{};
  std::unordered_map<std::string, Entry> entries_;  // by path relative to dir_
};

}  // namespace sci::proc
