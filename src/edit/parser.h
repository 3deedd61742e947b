// Parsing an LLM message into SEARCH/REPLACE edit blocks (Aider's "diff" format):
// filename line, optional fence with any language tag, <<<<<<< SEARCH / ======= /
// >>>>>>> REPLACE markers, prose between blocks. Pure: no I/O.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sci::edit {

enum class BlockKind {
  kSearchReplace,  // <<<<<<< SEARCH ... ======= ... >>>>>>> REPLACE
  kWholeFile,      // a filename line and a fenced body for a new, small file
};

struct EditBlock {
  BlockKind kind = BlockKind::kSearchReplace;
  int number = 0;            // 1-based position in the message
  std::string file;          // the named file (after inheritance, decoration removed)
  bool file_inherited = false;  // no filename line: the previous block's file
  std::string search;        // SEARCH lines, each with its '\n' (raw, before normalisation)
  std::string replace;       // REPLACE lines (or the whole-file body)
  int line = 0;              // 1-based line of the SEARCH marker (or of the filename line)
};

// Where and why a message is malformed. render() gives a multi-line report with the
// offending line and a caret under the column.
struct ParseError {
  std::string file;        // the file of the block being parsed ("" if unknown)
  int block_number = 0;    // 1-based block being parsed when the error was found
  int line = 0;            // 1-based line in the message
  int column = 1;          // 1-based column for the caret
  std::string line_text;   // the offending line
  std::string message;     // one sentence: what was expected and what was found
  std::string render() const;
};

struct ParseResult {
  std::vector<EditBlock> blocks;     // complete blocks (for a malformed message: those before the error)
  std::optional<ParseError> error;   // set when the message is malformed: apply none of it
};

// Whole-file blocks: a filename line directly above a fence with no markers inside,
// for a file that does not exist yet and at most kWholeFileMaxLines lines long.
inline constexpr int kWholeFileMaxLines = 200;

struct ParseOptions {
  // Called with a candidate path of a whole-file block; the block is emitted only
  // when it returns false (the file does not exist yet). Empty: whole-file blocks off.
  std::function<bool(const std::string& path)> file_exists;
};

// Splits `message` into blocks. Never fails; a malformed message has `error` set
// (unterminated block, marker out of order, first block without a filename).
ParseResult parse_message(std::string_view message, const ParseOptions& options = {});

// P4: trims whitespace and decoration (backticks, '*', a leading '#', a trailing ':',
// "\_" -> "_") from a filename line. Returns "" if nothing is left.
std::string clean_filename(std::string_view line);

// P1: marker recognition (no leading whitespace, trailing whitespace allowed).
enum class Marker { kNone, kSearch, kDivider, kReplace };
Marker marker_of(std::string_view line);

}  // namespace sci::edit
