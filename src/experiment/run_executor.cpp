// Names of run outcomes, as they appear in state files, events and model feedback.
#include "experiment/run_executor.h"

namespace sci::experiment {

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::kSucceeded: return "succeeded";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kTimedOut: return "timed_out";
    case RunStatus::kOutputLimit: return "output_limit";
    case RunStatus::kQuotaExceeded: return "quota_exceeded";
    case RunStatus::kTampered: return "tampered";
    case RunStatus::kBadResults: return "bad_results";
    case RunStatus::kCudaOom: return "cuda_oom";
  }
  return "unknown";
}

}  // namespace sci::experiment
