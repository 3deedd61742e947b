// Error signatures for the loop guard: a failed run is reduced to its exception type
// and last traceback frame, hashed, so the stage notices the model repeating a fix
// that keeps hitting the same error.
#pragma once

#include <string>
#include <string_view>

#include "experiment/run_executor.h"

namespace sci::experiment {

struct ErrorSignature {
  std::string exception_type;  // "ValueError"; "" when stderr has no Python traceback
  std::string last_frame;      // "experiment.py in train: x = model(batch)"; "" when none
  std::string hash;            // sha256 hex of the parts above (or of the fallback)
  // "ValueError at experiment.py in train: x = model(batch)" for prompts and logs.
  std::string describe() const;
};

// Builds the signature of one failed attempt. With a Python traceback in `stderr_text`
// it uses the last exception line's type and the last "File ..., in func" frame (file
// base name, function and source line, not the line number, which moves with edits).
// Without one it falls back to the status plus the last non-empty stderr line with
// digits blanked out, so "timed out" or "Killed" repeat as the same signature.
ErrorSignature error_signature(RunStatus status, std::string_view stderr_text);

}  // namespace sci::experiment
