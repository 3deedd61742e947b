// The JSON request bodies each provider receives for one representative ChatRequest
// (system, two messages, a cache breakpoint, JSON schema, temperature, max tokens), as
// captured by FakeLlmServer, match tests/golden/llm/expected/ (SCI_UPDATE_GOLDEN=1
// rebaselines). Bodies are pretty-printed so a wire change reads as a small diff.
#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "config/config.h"
#include "llm/factory.h"
#include "support/llm_fake_server.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

void expect_golden(const std::string& name, const std::string& actual) {
  auto path = source_dir() / "tests/golden/llm/expected" / name;
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(path, actual).ok());
    return;
  }
  auto expected = fs::read_file(path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << name;
}

llm::ChatRequest representative_request() {
  llm::ChatRequest r;
  r.system = "You are an AI scientist. Reply with JSON only.";
  r.messages = {
      {llm::Role::kUser, "experiment.py:\n```python\nimport numpy as np\nlr = 0.1\n```", true},
      {llm::Role::kUser, "Propose one change to the learning rate and rate its novelty.", false},
  };
  r.temperature = 0.5;
  r.max_output_tokens = 1024;
  r.json_schema = R"({"type":"object","properties":{"change":{"type":"string"},"novelty":{"type":"integer"}},)"
                  R"("required":["change","novelty"]})";
  r.tag = llm::CallTag{"lr_warmup", "ideas", "ideas", 2};
  return r;
}

// Sends `request` to `model_ref` at a fake speaking `wire`; returns the body it received.
std::string captured_body(LlmWire wire, const std::string& model_ref, const std::string& key_env,
                          const llm::ChatRequest& request, std::string* tag_header = nullptr) {
  FakeLlmServer server(wire);
  server.set_reply(R"({"change": "warmup", "novelty": 6})");
  config::Config config = config::Config::defaults();
  EXPECT_TRUE(config.set("llm.base_url", server.base_url()).ok());
  llm::ClientOptions options;
  options.environment = {{key_env, "sk-golden-test-key-000000"}};
  auto client = llm::make_client(config, model_ref, "ideas", options);
  EXPECT_TRUE(client.ok()) << client.error().to_string();
  if (!client.ok()) return "";
  auto reply = (*client)->chat(request);
  EXPECT_TRUE(reply.ok()) << reply.error().to_string();
  auto requests = server.requests();
  EXPECT_EQ(requests.size(), 1u);
  if (requests.empty()) return "";
  if (tag_header) *tag_header = requests[0].header("X-Scientist-Tag");
  return nlohmann::json::parse(requests[0].body).dump(2) + "\n";
}

TEST(LlmRequestGolden, OpenAiChatCompletionsBody) {
  std::string tag;
  expect_golden("openai_request.json",
                captured_body(LlmWire::kOpenAi, "openai:gpt-4o", "OPENAI_API_KEY", representative_request(), &tag));
  EXPECT_EQ(tag, "lr_warmup/ideas/ideas/2");
}

TEST(LlmRequestGolden, OpenAiReasoningModelBody) {
  // Reasoning models: developer role, max_completion_tokens, no temperature.
  expect_golden("openai_reasoning_request.json",
                captured_body(LlmWire::kOpenAi, "openai:o3-mini", "OPENAI_API_KEY", representative_request()));
}

TEST(LlmRequestGolden, DeepSeekJsonObjectBody) {
  // json_object providers: the schema moves into the system prompt.
  expect_golden("deepseek_request.json", captured_body(LlmWire::kOpenAi, "deepseek:deepseek-chat", "DEEPSEEK_API_KEY",
                                                       representative_request()));
}

TEST(LlmRequestGolden, AnthropicMessagesBody) {
  std::string tag;
  expect_golden("anthropic_request.json", captured_body(LlmWire::kAnthropic, "anthropic:claude-sonnet-4-5",
                                                        "ANTHROPIC_API_KEY", representative_request(), &tag));
  EXPECT_EQ(tag, "lr_warmup/ideas/ideas/2");
}

}  // namespace
}  // namespace sci::testing
