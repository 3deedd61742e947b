// The coder loop; see coder.h. Request layout, stable part first so providers can
// cache it: system prompt (edit format), the chat files (marked as the cache
// breakpoint) with a short acknowledgement, then the trimmed conversation, then the
// new instruction or the failure report.
#include "coder/coder.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/log.h"
#include "base/time.h"
#include "coder/transcript.h"
#include "coder/workspace.h"
#include "edit/report.h"
#include "prompts/prompts.h"

namespace sci::coder {

namespace stdfs = std::filesystem;

namespace {

std::string fence_for(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string language_of(const std::string& path) {
  std::string ext = stdfs::path(path).extension().string();
  if (ext == ".py") return "python";
  if (ext == ".tex" || ext == ".bib") return "latex";
  if (ext == ".json") return "json";
  if (ext == ".sh") return "bash";
  if (ext == ".md") return "markdown";
  return "";
}

// Aider-style notes for the transcript: which files an edit reached, per-block lines.
std::string apply_note(const edit::ApplyResult& r) {
  std::string out;
  for (const auto& f : r.changed_files) out += "Applied edit to " + f + "\n";
  out += edit::format_summary(r);
  return out;
}

int still_failing(const edit::ApplyResult& r) {
  if (r.parse_error) return std::max<int>(1, static_cast<int>(r.blocks.size()));
  return r.count(edit::Outcome::kFailed);
}

}  // namespace

std::int64_t estimate_tokens(std::string_view text) { return static_cast<std::int64_t>((text.size() + 3) / 4); }

Result<Coder> Coder::create(llm::LlmClient& llm, stdfs::path root, std::vector<std::string> chat_files,
                            CoderOptions options) {
  std::error_code ec;
  if (!stdfs::is_directory(root, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("idea directory {} does not exist", root.string()),
                      "starting the coder");
  if (options.transcript.empty()) options.transcript = root / "transcript.md";
  if (options.max_reflections < 0) options.max_reflections = 0;
  Coder coder(llm, std::move(root), std::move(options));
  SCI_TRY(coder.set_chat_files(std::move(chat_files)));
  return coder;
}

Status Coder::set_chat_files(std::vector<std::string> chat_files) {
  std::vector<std::string> resolved;
  for (const auto& f : chat_files) {
    auto r = resolve_inside(root_, f);
    if (!r.ok()) return r.error().with_context("chat file");
    if (std::find(resolved.begin(), resolved.end(), *r) == resolved.end()) resolved.push_back(*r);
  }
  chat_files_ = std::move(resolved);
  return ok_status();
}

Result<std::string> Coder::render_files() const {
  std::string out;
  for (const auto& f : chat_files_) {
    std::error_code ec;
    if (!stdfs::is_regular_file(root_ / f, ec)) {
      out += fmt::format("{}\n(this file does not exist yet; create it with a block whose SEARCH part is empty)\n\n",
                         f);
      continue;
    }
    SCI_ASSIGN_OR_RETURN(std::string content, fs::read_file_beneath(root_, f, fs::kMaxSourceFileBytes));
    if (!content.empty() && content.back() != '\n') content += '\n';
    std::string fence = fence_for(content);
    out += fmt::format("{}\n{}{}\n{}{}\n\n", f, fence, language_of(f), content, fence);
  }
  return out;
}

void Coder::trim_history() {
  auto total = [&] {
    std::int64_t n = 0;
    for (const auto& m : history_) n += estimate_tokens(m.text);
    return n;
  };
  // Pairs keep the user/assistant alternation providers require.
  while (history_.size() >= 2 && total() > options_.history_token_budget)
    history_.erase(history_.begin(), history_.begin() + 2);
}

Result<TurnResult> Coder::run(const std::string& instruction) {
  Transcript transcript(options_.transcript);
  if (!transcript_started_) {
    SCI_TRY(transcript.session_header(time::now_iso8601()));
    transcript_started_ = true;
  }
  SCI_TRY(transcript.user(instruction));
  SCI_ASSIGN_OR_RETURN(std::string system, prompts::render("coder/system", {}));
  SCI_ASSIGN_OR_RETURN(std::string ack, prompts::render("coder/files_ack", {}));

  TurnResult out;
  std::string user_text = instruction;
  for (int attempt = 0;; ++attempt) {
    trim_history();
    SCI_ASSIGN_OR_RETURN(std::string files_text, render_files());
    SCI_ASSIGN_OR_RETURN(std::string files_msg, prompts::render("coder/files", {{"files", files_text}}));

    llm::ChatRequest request;
    request.model = options_.model;
    request.system = system;
    request.temperature = options_.temperature;
    request.max_output_tokens = options_.max_output_tokens;
    request.messages.push_back({llm::Role::kUser, files_msg, true});
    request.messages.push_back({llm::Role::kAssistant, ack, false});
    for (const auto& m : history_) request.messages.push_back(m);
    request.messages.push_back({llm::Role::kUser, user_text, false});
    ++options_.tag.turn;
    request.tag = options_.tag;

    const std::int64_t prefix_tokens = estimate_tokens(system) + estimate_tokens(files_msg) + estimate_tokens(ack);
    auto response = llm_->chat(request);
    if (!response.ok()) {
      (void)transcript.tool("LLM call failed: " + response.error().to_string());
      return response.error().with_context("coder");
    }
    const llm::ChatResponse& reply = *response;
    out.usage.input_tokens += reply.usage.input_tokens;
    out.usage.output_tokens += reply.usage.output_tokens;
    out.usage.cached_input_tokens += reply.usage.cached_input_tokens;
    out.usage.cache_write_tokens += reply.usage.cache_write_tokens;
    out.cost_usd += reply.cost_usd;
    out.reply = reply.text;
    log::info("coder turn {}: {} input tokens ({} cached; stable prefix ~{}), {} output tokens", options_.tag.turn,
              reply.usage.input_tokens, reply.usage.cached_input_tokens, prefix_tokens, reply.usage.output_tokens);

    history_.push_back({llm::Role::kUser, user_text, false});
    history_.push_back({llm::Role::kAssistant, reply.text, false});
    SCI_TRY(transcript.assistant(reply.text));

    SCI_ASSIGN_OR_RETURN(edit::ApplyResult applied, apply_to_directory(root_, reply.text, chat_files_));
    out.blocks_applied += applied.count(edit::Outcome::kApplied);
    out.blocks_noop += applied.count(edit::Outcome::kNoop);
    for (const auto& f : applied.changed_files)
      if (std::find(out.changed_files.begin(), out.changed_files.end(), f) == out.changed_files.end())
        out.changed_files.push_back(f);

    std::string note = apply_note(applied);
    note += fmt::format("Tokens: {} sent ({} cached), {} received. Cost: ${:.4f} message.", reply.usage.input_tokens,
                        reply.usage.cached_input_tokens, reply.usage.output_tokens, reply.cost_usd);
    SCI_TRY(transcript.tool(note));

    std::string feedback = edit::format_feedback(applied);
    if (!applied.any_failed()) {
      // Only reported no-ops are left (REPLACE already present): worth recording, not
      // worth a reflection, because nothing is left to fix.
      if (!feedback.empty()) SCI_TRY(transcript.tool(feedback));
      out.blocks_failed = 0;
      break;
    }
    if (attempt >= options_.max_reflections) {
      out.blocks_failed = still_failing(applied);
      SCI_TRY(transcript.tool(feedback + fmt::format("Only {} reflections allowed, stopping.",
                                                     options_.max_reflections)));
      log::warn("coder: {} edit block(s) still failing after {} reflections", out.blocks_failed,
                options_.max_reflections);
      break;
    }
    ++out.reflections_used;
    SCI_TRY(transcript.tool(feedback));
    user_text = feedback;
  }
  return out;
}

}  // namespace sci::coder
