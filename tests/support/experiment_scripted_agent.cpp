// ScriptedAgent implementation; see experiment_scripted_agent.h.
#include "support/experiment_scripted_agent.h"

#include <fmt/format.h>

#include "base/fs.h"

namespace sci::testing {

void ScriptedAgent::push_edit(std::string reply) {
  ++edits_;
  push({{{"experiment.py", fmt::format("# edit {}\nprint('run')\n", edits_)}}, std::move(reply)});
}

Result<coder::TurnResult> ScriptedAgent::run(const std::string& instruction) {
  instructions_.push_back(instruction);
  if (auto it = errors_at_.find(instructions_.size() - 1); it != errors_at_.end()) return it->second;
  if (steps_.empty())
    return make_error(ErrorCode::kInternal,
                      fmt::format("ScriptedAgent: no step scripted for instruction {}", instructions_.size()));
  AgentStep step = std::move(steps_.front());
  steps_.pop_front();
  coder::TurnResult t;
  t.reply = step.reply;
  for (const auto& [path, content] : step.writes) {
    SCI_TRY(fs::write_file_atomic(root_ / path, content));
    t.changed_files.push_back(path);
    ++t.blocks_applied;
  }
  return t;
}

}  // namespace sci::testing
