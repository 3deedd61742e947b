// HttpTransport: the one seam for HTTP. The real implementation uses libcurl (the only
// place libcurl is used); send_with_retry adds backoff with jitter, Retry-After,
// attempt and total-wait caps, and cancellation on top of any transport.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/time.h"

namespace sci::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{60000};
  std::chrono::milliseconds connect_timeout{10000};
  std::uint64_t max_response_bytes = 64ull << 20;
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  double elapsed_s = 0;
  // Case-insensitive header lookup; "" when absent.
  std::string header(const std::string& name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any HTTP status is a response, not an error. Errors: kUnavailable (DNS, refused,
  // reset, truncated body), kTimeout, kCancelled, kIo (response over the size cap).
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::milliseconds max_total_wait{300000};
  double jitter = 0.25;  // +-25%
};

// Sends, retrying on 408/409/429/5xx and on kUnavailable/kTimeout transport errors,
// honouring Retry-After (seconds or HTTP date). When retries run out, returns the
// last response (its status tells the caller what happened) or the last error.
// kCancelled when `request.cancel` is set while waiting.
Result<HttpResponse> send_with_retry(HttpTransport& transport, const HttpRequest& request,
                                     const RetryPolicy& policy, time::Clock& clock = time::system_clock());

// libcurl transport: TLS, proxies from the environment (http_proxy, https_proxy, no_proxy).
std::unique_ptr<HttpTransport> make_curl_transport();

}  // namespace sci::http
