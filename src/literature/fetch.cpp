// Token bucket and the bounded GET loop; see fetch.h.
#include "literature/fetch.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"

namespace sci::literature {

using std::chrono::milliseconds;

TokenBucket::TokenBucket(double rate_per_s, double burst, time::Clock& clock)
    : rate_per_s_(rate_per_s > 0 ? rate_per_s : 1.0), burst_(std::max(1.0, burst)), tokens_(burst_), clock_(clock),
      last_(clock.now()) {}

milliseconds TokenBucket::acquire() {
  std::lock_guard lock(mu_);
  auto refill = [&] {
    auto now = clock_.now();
    double dt = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + dt * rate_per_s_);
  };
  refill();
  milliseconds waited{0};
  if (tokens_ < 1.0) {
    auto need = milliseconds(static_cast<long long>((1.0 - tokens_) / rate_per_s_ * 1000.0 + 0.999));
    clock_.sleep_for(need);
    waited = need;
    refill();
    if (tokens_ < 1.0) tokens_ = 1.0;  // rounding
  }
  tokens_ -= 1.0;
  return waited;
}

namespace {

// Retry-After in seconds (the HTTP-date form is treated as "unknown").
std::optional<milliseconds> retry_after(const http::HttpResponse& r) {
  std::string v = std::string(str::trim(r.header("Retry-After")));
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return milliseconds(std::atoll(v.c_str()) * 1000);
}

std::string snippet(const std::string& body) {
  std::string s = str::tail_utf8(body.substr(0, std::min<size_t>(body.size(), 200)), 200);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

Result<http::HttpResponse> fetch(http::HttpTransport& transport, const http::HttpRequest& request,
                                 const FetchPolicy& policy, time::Clock& clock, TokenBucket* bucket) {
  milliseconds waited{0};
  milliseconds backoff = policy.initial_backoff;
  std::string last_problem;
  bool last_was_429 = false;
  auto cap_s = std::chrono::duration_cast<std::chrono::seconds>(policy.max_total_wait).count();
  for (int attempt = 1; attempt <= std::max(1, policy.max_attempts); ++attempt) {
    if (request.cancel && request.cancel->load())
      return make_error(ErrorCode::kCancelled, fmt::format("{} search cancelled", policy.engine));
    if (bucket) waited += bucket->acquire();
    auto sent = transport.send(request);
    std::optional<milliseconds> hint;
    if (sent.ok()) {
      const auto& r = *sent;
      if (r.status >= 200 && r.status < 300) return sent;
      if (r.status == 401 || r.status == 403)
        return make_error(ErrorCode::kAuth, fmt::format("{} refused the request (HTTP {}): check the API key; {}",
                                                        policy.engine, r.status, snippet(r.body)));
      bool retryable = r.status == 429 || r.status == 408 || r.status >= 500;
      if (!retryable)
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{} rejected the request (HTTP {}): {}", policy.engine, r.status, snippet(r.body)));
      last_was_429 = r.status == 429;
      last_problem = fmt::format("HTTP {}", r.status);
      hint = retry_after(r);
    } else {
      const auto& e = sent.error();
      if (e.code == ErrorCode::kCancelled) return e;
      if (e.code != ErrorCode::kUnavailable && e.code != ErrorCode::kTimeout) return e;
      last_was_429 = false;
      last_problem = e.message;
    }
    if (attempt == policy.max_attempts) break;
    milliseconds delay = hint ? *hint : backoff;
    backoff = std::min(policy.max_backoff, backoff * 2);
    if (waited + delay > policy.max_total_wait) {
      log::warn("{}: {} and the next wait ({} ms) would pass the {} s cap", policy.engine, last_problem, delay.count(),
                cap_s);
      break;
    }
    log::info("{}: {} (attempt {}/{}), retrying in {} ms", policy.engine, last_problem, attempt, policy.max_attempts,
              delay.count());
    clock.sleep_for(delay);
    waited += delay;
  }
  if (last_was_429)
    return make_error(ErrorCode::kRateLimited,
                      fmt::format("{} kept answering HTTP 429 (rate limited); gave up after waiting {} s "
                                  "(total wait cap of {} s){}{}",
                                  policy.engine, std::chrono::duration_cast<std::chrono::seconds>(waited).count(), cap_s,
                                  policy.rate_limit_fix.empty() ? "" : ": ", policy.rate_limit_fix));
  if (last_problem.find("timed out") != std::string::npos || last_problem.find("timeout") != std::string::npos)
    return make_error(ErrorCode::kTimeout, fmt::format("{} did not answer: {}", policy.engine, last_problem));
  return make_error(ErrorCode::kUnavailable,
                    fmt::format("{} is unavailable: {} after retries; try again later or use another engine "
                                "(--engine openalex|local)",
                                policy.engine, last_problem));
}

}  // namespace sci::literature
