// Bounded file reads; see bounded_read.h.
#include "base/bounded_read.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sci::fs {
namespace {

Error too_large(const std::filesystem::path& path, const std::string& what, std::size_t size,
                std::size_t max_bytes, bool at_least) {
  return make_error(
      ErrorCode::kInvalidArgument,
      fmt::format("{} {} is {}{}, over the limit of {}: make it smaller (scientist does not parse "
                  "larger files of this kind)",
                  what, path.string(), at_least ? "more than " : "", format_bytes(size),
                  format_bytes(max_bytes)));
}

}  // namespace

std::string format_bytes(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

Result<std::string> read_file_bounded(const std::filesystem::path& path, std::size_t max_bytes,
                                      const std::string& what) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT)
      return make_error(ErrorCode::kNotFound, fmt::format("file not found: {}", path.string()));
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot read {} {}: {}", what, path.string(), std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} {} is not a regular file: pass a plain file", what, path.string()));
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return too_large(path, what, static_cast<std::size_t>(st.st_size), max_bytes, false);
  }
  // The file may grow after fstat: read at most one byte past the limit to notice.
  std::string out(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t got = 0;
  while (true) {
    if (got == out.size()) {
      if (got > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo,
                        fmt::format("cannot read {} {}: {}", what, path.string(), std::strerror(err)));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got > max_bytes) return too_large(path, what, max_bytes, max_bytes, true);
  out.resize(got);
  return out;
}

}  // namespace sci::fs
