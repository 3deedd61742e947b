// send_with_retry and HttpResponse helpers (see transport.h). Waiting is done through
// the Clock seam in short slices so a cancel flag is noticed within ~100 ms.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>

#include "base/log.h"
#include "base/strings.h"
#include "http/transport.h"
#include "http/retry_after.h"

namespace sci::http {

std::string HttpResponse::header(const std::string& name) const {
  std::string want = str::to_lower(name);
  for (const auto& [k, v] : headers)
    if (str::to_lower(k) == want) return v;
  return "";
}

bool is_retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  auto v = str::trim(value);
  if (v.empty()) return std::nullopt;
  bool all_digits = true;
  bool seen_dot = false;
  for (char c : v) {
    if (c == '.' && !seen_dot) { seen_dot = true; continue; }
    if (!std::isdigit(static_cast<unsigned char>(c))) { all_digits = false; break; }
  }
  if (all_digits) {
    // Some servers send fractional seconds ("1.5"); accept them.
    double seconds = std::strtod(std::string(v).c_str(), nullptr);
    if (seconds < 0 || seconds > 86400.0 * 7) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
  }
  // HTTP-date (RFC 9110 IMF-fixdate): "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::string text(v);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end) return std::nullopt;
  std::time_t when = timegm(&tm);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(target - now);
}

namespace {

double jitter_factor(double jitter) {
  if (jitter <= 0) return 1.0;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> dist(1.0 - jitter, 1.0 + jitter);
  return dist(rng);
}

bool cancelled(const HttpRequest& request) {
  return request.cancel && request.cancel->load(std::memory_order_relaxed);
}

// Sleeps `d` in slices; false when cancelled meanwhile.
bool wait_for(std::chrono::milliseconds d, const HttpRequest& request, time::Clock& clock) {
  constexpr std::chrono::milliseconds kSlice{100};
  while (d.count() > 0) {
    if (cancelled(request)) return false;
    auto step = std::min(d, kSlice);
    clock.sleep_for(step);
    d -= step;
  }
  return !cancelled(request);
}

}  // namespace

Result<HttpResponse> send_with_retry(HttpTransport& transport, const HttpRequest& request,
                                     const RetryPolicy& policy, time::Clock& clock) {
  const int max_attempts = std::max(1, policy.max_attempts);
  std::chrono::milliseconds waited{0};
  std::optional<Result<HttpResponse>> last;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (cancelled(request)) return make_error(ErrorCode::kCancelled, "request cancelled", request.url);
    Result<HttpResponse> result = transport.send(request);
    std::optional<std::chrono::milliseconds> server_wait;
    std::string why;
    if (result.ok()) {
      if (!is_retryable_status(result->status)) return result;
      why = fmt::format("HTTP {}", result->status);
      server_wait = parse_retry_after(result->header("Retry-After"), std::chrono::system_clock::now());
      // OpenAI-style hint in milliseconds.
      if (!server_wait) {
        std::string ms = result->header("retry-after-ms");
        if (!ms.empty() && std::all_of(ms.begin(), ms.end(), [](char c) { return std::isdigit((unsigned char)c); }))
          server_wait = std::chrono::milliseconds(std::stoll(ms));
      }
    } else {
      ErrorCode code = result.error().code;
      if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout) return result;
      why = result.error().message;
    }
    last.emplace(std::move(result));
    if (attempt == max_attempts) break;

    std::chrono::milliseconds wait;
    if (server_wait) {
      wait = *server_wait;
    } else {
      double base = static_cast<double>(policy.initial_backoff.count()) * static_cast<double>(1ull << std::min(attempt - 1, 30));
      base = std::min(base, static_cast<double>(policy.max_backoff.count()));
      wait = std::chrono::milliseconds(static_cast<std::int64_t>(base * jitter_factor(policy.jitter)));
    }
    if (waited + wait > policy.max_total_wait) {
      log::warn("http: giving up on {} after {} attempt(s): {} (next wait {} ms would exceed the {} ms cap)",
                log::redact(request.url), attempt, why, wait.count(), policy.max_total_wait.count());
      break;
    }
    log::info("http: {} on attempt {}/{}; retrying in {} ms{}", why, attempt, max_attempts, wait.count(),
              server_wait ? " (Retry-After)" : "");
    if (!wait_for(wait, request, clock))
      return make_error(ErrorCode::kCancelled, "request cancelled while waiting to retry", request.url);
    waited += wait;
  }
  return std::move(*last);
}

}  // namespace sci::http
