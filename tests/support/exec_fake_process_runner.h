// FakeProcessRunner: a ProcessRunner for tests of outcome handling. Records every spec
// and returns scripted outcomes; an optional action runs "during" the process (e.g. to
// modify a protected file or write final_info.json as a real experiment would).
#pragma once

#include <deque>
#include <functional>
#include <vector>

#include "proc/process_runner.h"
#include "proc/sandbox.h"

namespace sci::testing {

struct FakeProcess {
  proc::ProcessOutcome outcome;
  std::function<void(const proc::ProcessSpec&)> action;  // may be empty
};

class FakeProcessRunner final : public proc::ProcessRunner {
 public:
  void push(FakeProcess p) { scripted_.push_back(std::move(p)); }
  void push_outcome(proc::ExitKind kind, int exit_code = 0, std::string stderr_tail = {}, int signal = 0);
  Result<proc::ProcessOutcome> run(const proc::ProcessSpec& spec) override;
  const std::vector<proc::ProcessSpec>& specs() const { return specs_; }

 private:
  std::deque<FakeProcess> scripted_;
  std::vector<proc::ProcessSpec> specs_;
};

// A probe result for a machine where bwrap namespaces work (or not), as a non-root user.
proc::SandboxProbe fake_probe(bool namespaces_work);

}  // namespace sci::testing
