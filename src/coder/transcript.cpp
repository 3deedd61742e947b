// Transcript writer; see transcript.h. The prefixes are Aider's chat-history format:
// readers of .aider.chat.history.md files read these unchanged.
#include "coder/transcript.h"

#include <system_error>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/strings.h"

namespace sci::coder {
namespace {

std::string prefixed(std::string_view text, std::string_view prefix) {
  std::string out;
  auto lines = str::split_lines(text);
  if (lines.empty()) lines.push_back("");
  for (const auto& l : lines) {
    std::string line = l;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      out += str::trim(prefix);
    } else {
      out += prefix;
      out += line;
    }
    out += '\n';
  }
  return out;
}

}  // namespace

std::string Transcript::format_user(std::string_view text) { return prefixed(text, "#### ") + "\n"; }

std::string Transcript::format_assistant(std::string_view text) {
  std::string out(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out + "\n\n";
}

std::string Transcript::format_tool(std::string_view text) { return prefixed(text, "> ") + "\n"; }

Status Transcript::session_header(std::string_view stamp) {
  return append("\n# scientist chat started at " + std::string(stamp) + "\n\n");
}
Status Transcript::user(std::string_view text) { return append(format_user(text)); }
Status Transcript::assistant(std::string_view text) { return append(format_assistant(text)); }
Status Transcript::tool(std::string_view text) { return append(format_tool(text)); }

Status Transcript::append(const std::string& markdown) {
  // The run may have replaced transcript.md with a link to a host file: it is never
  // followed (the rename below replaces the link itself), and a huge file is not read.
  std::string content;
  auto existing = fs::read_file_beneath(path_.has_parent_path() ? path_.parent_path() : ".", path_.filename(),
                                        fs::kMaxResultFileBytes * 4);
  if (existing.ok()) content = std::move(*existing);
  else if (existing.error().code != ErrorCode::kNotFound)
    content = "\n> (the earlier transcript was not kept: " + existing.error().message + ")\n";
  content += log::redact(markdown);
  return fs::write_file_atomic(path_, content);
}

}  // namespace sci::coder
