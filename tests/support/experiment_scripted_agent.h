// ScriptedAgent: an EditAgent fake for experiment tests that does not need a model.
// Each turn pops a step: files to overwrite (relative path -> content) and the reply
// text. Instructions are recorded so tests can assert on what the model was shown.
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "experiment/agent.h"

namespace sci::testing {

struct AgentStep {
  std::map<std::string, std::string> writes;  // relative path -> new content
  std::string reply;
};

class ScriptedAgent final : public experiment::EditAgent {
 public:
  explicit ScriptedAgent(std::filesystem::path root) : root_(std::move(root)) {}
  void push(AgentStep step) { steps_.push_back(std::move(step)); }
  // A turn that rewrites experiment.py with a fresh marker (so the code hash changes).
  void push_edit(std::string reply = "edited");
  // A turn that changes nothing.
  void push_reply(std::string reply) { push({{}, std::move(reply)}); }
  // The turn after every step pushed so far returns `error` (e.g. kBudgetExceeded).
  void push_error(Error error) { errors_at_.emplace(steps_.size() + instructions_.size(), std::move(error)); }

  Result<coder::TurnResult> run(const std::string& instruction) override;
  Status set_chat_files(std::vector<std::string> files) override {
    chat_files_ = std::move(files);
    return ok_status();
  }
  void set_stage(const std::string& stage) override { stages_.push_back(stage); }

  const std::vector<std::string>& instructions() const { return instructions_; }
  const std::vector<std::string>& chat_files() const { return chat_files_; }
  const std::vector<std::string>& stages() const { return stages_; }
  size_t remaining() const { return steps_.size(); }

 private:
  std::filesystem::path root_;
  std::deque<AgentStep> steps_;
  std::vector<std::string> instructions_;
  std::vector<std::string> chat_files_;
  std::vector<std::string> stages_;
  std::map<size_t, Error> errors_at_;  // instruction index (0-based) -> error
  int edits_ = 0;
};

}  // namespace sci::testing
