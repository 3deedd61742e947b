// Applying a model's edit message to an in-memory set of files: blocks run in order,
// each sees the result of the ones before, a failed block neither stops nor undoes
// the others, and a malformed message applies nothing. Every block gets an outcome.
// Pure: the caller loads and writes files (see coder/workspace.h).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edit/matcher.h"
#include "edit/parser.h"

namespace sci::edit {

// Relative '/'-separated path -> content. A path that is absent does not exist.
using FileSet = std::map<std::string, std::string>;

enum class Outcome {
  kApplied,     // the file changed
  kFailed,      // SEARCH was found nowhere; nothing changed
  kNoop,        // nothing changed, on purpose or because the edit was already made
  kNotApplied,  // the message was malformed, so none of its blocks ran
};
const char* outcome_name(Outcome outcome);  // "applied", "failed", "noop", "not_applied"

enum class NoopReason {
  kNone,
  kSearchEqualsReplace,    // SEARCH matched and REPLACE is the same text
  kReplaceAlreadyPresent,  // SEARCH matched nowhere but the REPLACE text is already there
};
const char* noop_reason_name(NoopReason reason);

struct BlockResult {
  EditBlock block;                 // as parsed (block.file is the file it names)
  Outcome outcome = Outcome::kNotApplied;
  MatchMethod method = MatchMethod::kNone;
  NoopReason noop = NoopReason::kNone;
  std::string target_file;         // the file edited or found; may differ from block.file (other-file fallback)
  int first_line = 0;              // 1-based line where SEARCH matched (applied/noop)
  std::string reason;              // failed: one sentence on why
  std::string similar_file;        // failed: where the most similar lines are
  std::optional<SimilarLines> similar;
};

struct ApplyResult {
  std::optional<ParseError> parse_error;  // set: nothing was applied
  std::vector<BlockResult> blocks;
  std::vector<std::string> changed_files;  // in order of first change, each once
  int count(Outcome outcome) const;
  bool any_failed() const { return parse_error.has_value() || count(Outcome::kFailed) > 0; }
};

struct ApplyOptions {
  // The files in the chat, in order; a block whose SEARCH is not in its named file is
  // tried on these (A4). Blocks may still name and create other files.
  std::vector<std::string> chat_files;
  // Optional gate on file names: a block naming a file for which this returns false
  // fails with "outside the project" (callers refuse paths that escape the root).
  std::function<bool(const std::string& path)> allow_file;
  // Accept "<new file>\n```\n<body>\n```" for files that do not exist yet.
  bool whole_file_for_new_files = true;
};

// Parses `message` and applies its blocks to `files` in order. Never fails: every
// problem is a block outcome or the parse error.
ApplyResult apply_message(std::string_view message, FileSet& files, const ApplyOptions& options);

// Applies an already parsed message (a parse error means: apply nothing). For callers
// that parse first to learn which files to load (coder: files named by blocks).
ApplyResult apply_parsed(ParseResult parsed, FileSet& files, const ApplyOptions& options);

// Applies one parsed block (A1-A5) to `files`.
BlockResult apply_block(const EditBlock& block, FileSet& files, const ApplyOptions& options);

// Lexically normalised relative path ("./a//b" -> "a/b"); "" when the path is empty,
// absolute, or climbs above the root with "..".
std::string normalise_path(std::string_view path);

}  // namespace sci::edit
