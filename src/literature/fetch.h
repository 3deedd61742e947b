// Internal to literature: the token-bucket limiter and the GET-with-limits loop every
// HTTP engine uses (429/5xx retries with backoff and Retry-After, a total wait cap
// that ends in kRateLimited with a message naming the fix).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "base/result.h"
#include "base/time.h"
#include "http/transport.h"

namespace sci::literature {

// Classic token bucket: `rate_per_s` tokens per second, at most `burst` stored.
// acquire() waits (through the clock) until a token is available. Thread-safe.
class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst, time::Clock& clock);
  // Takes one token; returns how long it waited.
  std::chrono::milliseconds acquire();

 private:
  double rate_per_s_;
  double burst_;
  double tokens_;
  time::Clock& clock_;
  std::chrono::steady_clock::time_point last_;
  std::mutex mu_;
};

struct FetchPolicy {
  std::string engine;  // "Semantic Scholar", names the source in messages
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds max_total_wait{120000};
  std::string rate_limit_fix;  // appended to the kRateLimited message
};

// Sends `request`; returns the 2xx response. 429/408/5xx and transport failures are
// retried while attempts remain and the total wait (limiter + backoff) stays under the
// cap. Errors: kRateLimited (429 persisted / cap reached; message has the fix),
// kUnavailable (5xx or connection failures persisted), kTimeout, kAuth (401/403),
// kInvalidArgument (other 4xx), kCancelled.
Result<http::HttpResponse> fetch(http::HttpTransport& transport, const http::HttpRequest& request,
                                 const FetchPolicy& policy, time::Clock& clock, TokenBucket* bucket);

}  // namespace sci::literature
