// The coder agent: the editing loop every stage uses. It shows the model the edit
// format, the chat files and the conversation, applies SEARCH/REPLACE edits to the
// files under the idea directory, sends failures back (bounded reflections) and
// appends every turn to transcript.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "llm/client.h"

namespace sci::coder {

struct CoderOptions {
  std::string model;
  std::optional<double> temperature;
  int max_output_tokens = 4096;
  int max_reflections = 3;           // failed-edit reports sent back per instruction
  int history_token_budget = 60000;  // older turns are dropped beyond this
  llm::CallTag tag;                  // idea/stage/role; turn is counted by the coder
  std::filesystem::path transcript;  // default: <root>/transcript.md
};

struct TurnResult {
  std::string reply;                       // the last assistant reply (callers look for sentinels)
  std::vector<std::string> changed_files;  // relative paths whose content changed
  int reflections_used = 0;
  int blocks_applied = 0;
  int blocks_failed = 0;                   // still failing after the reflections
  int blocks_noop = 0;
  llm::Usage usage;                        // summed over the turn's calls
  double cost_usd = 0;
};

class Coder {
 public:
  // `root` is the idea directory; chat files are paths relative to it. A chat file
  // outside root (after resolving "..", symlinks) is kInvalidArgument.
  static Result<Coder> create(llm::LlmClient& llm, std::filesystem::path root,
                              std::vector<std::string> chat_files, CoderOptions options);

  // Sends `instruction`, applies the reply's edits, reflects on failures.
  // LLM errors (budget, auth, ...) are returned as errors; edit failures are in TurnResult.
  Result<TurnResult> run(const std::string& instruction);

  Status set_chat_files(std::vector<std::string> chat_files);
  const std::vector<std::string>& chat_files() const { return chat_files_; }
  void set_tag(llm::CallTag tag) { options_.tag = std::move(tag); }

 private:
  Coder(llm::LlmClient& llm, std::filesystem::path root, CoderOptions options)
      : llm_(&llm), root_(std::move(root)), options_(std::move(options)) {}
  // The chat files as the model sees them (path, fence, content), read from disk now.
  Result<std::string> render_files() const;
  // Drops the oldest user/assistant pairs until history_ fits history_token_budget.
  void trim_history();
  llm::LlmClient* llm_;
  std::filesystem::path root_;
  CoderOptions options_;
  std::vector<std::string> chat_files_;
  std::vector<llm::Message> history_;
  bool transcript_started_ = false;
};

// Rough token count of `text` (4 bytes a token), for history budgets and prompt-size logs.
std::int64_t estimate_tokens(std::string_view text);

}  // namespace sci::coder
