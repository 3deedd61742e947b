// run_capture: run a short helper command (e.g. `pdflatex --version`, `python3 -c
// "import torch"`) and capture its output. For probes only, not for LLM-written code:
// that goes through ProcessRunner and the sandbox.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::proc {

struct CaptureResult {
  int exit_code = -1;     // -1 when killed by a signal or the timeout
  bool timed_out = false;
  std::string output;     // stdout and stderr interleaved, capped at 1 MiB
};

// Runs argv (PATH lookup) with stdin closed in its own process group, killing the
// group after `timeout`. kNotFound when the program does not exist.
Result<CaptureResult> run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace sci::proc
