// FakeRunExecutor implementation; see experiment_fake_run_executor.h.
#include "support/experiment_fake_run_executor.h"

#include <fmt/format.h>

#include "base/fs.h"

namespace sci::testing {

Result<experiment::RunResult> FakeRunExecutor::run(const templates::Manifest&, const experiment::RunRequest& request) {
  requests_.push_back(request);
  if (outcomes_.empty())
    return make_error(ErrorCode::kInternal, fmt::format("FakeRunExecutor: no outcome scripted for run {} attempt {}",
                                                        request.run_index, request.attempt));
  FakeRunOutcome o = std::move(outcomes_.front());
  outcomes_.pop_front();
  experiment::RunResult r;
  r.status = o.status;
  r.exit_code = o.exit_code;
  r.stderr_tail = o.stderr_tail;
  r.wall_s = o.wall_s;
  r.sandbox_level = "fake";
  if (o.status == experiment::RunStatus::kSucceeded) {
    r.run_dir = request.idea_dir / fmt::format("run_{}", request.run_index);
    SCI_TRY(fs::write_file_atomic(r.run_dir / "final_info.json", o.final_info_json));
    SCI_ASSIGN_OR_RETURN(r.results, templates::parse_final_info(o.final_info_json, "fake final_info.json"));
    r.message = "succeeded";
  } else {
    r.run_dir = request.idea_dir / "attempts" / fmt::format("run_{}.{}", request.run_index, request.attempt);
    r.message = o.message.empty() ? (o.status == experiment::RunStatus::kTimedOut
                                         ? fmt::format("timed out after {} s", request.timeout_s)
                                         : fmt::format("exited with code {}", o.exit_code))
                                  : o.message;
  }
  return r;
}

std::string python_traceback(const std::string& type, const std::string& message, const std::string& func,
                             const std::string& code, int line) {
  return fmt::format(
      "Traceback (most recent call last):\n"
      "  File \"/idea/experiment.py\", line 200, in <module>\n"
      "    main()\n"
      "  File \"/idea/experiment.py\", line {}, in {}\n"
      "    {}\n"
      "{}: {}\n",
      line, func, code, type, message);
}

}  // namespace sci::testing
