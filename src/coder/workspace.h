// The coder's view of the idea directory: which relative paths are inside it (after
// "..", symlinks), loading the files an edit message touches into an edit::FileSet and
// writing changed ones back atomically. The only file I/O around the pure edit module.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "edit/applier.h"

namespace sci::coder {

// Normalised '/'-separated path of `relative` under `root` when it stays inside root
// once "..", "." and symlinks (of existing components) are resolved; kInvalidArgument
// naming the path otherwise (absolute, empty, escaping). `root` must exist (kNotFound).
Result<std::string> resolve_inside(const std::filesystem::path& root, const std::string& relative);

// Loads each path (relative, already resolved) that exists as a regular file into
// `files`; absent paths are skipped (a block may create them). kIo on read errors.
Status load_files(const std::filesystem::path& root, const std::vector<std::string>& paths, edit::FileSet& files);

// Writes files[path] for every path in `changed` with fs::write_file_atomic. Stops at
// the first kIo error, which names the file.
Status write_files(const std::filesystem::path& root, const std::vector<std::string>& changed,
                   const edit::FileSet& files);

// Parses `message` and applies it to the files under `root`: loads the chat files and
// every existing file a block names (inside root), applies (blocks naming paths outside
// root fail), and writes the changed files. The ApplyResult is the outcome; errors are
// only I/O failures.
Result<edit::ApplyResult> apply_to_directory(const std::filesystem::path& root, std::string_view message,
                                             const std::vector<std::string>& chat_files);

}  // namespace sci::coder
