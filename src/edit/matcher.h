// Finding a SEARCH text in one file's content and replacing it (README §3, A1 and
// A3): exact line-aligned first match, then a uniform leading-whitespace offset, then
// without a spurious leading blank line. Also the "most similar lines" search used to
// tell a model what the file really contains. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sci::edit {

enum class MatchMethod {
  kNone,
  kExact,                // A3.1: whole consecutive lines, first occurrence
  kIndentOffset,         // A3.2: uniform leading-whitespace offset, replacement re-indented
  kLeadingBlankDropped,  // A3.3: SEARCH started with a spurious blank line
  kCreated,              // A2: empty SEARCH, the file did not exist
  kAppended,             // A2: empty SEARCH, REPLACE appended to the file
  kWholeFile,            // a new small file written from a fenced body
};

// Stable lower-case name ("exact", "indent_offset", ...), used in JSON reports.
const char* match_method_name(MatchMethod method);

// A1: drops one trailing empty line ("...\n\n" -> "...\n"); nothing else.
std::string normalise_block_text(std::string_view text);

// True when `text` is empty or only whitespace (A2's "blank SEARCH").
bool is_blank_text(std::string_view text);

struct Replacement {
  MatchMethod method = MatchMethod::kNone;
  std::string content;  // the whole new file content
  int first_line = 0;   // 1-based first line of the matched run in the old content
  int line_count = 0;   // lines matched
};

// Replaces the first match of `search` in `content` by `replace` (both already
// normalised with A1; `search` not blank). Returns nullopt when no method matches.
// A content without a final '\n' is treated as if it had one (the result keeps it).
std::optional<Replacement> replace_first(std::string_view content, std::string_view search,
                                         std::string_view replace);

// True when `text` (not blank) occurs in `content` by A3's methods 1-2 (line-aligned,
// exact or uniformly re-indented); used for "the REPLACE text is already there".
bool contains_lines(std::string_view content, std::string_view text);

struct SimilarLines {
  int first_line = 0;  // 1-based
  std::string text;    // the lines, each with '\n'
  double score = 0;    // 0..1, mean per-line word overlap
};

// The run of lines of `content` (as long as `search`) most similar to `search`, by
// per-line word overlap; nullopt when nothing scores at least `min_score`.
std::optional<SimilarLines> most_similar_lines(std::string_view content, std::string_view search,
                                               double min_score = 0.3);

}  // namespace sci::edit
