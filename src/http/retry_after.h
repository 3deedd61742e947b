// Retry helpers shared by send_with_retry and its tests: which statuses are retried
// and how a Retry-After header value (delay-seconds or HTTP-date) becomes a wait.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace sci::http {

// 408, 409, 429 and every 5xx.
bool is_retryable_status(int status);

// "120" / "1.5" (seconds) or "Wed, 21 Oct 2015 07:28:00 GMT" relative to `now`.
// nullopt for an empty or unparsable value; a date in the past is 0 ms.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace sci::http
