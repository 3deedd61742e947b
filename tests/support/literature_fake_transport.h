// literature_fake_transport: an HttpTransport fake for literature tests. Replies come
// from a function of the request; every request is recorded (url, headers).
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "http/transport.h"

namespace sci::testing {

class LiteratureFakeTransport final : public http::HttpTransport {
 public:
  using Responder = std::function<Result<http::HttpResponse>(const http::HttpRequest&)>;
  explicit LiteratureFakeTransport(Responder r) : responder_(std::move(r)) {}
  Result<http::HttpResponse> send(const http::HttpRequest& request) override {
    std::lock_guard l(mu_);
    requests_.push_back(request);
    return responder_(request);
  }
  std::vector<http::HttpRequest> requests() const {
    std::lock_guard l(mu_);
    return requests_;
  }

  static http::HttpResponse reply(int status, std::string body, http::Headers headers = {}) {
    http::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }

 private:
  mutable std::mutex mu_;
  Responder responder_;
  std::vector<http::HttpRequest> requests_;
};

}  // namespace sci::testing
