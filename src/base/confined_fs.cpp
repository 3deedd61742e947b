// Confined reads; see confined_fs.h. Every path below the root is walked with openat()
// and O_NOFOLLOW one component at a time: checking with lstat() and then opening by
// name would let a link appear between the two.
#include "base/confined_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fmt/format.h>

#include "base/fs.h"

namespace sci::fs {

namespace stdfs = std::filesystem;

namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

// `path` relative to `root` (a relative path is taken as relative to root); an error
// when it leaves root or names root itself.
Result<stdfs::path> relative_to_root(const stdfs::path& root, const stdfs::path& path) {
  std::error_code ec;
  const stdfs::path abs_root = stdfs::absolute(root, ec).lexically_normal();
  stdfs::path rel = stdfs::absolute(path, ec).lexically_normal().lexically_relative(abs_root);
  if ((rel.empty() || *rel.begin() == "..") && path.is_relative()) rel = path.lexically_normal();
  if (rel.empty() || rel == "." || *rel.begin() == "..")
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is outside {}: host-side steps only read inside the idea directory",
                                  path.string(), root.string()));
  return rel;
}

Error link_error(const stdfs::path& shown) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} is a symbolic link: files a run wrote are read without following links "
                                "(replace it with a regular file or directory)",
                                shown.string()));
}

Error open_error(const stdfs::path& shown, int err) {
  if (err == ENOENT) return make_error(ErrorCode::kNotFound, fmt::format("file not found: {}", shown.string()));
  if (err == ELOOP) return link_error(shown);
  if (err == ENOTDIR)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: a component is not a directory (or is a symbolic link)", shown.string()));
  return make_error(ErrorCode::kIo, fmt::format("cannot open {}: {}", shown.string(), std::strerror(err)));
}

// Opens the directory holding the last component of `rel` (below root) without
// following links; returns its fd.
Result<Fd> open_parent(const stdfs::path& root, const stdfs::path& rel) {
  Fd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return open_error(root, errno);
  stdfs::path shown = root;
  const stdfs::path parent = rel.parent_path();
  for (const auto& part : parent) {
    shown /= part;
    Fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) return open_error(shown, errno);
    dir = std::move(next);
  }
  return dir;
}

}  // namespace

bool is_within(const stdfs::path& path, const stdfs::path& dir) {
  const stdfs::path p = path.lexically_normal();
  stdfs::path d = dir.lexically_normal();
  if (!d.has_filename() && d.has_parent_path() && d != d.root_path()) d = d.parent_path();  // "dir/" -> "dir"
  auto [di, pi] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return di == d.end();
}

Result<std::string> read_file_beneath(const stdfs::path& root, const stdfs::path& path, std::uint64_t max_bytes) {
  SCI_ASSIGN_OR_RETURN(stdfs::path rel, relative_to_root(root, path));
  const stdfs::path shown = root / rel;
  SCI_ASSIGN_OR_RETURN(Fd dir, open_parent(root, rel));
  // O_NONBLOCK: a planted FIFO must not block the host; it is refused below.
  Fd fd(::openat(dir.get(), rel.filename().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return open_error(shown, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return open_error(shown, errno);
  if (!S_ISREG(st.st_mode))
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is not a regular file: only regular files a run wrote are read", shown.string()));
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is {} bytes, over the limit of {} bytes for files read from a run",
                                  shown.string(), st.st_size, max_bytes));
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return open_error(shown, errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

Status check_no_links_beneath(const stdfs::path& root, const stdfs::path& path) {
  SCI_ASSIGN_OR_RETURN(stdfs::path rel, relative_to_root(root, path));
  stdfs::path p = root;
  for (const auto& part : rel) {
    p /= part;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return ok_status();  // the rest is about to be created
      return open_error(p, errno);
    }
    if (S_ISLNK(st.st_mode)) return link_error(p);
  }
  return ok_status();
}

Result<DirListing> list_dir_beneath(const stdfs::path& root, const stdfs::path& dir, std::size_t max_entries) {
  Fd fd;
  stdfs::path shown = dir;
  if (stdfs::absolute(dir).lexically_normal() == stdfs::absolute(root).lexically_normal()) {
    fd = Fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return open_error(root, errno);
  } else {
    SCI_ASSIGN_OR_RETURN(stdfs::path rel, relative_to_root(root, dir));
    shown = root / rel;
    SCI_ASSIGN_OR_RETURN(Fd parent, open_parent(root, rel));
    fd = Fd(::openat(parent.get(), rel.filename().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return open_error(shown, errno);
  }
  int dup_fd = ::dup(fd.get());
  if (dup_fd < 0) return open_error(shown, errno);
  DIR* d = ::fdopendir(dup_fd);
  if (!d) {
    ::close(dup_fd);
    return open_error(shown, errno);
  }
  DirListing listing;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (listing.entries.size() >= max_entries) {
      listing.truncated = true;
      break;
    }
    DirEntry entry;
    entry.name = name;
    struct stat st {};
    if (::fstatat(fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISREG(st.st_mode)) {
        entry.kind = EntryKind::kFile;
        entry.size_bytes = static_cast<std::uint64_t>(st.st_size);
      } else if (S_ISDIR(st.st_mode)) {
        entry.kind = EntryKind::kDirectory;
      } else if (S_ISLNK(st.st_mode)) {
        entry.kind = EntryKind::kSymlink;
      }
    }
    listing.entries.push_back(std::move(entry));
  }
  ::closedir(d);
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return listing;
}

Status copy_file_beneath(const stdfs::path& root, const stdfs::path& from, const stdfs::path& to,
                         std::uint64_t max_bytes) {
  SCI_ASSIGN_OR_RETURN(std::string content, read_file_beneath(root, from, max_bytes));
  return write_file_atomic(to, content);
}

Status copy_tree_beneath(const stdfs::path& root, const stdfs::path& from, const stdfs::path& to,
                         std::size_t max_files, std::uint64_t max_file_bytes, std::vector<std::string>& skipped) {
  std::size_t count = 0;
  std::vector<stdfs::path> pending = {stdfs::path()};
  while (!pending.empty()) {
    const stdfs::path rel_dir = pending.back();
    pending.pop_back();
    std::error_code ec;
    stdfs::create_directories(to / rel_dir, ec);
    if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", (to / rel_dir).string(), ec.message()));
    SCI_ASSIGN_OR_RETURN(DirListing listing, list_dir_beneath(root, rel_dir.empty() ? from : from / rel_dir));
    for (const auto& e : listing.entries) {
      if (++count > max_files || listing.truncated)
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{} holds more than {} files: not copied (remove the extra files)",
                                      from.string(), max_files));
      const stdfs::path rel = rel_dir / e.name;
      if (e.kind == EntryKind::kDirectory) pending.push_back(rel);
      else if (e.kind == EntryKind::kFile) SCI_TRY(copy_file_beneath(root, from / rel, to / rel, max_file_bytes));
      else skipped.push_back(rel.generic_string());
    }
  }
  return ok_status();
}

}  // namespace sci::fs
