// `scientist edit apply --root DIR --chat-file F ... --response FILE [--json]`: applies
// one model message to the files under DIR and prints each block's outcome, so people
// and tests can replay a reply without a model.
#include <cstdio>
#include <iostream>
#include <iterator>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "cli/commands.h"
#include "coder/workspace.h"
#include "edit/report.h"

namespace sci::cli {
namespace {

nlohmann::json block_json(const edit::BlockResult& b) {
  nlohmann::json j = {{"block", b.block.number},
                      {"file", b.block.file},
                      {"outcome", edit::outcome_name(b.outcome)},
                      {"method", edit::match_method_name(b.method)},
                      {"target_file", b.target_file},
                      {"line", b.first_line}};
  if (b.outcome == edit::Outcome::kNoop) j["noop_reason"] = edit::noop_reason_name(b.noop);
  if (b.outcome == edit::Outcome::kFailed) {
    j["reason"] = b.reason;
    if (b.similar)
      j["similar"] = {{"file", b.similar_file}, {"line", b.similar->first_line}, {"text", b.similar->text}};
  }
  return j;
}

}  // namespace

int cmd_edit_apply(Context& /*ctx*/, std::vector<std::string> args) {
  CLI::App app("Apply one model message (SEARCH/REPLACE blocks) to files and report each block", "edit apply");
  std::string root, response;
  std::vector<std::string> chat_files;
  bool json = false;
  app.add_option("--root", root, "directory the file paths are relative to")->required();
  app.add_option("--chat-file", chat_files, "a file in the chat, relative to --root (repeatable; order matters)");
  app.add_option("--response", response, "file holding the model's message ('-' reads stdin)")->required();
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  std::string message;
  if (response == "-") {
    message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = fs::read_file(response);
    if (!text.ok()) return report_error(text.error().with_context("reading --response"));
    message = std::move(*text);
  }
  std::vector<std::string> resolved;
  for (const auto& f : chat_files) {
    auto r = coder::resolve_inside(root, f);
    if (!r.ok()) return report_error(r.error().with_context("--chat-file"));
    resolved.push_back(*r);
  }
  auto applied = coder::apply_to_directory(root, message, resolved);
  if (!applied.ok()) return report_error(applied.error());
  const edit::ApplyResult& result = *applied;

  if (json) {
    nlohmann::json out = {{"blocks", nlohmann::json::array()}, {"changed_files", result.changed_files}};
    out["parse_error"] = nullptr;
    if (result.parse_error) {
      const auto& e = *result.parse_error;
      out["parse_error"] = {{"file", e.file},       {"block", e.block_number}, {"line", e.line},
                            {"column", e.column},   {"message", e.message},    {"rendered", e.render()}};
    }
    for (const auto& b : result.blocks) out["blocks"].push_back(block_json(b));
    out["counts"] = {{"applied", result.count(edit::Outcome::kApplied)},
                     {"failed", result.count(edit::Outcome::kFailed)},
                     {"noop", result.count(edit::Outcome::kNoop)},
                     {"not_applied", result.count(edit::Outcome::kNotApplied)}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::string summary = edit::format_summary(result);
    if (summary.empty()) summary = "no edit blocks in the message\n";
    std::fputs(summary.c_str(), stdout);
    std::string feedback = edit::format_feedback(result);
    if (!feedback.empty()) std::printf("\n%s", feedback.c_str());
  }
  return result.any_failed() ? kExitFailure : kExitOk;
}

}  // namespace sci::cli
