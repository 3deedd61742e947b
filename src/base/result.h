// Result<T> and Error: how every function in scientist reports failure (no exceptions).
// ErrorCode is a closed set callers branch on; SCI_TRY propagates an error in one line.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sci {

enum class ErrorCode {
  kInvalidArgument,  // bad input from a user, config, template or LLM
  kNotFound,
  kIo,
  kParse,
  kTimeout,
  kCancelled,
  kRateLimited,
  kUnavailable,
  kAuth,
  kBudgetExceeded,
  kExternalTool,  // a required external program failed or is missing
  kInternal,
};

// Stable lower-case name, e.g. "invalid_argument"; used in JSON output and logs.
const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // one line, names the object and the fix
  std::string context;  // optional: where it happened ("reading template.toml")

  // "context: message" (or just message); what the CLI prints.
  std::string to_string() const;
  // Returns a copy with `outer` prepended to the context.
  Error with_context(const std::string& outer) const;
};

inline Error make_error(ErrorCode code, std::string message, std::string context = {}) {
  return Error{code, std::move(message), std::move(context)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(data_); }
  T value_or(T fallback) const { return ok() ? std::get<0>(data_) : std::move(fallback); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

}  // namespace sci

#define SCI_CONCAT_INNER(a, b) a##b
#define SCI_CONCAT(a, b) SCI_CONCAT_INNER(a, b)

// SCI_TRY(expr): if the Result/Status `expr` failed, return its error from the caller.
#define SCI_TRY(expr)                                       \
  do {                                                      \
    auto&& sci_try_result_ = (expr);                        \
    if (!sci_try_result_.ok()) return sci_try_result_.error(); \
  } while (0)

// SCI_ASSIGN_OR_RETURN(lhs, expr): `lhs = value of expr`, or return its error.
#define SCI_ASSIGN_OR_RETURN(lhs, expr) \
  SCI_ASSIGN_OR_RETURN_IMPL(SCI_CONCAT(sci_result_, __LINE__), lhs, expr)
#define SCI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.error();              \
  lhs = std::move(tmp).value()
