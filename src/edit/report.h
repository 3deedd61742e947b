// Turning an ApplyResult into text: the feedback sent back to the model (what failed,
// the real lines it should have matched, what to resend) and a one-line-per-block
// summary for people, the CLI and transcripts.
#pragma once

#include <string>

#include "edit/applier.h"

namespace sci::edit {

// The report for the model after a message: the parse error with its caret, or each
// failed block with its SEARCH text and the most similar real lines, plus no-ops whose
// REPLACE text was already present. Empty when every block applied (or was an
// intended no-op): nothing needs fixing.
std::string format_feedback(const ApplyResult& result);

// One line per block: "block 2 experiment.py: applied (indent_offset) at line 40",
// plus the parse error when malformed. For tool notes and the CLI.
std::string format_summary(const ApplyResult& result);

}  // namespace sci::edit
