// The libcurl transport against real loopback servers: statuses and headers pass
// through, and each transport fault (refused, stalled body, truncated body, size cap,
// cancel) becomes its typed error instead of a crash or a hang.
#include <atomic>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include "http/loopback_server.h"
#include "http/transport.h"

namespace sci::http {
namespace {

using std::chrono::milliseconds;

// An httplib server on a free loopback port, run on a thread for the test's lifetime.
class RawServer {
 public:
  RawServer() { port_ = server.bind_to_any_port("127.0.0.1"); thread_ = std::thread([this] { server.listen_after_bind(); }); }
  ~RawServer() { server.stop(); thread_.join(); }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  httplib::Server server;

 private:
  int port_ = 0;
  std::thread thread_;
};

// A GET request for `url` with the transport's default limits.
HttpRequest get_request(std::string url) {
  HttpRequest req;
  req.url = std::move(url);
  return req;
}

// A port the kernel just handed out and that nobody listens on: bound, read, closed.
int free_port_nobody_listens_on() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(CurlTransportTest, PostSendsBodyAndHeadersAndReturnsStatusHeadersBody) {
  RawServer srv;
  std::string seen_body, seen_auth;
  srv.server.Post("/v1/echo", [&](const httplib::Request& req, httplib::Response& res) {
    seen_body = req.body;
    seen_auth = req.get_header_value("Authorization");
    res.status = 201;
    res.set_header("X-Request-Id", "abc");
    res.set_content("{\"ok\":true}", "application/json");
  });
  auto t = make_curl_transport();
  HttpRequest req;
  req.method = "POST";
  req.url = srv.url("/v1/echo");
  req.headers = {{"Authorization", "Bearer test-key-123456"}, {"Content-Type", "application/json"}};
  req.body = "{\"q\":1}";
  auto r = t->send(req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "{\"ok\":true}");
  EXPECT_EQ(r->header("x-request-id"), "abc");
  EXPECT_EQ(seen_body, "{\"q\":1}");
  EXPECT_EQ(seen_auth, "Bearer test-key-123456");
  EXPECT_GT(r->elapsed_s, 0.0);
}

TEST(CurlTransportTest, ErrorStatusIsAResponseNotAnError) {
  RawServer srv;
  srv.server.Get("/x", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("<html><title>503 Service Unavailable</title></html>", "text/html");
  });
  auto r = make_curl_transport()->send(get_request(srv.url("/x")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("Service Unavailable"), std::string::npos);
}

TEST(CurlTransportTest, ConnectionRefusedIsUnavailable) {
  int port = free_port_nobody_listens_on();
  HttpRequest req = get_request("http://127.0.0.1:" + std::to_string(port) + "/");
  auto r = make_curl_transport()->send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(CurlTransportTest, StallMidBodyTimesOut) {
  RawServer srv;
  srv.server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1000, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
      if (offset == 0) {
        sink.write("{\"partial\":", 11);
        return true;
      }
      std::this_thread::sleep_for(milliseconds(1500));
      return false;
    });
  });
  HttpRequest req = get_request(srv.url("/slow"));
  req.timeout = milliseconds(400);
  auto start = std::chrono::steady_clock::now();
  auto r = make_curl_transport()->send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1400));
}

TEST(CurlTransportTest, BodyCutShortIsUnavailable) {
  RawServer srv;
  srv.server.Get("/short", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1000, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
      if (offset == 0) {
        sink.write("{\"choices\":[", 12);
        return true;
      }
      return false;  // closes the connection with 988 bytes missing
    });
  });
  auto r = make_curl_transport()->send(get_request(srv.url("/short")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().to_string();
}

TEST(CurlTransportTest, ResponseOverTheSizeCapIsIo) {
  RawServer srv;
  srv.server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(200000, 'x'), "text/plain");
  });
  HttpRequest req = get_request(srv.url("/big"));
  req.max_response_bytes = 1000;
  auto r = make_curl_transport()->send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find("1000 byte cap"), std::string::npos);
}

TEST(CurlTransportTest, CancelFlagAbortsATransferInFlight) {
  RawServer srv;
  srv.server.Get("/hang", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(10, "text/plain", [](size_t, size_t, httplib::DataSink&) {
      std::this_thread::sleep_for(milliseconds(2000));
      return false;
    });
  });
  std::atomic<bool> cancel{false};
  HttpRequest req = get_request(srv.url("/hang"));
  req.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel.store(true);
  });
  auto start = std::chrono::steady_clock::now();
  auto r = make_curl_transport()->send(req);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1800));
}

TEST(CurlTransportTest, RetryOverRealHttpHonoursRetryAfterThenSucceeds) {
  RawServer srv;
  std::atomic<int> hits{0};
  srv.server.Post("/v1/chat", [&](const httplib::Request&, httplib::Response& res) {
    int n = ++hits;
    if (n == 1) {
      res.status = 429;
      res.set_header("Retry-After", "0");
      res.set_content("{\"error\":{\"message\":\"slow down\"}}", "application/json");
    } else if (n == 2) {
      res.status = 500;
      res.set_content("oops", "text/plain");
    } else {
      res.set_content("{\"ok\":1}", "application/json");
    }
  });
  auto t = make_curl_transport();
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(10);
  HttpRequest req = get_request(srv.url("/v1/chat"));
  req.method = "POST";
  auto r = send_with_retry(*t, req, policy);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(hits.load(), 3);
}

TEST(LoopbackServerTest, HandlerSeesRequestAndItsResponseIsSent) {
  auto server = LoopbackServer::start([](const HttpRequest& req) {
    HttpResponse res;
    res.status = req.method == "POST" ? 200 : 405;
    res.headers = {{"X-Path", req.url}};
    res.body = "got:" + req.body;
    return res;
  });
  ASSERT_TRUE(server.ok()) << server.error().to_string();
  HttpRequest req = get_request((*server)->base_url() + "/v1/chat/completions");
  req.method = "POST";
  req.body = "hello";
  auto r = make_curl_transport()->send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got:hello");
  EXPECT_EQ(r->header("X-Path"), "/v1/chat/completions");
}

}  // namespace
}  // namespace sci::http
