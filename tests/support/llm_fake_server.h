// FakeLlmServer: a loopback HTTP server (cpp-httplib) speaking the OpenAI Chat
// Completions or the Anthropic Messages wire format as documented, including their
// error bodies, with scripted faults (statuses, Retry-After, HTML pages, empty or
// malformed bodies, truncated or stalled bodies) for the provider fault tests.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace sci::testing {

enum class LlmWire { kOpenAi, kAnthropic };

struct FakeFault {
  enum class Kind {
    kStatus,      // reply `status` with `body` (a provider-shaped error when body is empty)
    kRaw200,      // 200 with `body` verbatim and `content_type`
    kTruncated,   // 200 whose body stops half-way and the connection closes
    kStall,       // 200 that sends a few bytes, then stalls for `stall_ms`
  };
  Kind kind = Kind::kStatus;
  int status = 500;
  std::string body;
  std::string content_type = "application/json";
  std::string retry_after;  // Retry-After header when non-empty
  int stall_ms = 3000;
};

struct FakeRequest {
  std::string path;
  std::string body;
  httplib::Headers headers;
  std::string header(const std::string& name) const;
};

class FakeLlmServer {
 public:
  explicit FakeLlmServer(LlmWire wire);
  ~FakeLlmServer();
  FakeLlmServer(const FakeLlmServer&) = delete;
  FakeLlmServer& operator=(const FakeLlmServer&) = delete;

  // As users write it: ".../v1" for OpenAI-compatible, no /v1 for Anthropic.
  std::string base_url() const;
  int port() const { return port_; }

  // Faults are consumed one per request, before any normal reply.
  void push_fault(FakeFault fault);
  // The normal reply's text (echoes the last user message when empty) and usage.
  void set_reply(std::string text, int input_tokens = 12, int output_tokens = 5, int cached_tokens = 0);
  // Requests must carry this key (Bearer / x-api-key); others get a documented 401.
  void require_key(std::string key) { std::lock_guard l(mu_); key_ = std::move(key); }
  // Models the server knows; others get the documented 404. Empty = any model.
  void set_models(std::vector<std::string> models) { std::lock_guard l(mu_); models_ = std::move(models); }

  std::vector<FakeRequest> requests() const;

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  std::string error_body(int status, const std::string& message) const;

  LlmWire wire_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::deque<FakeFault> faults_;
  std::string reply_;
  int input_tokens_ = 12, output_tokens_ = 5, cached_tokens_ = 0;
  std::string key_;
  std::vector<std::string> models_;
  std::vector<FakeRequest> requests_;
};

}  // namespace sci::testing
