// Feedback and summaries for edit results; see report.h. The feedback names the
// block, the file and the real lines, so a model can correct itself in one round.
#include "edit/report.h"

#include <fmt/format.h>

namespace sci::edit {
namespace {

// A fence longer than any backtick run in `text`, so quoted code never closes it early.
std::string fence_for(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string quoted(const std::string& text) {
  std::string f = fence_for(text);
  std::string body = text;
  if (!body.empty() && body.back() != '\n') body += '\n';
  return f + "\n" + body + f + "\n";
}

std::string block_label(const BlockResult& b) {
  return fmt::format("block {} ({})", b.block.number, b.block.file);
}

}  // namespace

std::string format_feedback(const ApplyResult& result) {
  if (result.parse_error) {
    return fmt::format(
        "Your edit message is malformed, so none of its blocks was applied and no file changed.\n\n"
        "{}\n"
        "Each block is: the file path on its own line, an opening fence, \"<<<<<<< SEARCH\", the exact "
        "existing lines, \"=======\", the new lines, \">>>>>>> REPLACE\", a closing fence. Send the whole "
        "message again with every block complete.\n",
        result.parse_error->render());
  }
  int failed = result.count(Outcome::kFailed);
  std::string already;
  for (const auto& b : result.blocks) {
    if (b.outcome == Outcome::kNoop && b.noop == NoopReason::kReplaceAlreadyPresent)
      already += fmt::format(
          "- {}: its SEARCH text is not in the file, but its REPLACE text already is (in {}); nothing "
          "changed. Do not send it again; if the file still needs changing, write a block against its "
          "current content.\n",
          block_label(b), b.target_file);
  }
  if (failed == 0) {
    if (already.empty()) return "";
    return "Some edit blocks changed nothing:\n" + already;
  }
  int total = static_cast<int>(result.blocks.size());
  std::string out = fmt::format("{} of {} edit block{} failed to match and changed nothing.\n", failed, total,
                                total == 1 ? "" : "s");
  for (const auto& b : result.blocks) {
    if (b.outcome != Outcome::kFailed) continue;
    out += fmt::format("\n## {} failed\n{}.\n", block_label(b), b.reason);
    out += "Its SEARCH text was:\n" + quoted(normalise_block_text(b.block.search));
    if (b.similar) {
      out += fmt::format("The most similar lines in {} (line {}) are:\n", b.similar_file, b.similar->first_line);
      out += quoted(b.similar->text);
    } else {
      out += "No similar lines were found; check the file name and the file's current content.\n";
    }
  }
  out += "\nThe SEARCH part must repeat existing lines exactly: every character, space, comment and "
         "indentation.\n";
  if (!already.empty()) out += "\nThese blocks changed nothing:\n" + already;
  int ok = result.count(Outcome::kApplied);
  if (ok > 0)
    out += fmt::format("\nThe other {} block{} applied; do not send {} again.\n", ok, ok == 1 ? " was" : "s were",
                       ok == 1 ? "it" : "them");
  out += "Reply with corrected versions of the failed blocks only.\n";
  return out;
}

std::string format_summary(const ApplyResult& result) {
  std::string out;
  if (result.parse_error)
    out += "malformed message, nothing applied:\n" + result.parse_error->render();
  for (const auto& b : result.blocks) {
    out += fmt::format("block {} {}: {}", b.block.number, b.block.file, outcome_name(b.outcome));
    switch (b.outcome) {
      case Outcome::kApplied:
        out += fmt::format(" ({})", match_method_name(b.method));
        if (b.target_file != normalise_path(b.block.file)) out += fmt::format(" to {}", b.target_file);
        if (b.first_line > 0) out += fmt::format(" at line {}", b.first_line);
        break;
      case Outcome::kNoop:
        out += fmt::format(" ({})", noop_reason_name(b.noop));
        break;
      case Outcome::kFailed:
        out += ": " + b.reason;
        break;
      case Outcome::kNotApplied:
        break;
    }
    out += '\n';
  }
  return out;
}

}  // namespace sci::edit
