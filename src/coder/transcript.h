// transcript.md: every coder turn in Aider-compatible markdown ("#### " user lines,
// "> " tool notes, assistant text raw), so Aider tooling and readers can follow a run.
// Everything written passes through log::redact, so registered secrets never land here.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sci::coder {

class Transcript {
 public:
  explicit Transcript(std::filesystem::path path) : path_(std::move(path)) {}

  // "# scientist chat started at <ISO time>" after a blank line, like Aider's header.
  Status session_header(std::string_view stamp);
  // Each line of `text` prefixed "#### " (blank lines become "####").
  Status user(std::string_view text);
  // `text` as written, followed by a blank line.
  Status assistant(std::string_view text);
  // Each line prefixed "> " (blank lines become ">").
  Status tool(std::string_view text);

  const std::filesystem::path& path() const { return path_; }

  // The markdown each call appends; exposed for golden tests.
  static std::string format_user(std::string_view text);
  static std::string format_assistant(std::string_view text);
  static std::string format_tool(std::string_view text);

 private:
  // Appends by rewriting the whole file with fs::write_file_atomic: a crash leaves the
  // previous transcript, never a torn one.
  Status append(const std::string& markdown);
  std::filesystem::path path_;
};

}  // namespace sci::coder
