// EditAgent: the seam between the experiment stages and the coder. Stages send an
// instruction and read the reply; CoderAgent forwards to coder::Coder, tests script
// replies and file edits with a fake.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "coder/coder.h"

namespace sci::experiment {

class EditAgent {
 public:
  virtual ~EditAgent() = default;
  // One instruction: the model replies and its edits are applied to the idea directory.
  // Errors are LLM errors (budget, auth, ...) that end the stage.
  virtual Result<coder::TurnResult> run(const std::string& instruction) = 0;
  // Which files (relative to the idea directory) the model sees and may edit.
  virtual Status set_chat_files(std::vector<std::string> files) = 0;
  // Labels later calls for cost accounting ("experiment", "plot", "notes").
  virtual void set_stage(const std::string& stage) = 0;
};

// Forwards to a coder::Coder owned by the caller (which must outlive the agent).
class CoderAgent final : public EditAgent {
 public:
  // `tag` carries the idea name and role; set_stage() changes its stage.
  CoderAgent(coder::Coder& coder, llm::CallTag tag) : coder_(&coder), tag_(std::move(tag)) {}
  Result<coder::TurnResult> run(const std::string& instruction) override { return coder_->run(instruction); }
  Status set_chat_files(std::vector<std::string> files) override {
    return coder_->set_chat_files(std::move(files));
  }
  void set_stage(const std::string& stage) override {
    tag_.stage = stage;
    coder_->set_tag(tag_);
  }

 private:
  coder::Coder* coder_;
  llm::CallTag tag_;
};

}  // namespace sci::experiment
