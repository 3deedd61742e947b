// Full-disk handling; see disk_space.h. The reserve uses posix_fallocate, so its blocks
// are really allocated (a sparse file would free nothing).
#include "base/disk_space.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sci::fs {

bool is_disk_full_text(std::string_view text) {
  return text.find(std::strerror(ENOSPC)) != std::string_view::npos ||
         text.find(std::strerror(EDQUOT)) != std::string_view::npos;
}

bool is_disk_full(const Error& error) { return is_disk_full_text(error.message) || is_disk_full_text(error.context); }

void SpaceReserve::hold(const std::filesystem::path& dir, std::uint64_t bytes) {
  path_ = dir / ".space_reserve";
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    path_.clear();
    return;
  }
  (void)::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  ::close(fd);
}

bool SpaceReserve::release() {
  if (path_.empty()) return false;
  std::error_code ec;
  bool removed = std::filesystem::remove(path_, ec);
  path_.clear();
  return removed;
}

}  // namespace sci::fs
