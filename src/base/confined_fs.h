// Reading files that a sandboxed run could have written (everything in an idea
// directory after a run): no symbolic link is followed anywhere below the trusted root,
// only regular files are read, and every read and listing is bounded. Host-side steps
// (result parsers, copies, the writeup, the review) go through these, never fs::read_file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::fs {

// Size limits for host-side reads of model-written files.
inline constexpr std::uint64_t kMaxResultFileBytes = 16ull << 20;  // final_info.json, notes.txt, ...
inline constexpr std::uint64_t kMaxSourceFileBytes = 8ull << 20;   // .tex/.bib/.py read back
inline constexpr std::uint64_t kMaxPdfBytes = 64ull << 20;         // a paper
inline constexpr std::uint64_t kMaxFigureBytes = 32ull << 20;      // one PNG/PDF figure
inline constexpr std::size_t kMaxDirEntries = 10000;               // entries listed in one directory

// True when `path` is `dir` or lies below it, comparing the normalised paths as written
// (no link is resolved; a trailing "/" on `dir` does not matter).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& dir);

// Reads `path` (absolute and inside `root`, or relative to it) without following a
// symbolic link in any component below `root` (root itself is trusted and may be
// reached through links). Opens with O_NOFOLLOW component by component, so a link
// swapped in between checks is refused too.
// Errors: kNotFound (missing); kInvalidArgument naming the path when a component is a
// symbolic link, the file is not a regular file, it is larger than `max_bytes`, or the
// path leaves `root`; kIo otherwise.
Result<std::string> read_file_beneath(const std::filesystem::path& root, const std::filesystem::path& path,
                                      std::uint64_t max_bytes);

// OK when `path` stays inside `root` and no existing component of it below `root` is a
// symbolic link (missing trailing components are fine: they are about to be created).
// For write destinations and copies. kInvalidArgument names the link and the rule.
Status check_no_links_beneath(const std::filesystem::path& root, const std::filesystem::path& path);

// Kinds of directory entries, as lstat sees them (a link is never resolved).
enum class EntryKind { kFile, kDirectory, kSymlink, kOther };
struct DirEntry {
  std::string name;
  EntryKind kind = EntryKind::kOther;
  std::uint64_t size_bytes = 0;  // regular files only
};
struct DirListing {
  std::vector<DirEntry> entries;  // sorted by name; at most max_entries
  bool truncated = false;         // more entries than max_entries
};
// Lists `dir` (checked with check_no_links_beneath(root, dir)) without following links.
// kNotFound when missing; kInvalidArgument when dir (or a component) is a link.
Result<DirListing> list_dir_beneath(const std::filesystem::path& root, const std::filesystem::path& dir,
                                    std::size_t max_entries = kMaxDirEntries);

// Copies a regular file from inside `root` (no link followed, at most max_bytes) to
// `to` (written atomically; `to` must be a trusted destination).
Status copy_file_beneath(const std::filesystem::path& root, const std::filesystem::path& from,
                         const std::filesystem::path& to, std::uint64_t max_bytes);

// Copies the tree `from` (a directory inside `root`) to `to`: directories and regular
// files only; a symbolic link or other special file is not copied and its path
// (relative to `from`) goes into `skipped`. kInvalidArgument when the tree holds more than
// `max_files` entries or a file is over `max_file_bytes`.
Status copy_tree_beneath(const std::filesystem::path& root, const std::filesystem::path& from,
                         const std::filesystem::path& to, std::size_t max_files, std::uint64_t max_file_bytes,
                         std::vector<std::string>& skipped);

}  // namespace sci::fs
