// Breadth-first tree walk; see tree_walk.h.
#include "proc/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

namespace sci::proc {

namespace {

// Opens `rel` (relative to root_fd; "" = the root itself) as a directory, refusing symlinks.
int open_dir_beneath(int root_fd, const std::string& rel) {
  if (rel.empty()) return ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
#ifdef SYS_openat2
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
#endif
  return ::openat(root_fd, rel.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

}  // namespace

bool walk_tree(const std::filesystem::path& root, const TreeVisitor& visit) {
  int root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (root_fd < 0) return false;
  std::deque<std::string> pending{""};
  bool go_on = true;
  while (!pending.empty() && go_on) {
    std::string rel = std::move(pending.front());
    pending.pop_front();
    int fd = open_dir_beneath(root_fd, rel);
    if (fd < 0) continue;
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      continue;
    }
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      std::string path = rel.empty() ? std::string(e->d_name) : rel + "/" + e->d_name;
      if (!visit(::dirfd(d), e->d_name, path, st)) {
        go_on = false;
        break;
      }
      if (S_ISDIR(st.st_mode)) pending.push_back(std::move(path));
    }
    ::closedir(d);
  }
  ::close(root_fd);
  return true;
}

}  // namespace sci::proc
