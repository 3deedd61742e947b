// File helpers; see fs.h. Uses POSIX calls directly for fsync and O_APPEND.
#include "base/fs.h"

#include <stdlib.h>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include <openssl/evp.h>

namespace sci::fs {
namespace {

Error io_error(const std::string& what, const std::filesystem::path& path, int err) {
  if (err == ENOSPC || err == EDQUOT)
    return make_error(ErrorCode::kIo, fmt::format("{} {}: {}: the disk is full; free space on the filesystem "
                                                  "holding it, then `scientist resume` (finished work is kept)",
                                                  what, path.string(), std::strerror(err)));
  return make_error(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

class PosixWriter final : public FileWriter {
 public:
  Status open(const std::filesystem::path& path) override {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error("cannot create", path, errno);
    return ok_status();
  }
  Status write(std::string_view chunk) override {
    while (!chunk.empty()) {
      ssize_t n = ::write(fd_, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("cannot write", path_, errno);
      }
      chunk.remove_prefix(static_cast<size_t>(n));
    }
    return ok_status();
  }
  Status sync_and_close() override {
    int rc = ::fsync(fd_);
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (rc != 0) return io_error("cannot sync", path_, err);
    return ok_status();
  }
  void abandon() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

FileWriter& posix_writer() {
  static thread_local PosixWriter writer;
  return writer;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         FileWriter& writer) {
  std::error_code ec;
  auto parent = path.parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return io_error("cannot create directory", parent, ec.value());
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto tmp = path;
  tmp += fmt::format(".tmp.{}.{:x}", ::getpid(), rng());
  if (auto st = writer.open(tmp); !st.ok()) return st;
  constexpr size_t kChunk = 1 << 16;
  for (size_t off = 0; off < content.size(); off += kChunk) {
    if (auto st = writer.write(content.substr(off, kChunk)); !st.ok()) {
      writer.abandon();
      std::filesystem::remove(tmp, ec);
      return st;
    }
  }
  if (auto st = writer.sync_and_close(); !st.ok()) {
    std::filesystem::remove(tmp, ec);
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::filesystem::remove(tmp, ec);
    return io_error("cannot rename into", path, err);
  }
  sync_directory(parent);
  return ok_status();
}

Status append_line(const std::filesystem::path& path, std::string_view line) {
  std::error_code ec;
  if (!path.parent_path().empty()) std::filesystem::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot open", path, errno);
  std::string buf(line);
  buf += '\n';
  ssize_t n = ::write(fd, buf.data(), buf.size());
  int err = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(buf.size())) return io_error("cannot append to", path, err);
  return ok_status();
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("file not found: {}", path.string()));
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Result<std::string> sha256_file(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(std::string content, read_file(path));
  return sha256_hex(content);
}

std::uintmax_t directory_size_bytes(const std::filesystem::path& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(
      dir, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2) && !it->is_symlink(ec2)) {
      auto size = it->file_size(ec2);
      if (!ec2) total += size;
    }
  }
  return total;
}

Result<std::uintmax_t> free_bytes(const std::filesystem::path& path) {
  struct statvfs st{};
  if (::statvfs(path.c_str(), &st) != 0) return io_error("cannot stat filesystem of", path, errno);
  return static_cast<std::uintmax_t>(st.f_bavail) * st.f_frsize;
}

ScopedTempDir::ScopedTempDir(std::string_view prefix, unsigned mode) {
  std::error_code ec;
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return;
  path_ = tmpl;
  std::filesystem::permissions(path_, std::filesystem::perms(mode), ec);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace sci::fs
