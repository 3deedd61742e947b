// LoopbackServer: a small HTTP server on 127.0.0.1 (cpp-httplib, confined to http/)
// for `scientist llm serve-cassette` and tests. Every request goes to one handler.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/transport.h"

namespace sci::http {

// The handler sees method, url (path + "?query"), headers and body of a request; its
// HttpResponse (status, headers, body) is sent back. Called on server threads.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

class LoopbackServer {
 public:
  // Binds `host:port` (port 0 = any free port) and starts serving on a background
  // thread. kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<LoopbackServer>> start(Handler handler, const std::string& host = "127.0.0.1",
                                                       int port = 0);
  ~LoopbackServer();  // stops and joins
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  void stop();
  // Blocks until stop() is called (from another thread or a signal watcher).
  void wait();

 private:
  struct Impl;
  explicit LoopbackServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sci::http
