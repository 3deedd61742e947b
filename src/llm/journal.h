// The run's call journal: every finished LLM call of a batch is appended to
// <batch>/llm_journal.jsonl (cassette format), and a resumed run answers a call whose
// tag and request are identical to a journalled one from the journal instead of paying
// the provider again. Stages restore their files to the state of their first call on
// resume (pipeline/module_stage_driver.cpp), so the replayed replies apply as before.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "llm/cassette.h"
#include "llm/client.h"

namespace sci::llm {

class CallJournal {
 public:
  // Loads the existing journal at `path` (absent = empty). A torn last line (a crash
  // mid-append) is ignored with a warning and cut off the file, so the next append
  // starts a fresh line; any other malformed line is kParse.
  static Result<std::shared_ptr<CallJournal>> open(const std::filesystem::path& path);
  // Writes what could not be appended (a full disk): see append().
  ~CallJournal();

  // The first unused journalled reply with the same tag and request fingerprint.
  std::optional<ChatResponse> take(const ChatRequest& request);
  // Appends a finished call (fsync'd line). kIo names the journal. A line that does not
  // fit (disk full) leaves no torn bytes behind; it is kept in memory and written before
  // the next append or when the journal is destroyed (after the batch gave up its space
  // reserve), so a paid call is not paid again on resume.
  Status append(const ChatRequest& request, const ChatResponse& response);
  size_t replayed() const;
  // The highest turn journalled for (idea, stage, role); 0 when none. A stage resumed
  // mid-way numbers its next turns after it.
  int last_turn(const std::string& idea, const std::string& stage, const std::string& role) const;
  // How many distinct turns are journalled for (idea, stage, role).
  int turns(const std::string& idea, const std::string& stage, const std::string& role) const;

 private:
  std::filesystem::path path_;
  mutable std::mutex mu_;
  std::vector<CassetteEntry> entries_;
  std::vector<bool> used_;
  size_t replayed_ = 0;
  std::string pending_;  // lines not yet written (the disk was full)
  int write_pending_locked();
};

// Answers from the journal when it can (cost 0: the call was paid before), else calls
// `inner` and journals the reply.
class JournalClient final : public LlmClient {
 public:
  JournalClient(std::shared_ptr<LlmClient> inner, std::shared_ptr<CallJournal> journal)
      : inner_(std::move(inner)), journal_(std::move(journal)) {}
  Result<ChatResponse> chat(const ChatRequest& request) override;

 private:
  std::shared_ptr<LlmClient> inner_;
  std::shared_ptr<CallJournal> journal_;
};

}  // namespace sci::llm
