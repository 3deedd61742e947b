// File helpers. Every artifact scientist writes goes through write_file_atomic:
// temp file in the same directory + fsync + rename, so a crash never leaves a
// truncated file. The FileWriter seam lets tests inject faults mid-write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sci::fs {

// Low-level sink used by write_file_atomic; the real one uses POSIX fds.
class FileWriter {
 public:
  virtual ~FileWriter() = default;
  virtual Status open(const std::filesystem::path& path) = 0;
  virtual Status write(std::string_view chunk) = 0;
  virtual Status sync_and_close() = 0;
  virtual void abandon() = 0;  // close without syncing (after a failure)
};

FileWriter& posix_writer();

// Writes `content` to `path` atomically (creates parent directories). On any
// failure the previous content of `path` (if any) is untouched and the temp file is
// removed. Errors: kIo with the path and the OS reason (e.g. "No space left on device").
Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         FileWriter& writer = posix_writer());

// Appends a line (adds '\n') with O_APPEND + fsync; for JSONL logs and archives.
Status append_line(const std::filesystem::path& path, std::string_view line);

// Reads a whole file. kNotFound if it does not exist, kIo otherwise.
Result<std::string> read_file(const std::filesystem::path& path);

// SHA-256 of a file's content, lower-case hex. kNotFound / kIo.
Result<std::string> sha256_file(const std::filesystem::path& path);
std::string sha256_hex(std::string_view data);

// Bytes used under `dir` (regular files, not following symlinks). Never fails:
// unreadable entries are skipped.
std::uintmax_t directory_size_bytes(const std::filesystem::path& dir);

// A fresh directory under the system temp dir (mkdtemp, so nobody else can have
// planted it), removed with everything in it when the object goes away. path() is
// empty when it could not be created. `mode` is applied after creation (0700 default;
// 0755 for a directory a dropped sandbox uid must read).
class ScopedTempDir {
 public:
  explicit ScopedTempDir(std::string_view prefix, unsigned mode = 0700);
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Free bytes available to unprivileged users on the filesystem holding `path`.
Result<std::uintmax_t> free_bytes(const std::filesystem::path& path);

}  // namespace sci::fs
