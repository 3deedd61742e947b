// Both wire formats (OpenAI Chat Completions, Anthropic Messages) through
// llm::make_client and the real curl transport against FakeLlmServer on loopback: a
// normal reply with usage and cost, retried faults (429 with and without Retry-After,
// 408, 5xx, a truncated body), and faults that become typed errors with clear messages
// (empty reply, no choices, malformed JSON, HTML pages, 401, 404, timeouts, refused).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "config/config.h"
#include "llm/factory.h"
#include "support/llm_fake_server.h"

namespace sci::testing {
namespace {

using llm::ChatRequest;
using llm::ChatResponse;

// FakeFault builders (the struct has defaults, but -Wextra wants every field named).
FakeFault status_fault(int status, std::string retry_after = "", std::string body = "",
                       std::string content_type = "application/json") {
  FakeFault f;
  f.kind = FakeFault::Kind::kStatus;
  f.status = status;
  f.retry_after = std::move(retry_after);
  f.body = std::move(body);
  f.content_type = std::move(content_type);
  return f;
}

FakeFault raw_fault(std::string body, std::string content_type = "application/json") {
  FakeFault f;
  f.kind = FakeFault::Kind::kRaw200;
  f.status = 200;
  f.body = std::move(body);
  f.content_type = std::move(content_type);
  return f;
}

FakeFault fault_of(FakeFault::Kind kind, int stall_ms = 3000) {
  FakeFault f;
  f.kind = kind;
  f.stall_ms = stall_ms;
  return f;
}

constexpr const char* kKey = "sk-fault-test-key-0123456789";

struct Wire {
  LlmWire wire;
  std::string model_ref;  // provider:model
  std::string provider;
  std::string model;
  std::string key_env;
};

const Wire kOpenAi{LlmWire::kOpenAi, "openai:gpt-4o", "openai", "gpt-4o", "OPENAI_API_KEY"};
const Wire kAnthropic{LlmWire::kAnthropic, "anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5",
                      "ANTHROPIC_API_KEY"};

class ProviderFaultsTest : public ::testing::TestWithParam<Wire> {
 protected:
  ProviderFaultsTest() : server_(GetParam().wire) {}

  // A metered client for the wire's model at the fake; retries wait on a FakeClock.
  Result<std::shared_ptr<llm::LlmClient>> client(int max_attempts = 4, const std::string& base_url = "",
                                                 int request_timeout_s = 30) {
    config::Config config = config::Config::defaults();
    EXPECT_TRUE(config.set("llm.base_url", base_url.empty() ? server_.base_url() : base_url).ok());
    EXPECT_TRUE(config.set("llm.max_attempts", std::to_string(max_attempts)).ok());
    EXPECT_TRUE(config.set("llm.request_timeout_s", std::to_string(request_timeout_s)).ok());
    llm::ClientOptions options;
    options.environment = {{GetParam().key_env, kKey}};
    options.clock = &clock_;
    return llm::make_client(config, GetParam().model_ref, "test", options);
  }

  Result<ChatResponse> chat(int max_attempts = 4) {
    auto c = client(max_attempts);
    if (!c.ok()) return c.error();
    ChatRequest r;
    r.system = "Be brief.";
    r.messages = {{llm::Role::kUser, "Say hello.", false}};
    r.max_output_tokens = 64;
    return (*c)->chat(r);
  }

  // Asserts `r` failed with `code` and a message containing every one of `parts`.
  static void expect_error(const Result<ChatResponse>& r, ErrorCode code, std::vector<std::string> parts) {
    ASSERT_FALSE(r.ok()) << "expected an error, got: " << r->text;
    EXPECT_EQ(r.error().code, code) << r.error().to_string();
    for (const auto& p : parts) EXPECT_NE(r.error().to_string().find(p), std::string::npos) << r.error().to_string();
    EXPECT_EQ(r.error().to_string().find(kKey), std::string::npos) << "the key leaked: " << r.error().to_string();
  }

  bool openai() const { return GetParam().wire == LlmWire::kOpenAi; }

  FakeLlmServer server_;
  time::FakeClock clock_;
};

TEST_P(ProviderFaultsTest, NormalReplyCarriesTextUsageAndCost) {
  server_.require_key(kKey);
  server_.set_reply("Hello.", 1000, 200, 400);
  auto r = chat();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->text, "Hello.");
  EXPECT_EQ(r->provider, GetParam().provider);
  EXPECT_EQ(r->model, GetParam().model);
  EXPECT_EQ(r->finish, llm::FinishReason::kStop);
  EXPECT_GT(r->latency_s, 0);
  EXPECT_EQ(r->usage.output_tokens, 200);
  EXPECT_EQ(r->usage.cached_input_tokens, 400);
  if (openai()) {
    // prompt_tokens already counts the cached ones: $2.50 x 600 + $1.25 x 400 + $10 x 200 per M.
    EXPECT_EQ(r->usage.input_tokens, 1000);
    EXPECT_NEAR(r->cost_usd, 0.004, 1e-12);
  } else {
    // Anthropic's input_tokens excludes cache reads: $3 x 1000 + $0.30 x 400 + $15 x 200 per M.
    EXPECT_EQ(r->usage.input_tokens, 1400);
    EXPECT_NEAR(r->cost_usd, 0.00612, 1e-12);
  }
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  if (openai()) {
    EXPECT_EQ(reqs[0].path, "/v1/chat/completions");
    EXPECT_EQ(reqs[0].header("Authorization"), std::string("Bearer ") + kKey);
  } else {
    EXPECT_EQ(reqs[0].path, "/v1/messages");
    EXPECT_EQ(reqs[0].header("x-api-key"), kKey);
    EXPECT_EQ(reqs[0].header("anthropic-version"), "2023-06-01");
  }
}

TEST_P(ProviderFaultsTest, StructuredOutputComesBackAsTheJsonAnswer) {
  server_.set_reply(R"({"answer": 42})");
  auto c = client();
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ChatRequest r;
  r.messages = {{llm::Role::kUser, "What is six times seven?", false}};
  r.json_schema = R"({"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]})";
  auto out = (*c)->chat(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(nlohmann::json::parse(out->text).value("answer", 0), 42) << out->text;
  EXPECT_EQ(out->finish, llm::FinishReason::kStop);
  auto body = nlohmann::json::parse(server_.requests().at(0).body);
  if (openai()) EXPECT_EQ(body["response_format"]["type"], "json_schema");
  else EXPECT_EQ(body["tool_choice"]["type"], "tool");
}

TEST_P(ProviderFaultsTest, SeveralSamplesComeBackAndAnthropicPaysPerSample) {
  server_.set_reply("idea", 100, 10);
  auto c = client();
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ChatRequest r;
  r.messages = {{llm::Role::kUser, "Two ideas, please.", false}};
  r.n_samples = 2;
  auto out = (*c)->chat(r);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_EQ(out->samples.size(), 2u);
  EXPECT_EQ(out->text, out->samples[0]);
  if (openai()) {
    // One request with n = 2.
    EXPECT_EQ(server_.requests().size(), 1u);
    EXPECT_EQ(out->samples[1], "idea #1");
    EXPECT_EQ(out->usage.input_tokens, 100);
  } else {
    // The Messages API has no n: one request per sample, usage summed.
    EXPECT_EQ(server_.requests().size(), 2u);
    EXPECT_EQ(out->usage.input_tokens, 200);
    EXPECT_EQ(out->usage.output_tokens, 20);
  }
}

TEST_P(ProviderFaultsTest, RateLimitWithRetryAfterIsWaitedOutThenSucceeds) {
  server_.push_fault(status_fault(429, "2"));
  auto r = chat();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server_.requests().size(), 2u);
  EXPECT_EQ(clock_.total_slept(), std::chrono::milliseconds(2000)) << "Retry-After is honoured exactly";
}

TEST_P(ProviderFaultsTest, RateLimitWithoutRetryAfterBacksOffThenSucceeds) {
  server_.push_fault(status_fault(429));
  auto r = chat();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server_.requests().size(), 2u);
  EXPECT_GE(clock_.total_slept(), std::chrono::milliseconds(750));  // 1 s +-25 % jitter
  EXPECT_LE(clock_.total_slept(), std::chrono::milliseconds(1250));
}

TEST_P(ProviderFaultsTest, ServerErrorsAndRequestTimeoutAreRetried) {
  for (int status : {500, 502, 503}) server_.push_fault(status_fault(status));
  server_.push_fault(status_fault(408));
  auto r = chat(/*max_attempts=*/5);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server_.requests().size(), 5u);
}

TEST_P(ProviderFaultsTest, RetriesRunningOutGiveTypedErrors) {
  server_.push_fault(status_fault(429));
  server_.push_fault(status_fault(429));
  expect_error(chat(2), ErrorCode::kRateLimited, {GetParam().provider, "rate limited", "HTTP 429"});
  server_.push_fault(status_fault(503));
  server_.push_fault(status_fault(503));
  expect_error(chat(2), ErrorCode::kUnavailable, {GetParam().provider, "server error", "HTTP 503", "scripted failure"});
  server_.push_fault(status_fault(408));
  expect_error(chat(1), ErrorCode::kTimeout, {"HTTP 408"});
}

TEST_P(ProviderFaultsTest, EmptyReplyIsAParseError) {
  server_.push_fault(raw_fault(""));
  expect_error(chat(), ErrorCode::kParse, {GetParam().provider, "empty reply"});
  EXPECT_EQ(server_.requests().size(), 1u) << "a 200 is not retried";
}

TEST_P(ProviderFaultsTest, ReplyWithoutChoicesOrContentIsAParseError) {
  if (openai()) {
    server_.push_fault(raw_fault(R"({"id":"chatcmpl-x","object":"chat.completion","model":"gpt-4o","choices":[]})"));
    expect_error(chat(), ErrorCode::kParse, {"openai", "gpt-4o", "no choices"});
  } else {
    server_.push_fault(raw_fault(R"({"id":"msg_x","type":"message","role":"assistant","content":[],"stop_reason":"end_turn"})"));
    expect_error(chat(), ErrorCode::kParse, {"anthropic", "claude-sonnet-4-5", "empty content"});
    server_.push_fault(raw_fault(R"({"id":"msg_x","type":"message"})"));
    expect_error(chat(), ErrorCode::kParse, {"anthropic", "no content"});
  }
}

TEST_P(ProviderFaultsTest, MalformedJsonIsAParseError) {
  server_.push_fault(raw_fault(R"({"id": "x", "choices": [{"message": )"));
  expect_error(chat(), ErrorCode::kParse, {GetParam().provider, "malformed JSON"});
}

TEST_P(ProviderFaultsTest, HtmlPagesAreNamedAsSuch) {
  // A 200 HTML page: usually a wrong base URL (a web UI, a proxy login page).
  server_.push_fault(raw_fault("<!DOCTYPE html><html><head><title>Sign in</title></head></html>", "text/html"));
  expect_error(chat(), ErrorCode::kParse, {"HTML page", "Sign in", "check the base URL"});
  // A proxy's 502 page: retried, then unavailable with the page's title.
  server_.push_fault(status_fault(502, "", "<html><title>502 Bad Gateway</title><body>nginx</body></html>", "text/html"));
  expect_error(chat(1), ErrorCode::kUnavailable, {"HTTP 502", "502 Bad Gateway"});
}

TEST_P(ProviderFaultsTest, ErrorObjectInA200IsUnavailable) {
  std::string body = openai() ? R"({"error":{"message":"upstream overloaded","type":"server_error"}})"
                              : R"({"type":"error","error":{"type":"overloaded_error","message":"upstream overloaded"}})";
  server_.push_fault(raw_fault(body));
  expect_error(chat(), ErrorCode::kUnavailable, {"upstream overloaded"});
}

TEST_P(ProviderFaultsTest, InvalidKeyIsAnAuthErrorNamingTheEnvVar) {
  server_.require_key("sk-the-right-key-999999");
  expect_error(chat(), ErrorCode::kAuth, {GetParam().provider, "HTTP 401", GetParam().key_env});
  EXPECT_EQ(server_.requests().size(), 1u) << "a 401 is not retried";
}

TEST_P(ProviderFaultsTest, MissingKeyFailsBeforeAnyRequestNamingTheEnvVar) {
  config::Config config = config::Config::defaults();
  ASSERT_TRUE(config.set("llm.base_url", server_.base_url()).ok());
  llm::ClientOptions options;
  options.environment = {{"SOME_OTHER_VAR", "x"}};
  auto c = llm::make_client(config, GetParam().model_ref, "test", options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kAuth);
  EXPECT_NE(c.error().message.find(GetParam().key_env + " is not set"), std::string::npos) << c.error().message;
  EXPECT_TRUE(server_.requests().empty());
}

TEST_P(ProviderFaultsTest, UnknownModelIsNotFoundNamingProviderAndModel) {
  server_.set_models({"some-other-model"});
  expect_error(chat(), ErrorCode::kNotFound,
               {GetParam().provider + ": model '" + GetParam().model + "' not found", "HTTP 404"});
  EXPECT_EQ(server_.requests().size(), 1u) << "a 404 is not retried";
}

TEST_P(ProviderFaultsTest, TruncatedBodyIsRetriedThenUnavailable) {
  server_.push_fault(fault_of(FakeFault::Kind::kTruncated));
  auto recovered = chat();
  ASSERT_TRUE(recovered.ok()) << recovered.error().to_string();
  EXPECT_EQ(server_.requests().size(), 2u);
  server_.push_fault(fault_of(FakeFault::Kind::kTruncated));
  expect_error(chat(1), ErrorCode::kUnavailable, {GetParam().provider, GetParam().model});
}

TEST_P(ProviderFaultsTest, BodyStallingPastTheTimeoutIsATimeout) {
  server_.push_fault(fault_of(FakeFault::Kind::kStall, /*stall_ms=*/2500));
  auto c = client(/*max_attempts=*/1, "", /*request_timeout_s=*/1);
  ASSERT_TRUE(c.ok());
  ChatRequest r;
  r.messages = {{llm::Role::kUser, "hi", false}};
  expect_error((*c)->chat(r), ErrorCode::kTimeout, {GetParam().provider});
}

TEST_P(ProviderFaultsTest, ConnectionRefusedIsUnavailableAfterRetries) {
  int closed_port;
  {
    FakeLlmServer gone(GetParam().wire);
    closed_port = gone.port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(closed_port) + (openai() ? "/v1" : "");
  auto c = client(/*max_attempts=*/3, url);
  ASSERT_TRUE(c.ok());
  ChatRequest r;
  r.messages = {{llm::Role::kUser, "hi", false}};
  expect_error((*c)->chat(r), ErrorCode::kUnavailable, {GetParam().provider, std::to_string(closed_port)});
  EXPECT_GT(clock_.total_slept().count(), 0) << "connection errors are retried";
}

INSTANTIATE_TEST_SUITE_P(Wires, ProviderFaultsTest, ::testing::Values(kOpenAi, kAnthropic),
                         [](const ::testing::TestParamInfo<Wire>& p) {
                           return p.param.wire == LlmWire::kOpenAi ? std::string("OpenAi") : std::string("Anthropic");
                         });

}  // namespace
}  // namespace sci::testing
