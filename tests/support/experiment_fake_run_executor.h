// FakeRunExecutor: a RunExecutor for experiment tests. Each call pops the next scripted
// outcome; a success writes run_<i>/final_info.json into the idea directory (as the real
// executor leaves it) and returns the parsed results. Every request is recorded.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "experiment/run_executor.h"

namespace sci::testing {

struct FakeRunOutcome {
  experiment::RunStatus status = experiment::RunStatus::kSucceeded;
  std::string final_info_json;  // kSucceeded: written to run_<i>/final_info.json
  std::string stderr_tail;      // failures
  int exit_code = 0;
  std::string message;
  double wall_s = 1.0;
};

class FakeRunExecutor final : public experiment::RunExecutor {
 public:
  void push(FakeRunOutcome outcome) { outcomes_.push_back(std::move(outcome)); }
  void push_success(std::string final_info_json) {
    push({experiment::RunStatus::kSucceeded, std::move(final_info_json), "", 0, "", 1.0});
  }
  void push_failure(std::string stderr_tail, experiment::RunStatus status = experiment::RunStatus::kFailed) {
    push({status, "", std::move(stderr_tail), 1, "", 1.0});
  }

  Result<experiment::RunResult> run(const templates::Manifest& manifest,
                                    const experiment::RunRequest& request) override;

  const std::vector<experiment::RunRequest>& requests() const { return requests_; }
  size_t remaining() const { return outcomes_.size(); }

 private:
  std::deque<FakeRunOutcome> outcomes_;
  std::vector<experiment::RunRequest> requests_;
};

// "Traceback ... File "experiment.py", line N, in FUNC\n    CODE\nTYPE: MESSAGE" for tests.
std::string python_traceback(const std::string& type, const std::string& message, const std::string& func = "main",
                             const std::string& code = "x = f()", int line = 10);

}  // namespace sci::testing
