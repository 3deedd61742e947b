// FakeProcessRunner implementation; see exec_fake_process_runner.h.
#include "support/exec_fake_process_runner.h"

namespace sci::testing {

void FakeProcessRunner::push_outcome(proc::ExitKind kind, int exit_code, std::string stderr_tail, int signal) {
  FakeProcess p;
  p.outcome.kind = kind;
  p.outcome.exit_code = exit_code;
  p.outcome.signal = signal;
  p.outcome.stderr_tail = std::move(stderr_tail);
  p.outcome.wall_s = 1.5;
  push(std::move(p));
}

Result<proc::ProcessOutcome> FakeProcessRunner::run(const proc::ProcessSpec& spec) {
  specs_.push_back(spec);
  if (scripted_.empty()) return make_error(ErrorCode::kInternal, "FakeProcessRunner: no scripted outcome left");
  FakeProcess p = std::move(scripted_.front());
  scripted_.pop_front();
  if (p.action) p.action(spec);
  return p.outcome;
}

proc::SandboxProbe fake_probe(bool namespaces_work) {
  proc::SandboxProbe probe;
  probe.bwrap = "/usr/bin/bwrap";
  probe.namespaces_work = namespaces_work;
  probe.seccomp_works = namespaces_work;
  probe.host_root = false;  // never chown or switch uid in unit tests
  probe.detail = namespaces_work ? "" : "bwrap: No permissions to create new namespace";
  return probe;
}

}  // namespace sci::testing
