// LoopbackServer over cpp-httplib. httplib may throw from its internals; the handler
// wrapper converts anything thrown into a 500 so one bad request never ends the server.
#include "http/loopback_server.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "base/log.h"
#include "base/strings.h"

namespace sci::http {

struct LoopbackServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::string host;
  int port = 0;
  Handler handler;
  std::mutex stop_mu;
  std::atomic<bool> stopped{false};
};

LoopbackServer::LoopbackServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LoopbackServer::~LoopbackServer() { stop(); }

Result<std::unique_ptr<LoopbackServer>> LoopbackServer::start(Handler handler, const std::string& host, int port) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->host = host;
  Impl* raw = impl.get();
  auto route = [raw](const httplib::Request& req, httplib::Response& res) {
    HttpRequest request;
    request.method = req.method;
    // The request target as sent, percent-decoded for readable assertions (params would
    // also hold a form-encoded body's fields).
    request.url = req.target.empty() ? req.path : httplib::detail::decode_url(req.target, false);
    for (const auto& [k, v] : req.headers) request.headers.emplace_back(k, v);
    request.body = req.body;
    HttpResponse response;
    try {
      response = raw->handler(request);
    } catch (const std::exception& e) {
      log::error("loopback server: handler failed: {}", e.what());
      response.status = 500;
      response.body = R"({"error":{"message":"internal server error"}})";
    } catch (...) {
      response.status = 500;
      response.body = R"({"error":{"message":"internal server error"}})";
    }
    res.status = response.status;
    std::string content_type = response.header("Content-Type");
    for (const auto& [k, v] : response.headers)
      if (str::to_lower(k) != "content-type") res.set_header(k.c_str(), v);
    res.set_content(response.body, content_type.empty() ? "application/json" : content_type.c_str());
  };
  try {
    raw->server.Get(".*", route);
    raw->server.Post(".*", route);
    raw->server.Put(".*", route);
    raw->server.Delete(".*", route);
    if (port == 0) {
      raw->port = raw->server.bind_to_any_port(host);
      if (raw->port <= 0) return make_error(ErrorCode::kUnavailable, "cannot bind a port on " + host);
    } else {
      if (!raw->server.bind_to_port(host, port))
        return make_error(ErrorCode::kUnavailable, fmt::format("cannot bind {}:{} (in use?)", host, port));
      raw->port = port;
    }
    raw->thread = std::thread([raw] { raw->server.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen loop runs: a server stopped right
    // after start() would otherwise hang its join() forever.
    for (int i = 0; i < 2000 && !raw->server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kUnavailable, std::string("loopback server: ") + e.what());
  }
  return std::unique_ptr<LoopbackServer>(new LoopbackServer(std::move(impl)));
}

int LoopbackServer::port() const { return impl_->port; }

std::string LoopbackServer::base_url() const { return fmt::format("http://{}:{}", impl_->host, impl_->port); }

void LoopbackServer::stop() {
  if (!impl_) return;
  std::lock_guard lock(impl_->stop_mu);
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->stopped.store(true);
}

void LoopbackServer::wait() {
  // Poll rather than join so stop() from another thread stays the only joiner.
  while (!impl_->stopped.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace sci::http
