// Bounded file reads for the parsers of files a user or an experiment can write
// (template.toml, config files, .bib libraries): the size is checked before the text
// reaches a parser, and FIFOs or devices never block or stream without end.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "base/result.h"

namespace sci::fs {

// Reads `path` (a regular file; symlinks to one are followed) when it holds at most
// `max_bytes`. `what` names the file's role in messages ("template.toml", "config file").
// Errors: kNotFound when it does not exist; kInvalidArgument when it is not a regular
// file or is larger than `max_bytes` (the message names the file, its size and the
// limit); kIo otherwise. Never reads more than max_bytes + 1 bytes.
Result<std::string> read_file_bounded(const std::filesystem::path& path, std::size_t max_bytes,
                                      const std::string& what);

// "1 MiB", "64 KiB", "1500 bytes": a byte count for messages.
std::string format_bytes(std::size_t bytes);

}  // namespace sci::fs
