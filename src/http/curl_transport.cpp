// The libcurl HttpTransport (the only libcurl user in scientist). One easy handle per
// request keeps it thread-safe; proxies come from the environment (libcurl reads
// http_proxy/https_proxy/no_proxy itself); a write callback enforces the size cap and a
// progress callback the cancel flag.
#include <chrono>
#include <mutex>

#include <curl/curl.h>

#include "base/log.h"
#include "base/strings.h"
#include "http/transport.h"

namespace sci::http {
namespace {

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  bool over_cap = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->response.body.size() + n > t->request->max_response_bytes) {
    t->over_cap = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (str::starts_with(line, "HTTP/")) {
    // A new response (after 100-continue or a redirect): keep only the final headers.
    t->response.headers.clear();
    return n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response.headers.emplace_back(std::string(str::trim(line.substr(0, colon))),
                                     std::string(str::trim(line.substr(colon + 1))));
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (t->request->cancel && t->request->cancel->load(std::memory_order_relaxed)) ? 1 : 0;
}

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (request.cancel && request.cancel->load()) return make_error(ErrorCode::kCancelled, "request cancelled");
    CURL* curl = curl_easy_init();
    if (!curl) return make_error(ErrorCode::kInternal, "curl_easy_init failed");
    Transfer t;
    t.request = &request;
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    // No "Expect: 100-continue" round trip for large prompts.
    headers = curl_slist_append(headers, "Expect:");
    char error_buffer[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl supports
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "scientist/0.1");
    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }

    auto start = std::chrono::steady_clock::now();
    CURLcode rc = curl_easy_perform(curl);
    t.response.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (rc == CURLE_OK) return std::move(t.response);
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    std::string where = log::redact(request.method + " " + request.url);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return make_error(ErrorCode::kTimeout, log::redact("timed out: " + detail), where);
      case CURLE_ABORTED_BY_CALLBACK:
        return make_error(ErrorCode::kCancelled, "request cancelled", where);
      case CURLE_WRITE_ERROR:
        if (t.over_cap)
          return make_error(ErrorCode::kIo,
                            fmt::format("response larger than the {} byte cap", request.max_response_bytes), where);
        return make_error(ErrorCode::kIo, log::redact(detail), where);
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return make_error(ErrorCode::kInvalidArgument, log::redact("bad URL: " + detail), where);
      default:
        // Refused, reset, DNS failure, TLS failure, a body cut short: all transient or
        // environmental, so retryable.
        return make_error(ErrorCode::kUnavailable, log::redact(detail), where);
    }
  }
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport() { return std::make_unique<CurlTransport>(); }

}  // namespace sci::http
