// send_with_retry against a scripted transport and a fake clock: which statuses retry,
// Retry-After (seconds and HTTP-date), backoff growth with jitter, caps, cancellation.
#include <deque>

#include <gtest/gtest.h>

#include "http/retry_after.h"
#include "http/transport.h"

namespace sci::http {
namespace {

using std::chrono::milliseconds;

class ScriptedTransport final : public HttpTransport {
 public:
  void push(int status, Headers headers = {}, std::string body = "") {
    HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    script_.push_back(std::move(r));
  }
  void push_error(ErrorCode code) { script_.push_back(make_error(code, "scripted failure")); }
  Result<HttpResponse> send(const HttpRequest&) override {
    ++calls;
    if (script_.empty()) return make_error(ErrorCode::kInternal, "script exhausted");
    auto r = std::move(script_.front());
    script_.pop_front();
    return r;
  }
  int calls = 0;

 private:
  std::deque<Result<HttpResponse>> script_;
};

RetryPolicy fast_policy() {
  RetryPolicy p;
  p.max_attempts = 5;
  p.initial_backoff = milliseconds(1000);
  p.max_backoff = milliseconds(8000);
  p.max_total_wait = milliseconds(60000);
  p.jitter = 0;
  return p;
}

TEST(RetryTest, SuccessOnFirstAttemptDoesNotWait) {
  ScriptedTransport t;
  t.push(200, {}, "ok");
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(t.calls, 1);
  EXPECT_EQ(clock.total_slept().count(), 0);
}

TEST(RetryTest, RateLimitWithRetryAfterSecondsWaitsExactlyThatLong) {
  ScriptedTransport t;
  t.push(429, {{"retry-after", "7"}});
  t.push(200, {}, "ok");
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(clock.total_slept(), milliseconds(7000));
}

TEST(RetryTest, RateLimitWithoutRetryAfterBacksOffExponentially) {
  ScriptedTransport t;
  t.push(429);
  t.push(429);
  t.push(429);
  t.push(200);
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(t.calls, 4);
  EXPECT_EQ(clock.total_slept(), milliseconds(1000 + 2000 + 4000));
}

TEST(RetryTest, BackoffIsCappedAtMaxBackoff) {
  ScriptedTransport t;
  for (int i = 0; i < 5; ++i) t.push(503);
  time::FakeClock clock;
  auto policy = fast_policy();
  policy.max_backoff = milliseconds(2500);
  auto r = send_with_retry(t, HttpRequest{}, policy, clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);  // retries ran out: the last response is returned
  EXPECT_EQ(t.calls, 5);
  EXPECT_EQ(clock.total_slept(), milliseconds(1000 + 2000 + 2500 + 2500));
}

TEST(RetryTest, JitterStaysWithinItsBand) {
  for (int trial = 0; trial < 20; ++trial) {
    ScriptedTransport t;
    t.push(500);
    t.push(200);
    time::FakeClock clock;
    auto policy = fast_policy();
    policy.jitter = 0.25;
    ASSERT_TRUE(send_with_retry(t, HttpRequest{}, policy, clock).ok());
    EXPECT_GE(clock.total_slept().count(), 750);
    EXPECT_LE(clock.total_slept().count(), 1250);
  }
}

TEST(RetryTest, RetriesEachRetryableStatusAndNotOthers) {
  for (int status : {408, 409, 429, 500, 502, 503, 504, 529}) {
    ScriptedTransport t;
    t.push(status);
    t.push(200);
    time::FakeClock clock;
    auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << status;
    EXPECT_EQ(t.calls, 2) << status;
  }
  for (int status : {400, 401, 403, 404, 422}) {
    ScriptedTransport t;
    t.push(status);
    time::FakeClock clock;
    auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status);
    EXPECT_EQ(t.calls, 1) << status;
  }
}

TEST(RetryTest, ConnectionErrorsAndTimeoutsAreRetriedOtherErrorsAreNot) {
  ScriptedTransport t;
  t.push_error(ErrorCode::kUnavailable);
  t.push_error(ErrorCode::kTimeout);
  t.push(200);
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(t.calls, 3);

  ScriptedTransport t2;
  t2.push_error(ErrorCode::kIo);
  auto r2 = send_with_retry(t2, HttpRequest{}, fast_policy(), clock);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, ErrorCode::kIo);
  EXPECT_EQ(t2.calls, 1);
}

TEST(RetryTest, LastErrorIsReturnedWhenAttemptsRunOut) {
  ScriptedTransport t;
  for (int i = 0; i < 5; ++i) t.push_error(ErrorCode::kUnavailable);
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(t.calls, 5);
}

TEST(RetryTest, TotalWaitCapStopsBeforeALongRetryAfter) {
  ScriptedTransport t;
  t.push(429, {{"Retry-After", "3600"}});
  t.push(200);
  time::FakeClock clock;
  auto r = send_with_retry(t, HttpRequest{}, fast_policy(), clock);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(t.calls, 1);
  EXPECT_EQ(clock.total_slept().count(), 0);
}

TEST(RetryTest, CancelFlagStopsTheWait) {
  ScriptedTransport t;
  t.push(503);
  t.push(200);
  std::atomic<bool> cancel{true};
  HttpRequest req;
  req.cancel = &cancel;
  time::FakeClock clock;
  auto r = send_with_retry(t, req, fast_policy(), clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(t.calls, 0);
}

// A clock whose sleep raises the cancel flag: cancellation lands mid-wait.
class CancellingClock final : public time::Clock {
 public:
  explicit CancellingClock(std::atomic<bool>* flag) : flag_(flag) {}
  std::chrono::steady_clock::time_point now() const override { return {}; }
  void sleep_for(milliseconds d) override {
    slept += d;
    if (slept >= milliseconds(300)) flag_->store(true);
  }
  milliseconds slept{0};

 private:
  std::atomic<bool>* flag_;
};

TEST(RetryTest, CancelDuringBackoffReturnsCancelledPromptly) {
  ScriptedTransport t;
  t.push(429, {{"Retry-After", "30"}});
  t.push(200);
  std::atomic<bool> cancel{false};
  HttpRequest req;
  req.cancel = &cancel;
  CancellingClock clock(&cancel);
  auto r = send_with_retry(t, req, fast_policy(), clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(t.calls, 1);
  EXPECT_LE(clock.slept.count(), 400);
}

TEST(RetryAfterTest, ParsesSecondsFractionsAndHttpDates) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 1.5 ", now), milliseconds(1500));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("", now).has_value());
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
}

TEST(HttpResponseTest, HeaderLookupIgnoresCase) {
  HttpResponse r;
  r.headers = {{"Content-Type", "application/json"}, {"retry-after", "3"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("Retry-After"), "3");
  EXPECT_EQ(r.header("X-Missing"), "");
}

}  // namespace
}  // namespace sci::http
