// Names and formatting for Error; see result.h.
#include "base/result.h"

namespace sci {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kParse: return "parse";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kAuth: return "auth";
    case ErrorCode::kBudgetExceeded: return "budget_exceeded";
    case ErrorCode::kExternalTool: return "external_tool";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::to_string() const {
  if (context.empty()) return message;
  return context + ": " + message;
}

Error Error::with_context(const std::string& outer) const {
  Error copy = *this;
  copy.context = context.empty() ? outer : outer + ": " + context;
  return copy;
}

}  // namespace sci
