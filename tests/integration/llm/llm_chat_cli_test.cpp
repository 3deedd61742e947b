// The built binary's `llm chat` against FakeLlmServer in the OpenAI and Anthropic wire
// formats (reply, tokens and cost; surviving an injected 429 and 500; the key never
// printed; --record then replay), its usage errors, and `llm models`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "support/cli_runner.h"
#include "support/llm_fake_server.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

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

constexpr const char* kKey = "sk-cli-test-key-abcdef123456";

struct ChatCase {
  LlmWire wire;
  std::string model_ref;
  std::string key_env;
  std::string provider;
};

class LlmChatCliTest : public ::testing::TestWithParam<ChatCase> {
 protected:
  LlmChatCliTest() : server_(GetParam().wire), dir_(fresh_temp_dir("llm_chat_cli")) { server_.require_key(kKey); }

  CliResult chat(std::vector<std::string> extra) {
    std::vector<std::string> args = {"llm", "chat", "--model", GetParam().model_ref, "--base-url", server_.base_url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_scientist(args, dir_, {GetParam().key_env + "=" + kKey}, 120);
  }

  static void expect_no_key(const CliResult& r) {
    EXPECT_EQ(r.output.find(kKey), std::string::npos) << "the key was printed: " << r.output;
  }

  FakeLlmServer server_;
  std::filesystem::path dir_;
};

TEST_P(LlmChatCliTest, PrintsTheReplyTokensAndCost) {
  server_.set_reply("The capital of France is Paris.", 1000, 200, 400);
  auto r = chat({"--system", "Be brief.", "--prompt", "Capital of France?", "--max-tokens", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("The capital of France is Paris.\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("provider " + GetParam().provider), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(400 cached), 200 output"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(GetParam().wire == LlmWire::kOpenAi ? "cost $0.004000" : "cost $0.006120"),
            std::string::npos)
      << r.output;
  expect_no_key(r);
  auto body = nlohmann::json::parse(server_.requests().at(0).body);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_NE(body.dump().find("Capital of France?"), std::string::npos);
}

TEST_P(LlmChatCliTest, SurvivesAnInjected429And500) {
  server_.push_fault(status_fault(429, "0"));
  server_.push_fault(status_fault(500));
  server_.set_reply("still here", 10, 3);
  auto r = chat({"--prompt", "hello"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("still here"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("HTTP 429 on attempt 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("HTTP 500 on attempt 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("10 input (0 cached), 3 output"), std::string::npos) << r.output;
  EXPECT_EQ(server_.requests().size(), 3u);
  expect_no_key(r);
}

TEST_P(LlmChatCliTest, WrongKeyFailsWithTheEnvVarAndWithoutTheKey) {
  server_.require_key("sk-some-other-key-000000");
  auto r = chat({"--prompt", "hello"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(GetParam().key_env), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("HTTP 401"), std::string::npos) << r.output;
  expect_no_key(r);
}

TEST_P(LlmChatCliTest, JsonSchemaAsksForStructuredOutput) {
  ASSERT_TRUE(fs::write_file_atomic(dir_ / "schema.json",
                                    R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})")
                  .ok());
  server_.set_reply(R"({"city": "Paris"})");
  auto r = chat({"--prompt", "Capital of France?", "--json-schema", "schema.json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Paris"), std::string::npos) << r.output;
  auto body = nlohmann::json::parse(server_.requests().at(0).body);
  EXPECT_TRUE(body.contains(GetParam().wire == LlmWire::kOpenAi ? "response_format" : "tools")) << body.dump();
}

TEST_P(LlmChatCliTest, RecordedCallReplaysTheSameReplyWithoutTheKey) {
  server_.set_reply("recorded answer", 20, 4);
  auto recorded = chat({"--prompt-file", "prompt.txt", "--record", "chat.jsonl"});
  // The prompt file does not exist yet: a clear error, nothing sent.
  EXPECT_NE(recorded.exit_code, 0);
  EXPECT_NE(recorded.output.find("prompt.txt"), std::string::npos) << recorded.output;
  EXPECT_TRUE(server_.requests().empty());
  ASSERT_TRUE(fs::write_file_atomic(dir_ / "prompt.txt", "What is the answer?\n").ok());
  recorded = chat({"--prompt-file", "prompt.txt", "--record", "chat.jsonl"});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.output;
  auto cassette = fs::read_file(dir_ / "chat.jsonl");
  ASSERT_TRUE(cassette.ok());
  EXPECT_NE(cassette->find("recorded answer"), std::string::npos);
  EXPECT_EQ(cassette->find(kKey), std::string::npos);

  auto replayed = run_scientist({"llm", "chat", "--model", "replay:chat.jsonl", "--prompt-file", "prompt.txt"}, dir_);
  ASSERT_EQ(replayed.exit_code, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("recorded answer\n"), std::string::npos) << replayed.output;
  EXPECT_NE(replayed.output.find("20 input (0 cached), 4 output"), std::string::npos) << replayed.output;
}

INSTANTIATE_TEST_SUITE_P(Wires, LlmChatCliTest,
                         ::testing::Values(ChatCase{LlmWire::kOpenAi, "openai:gpt-4o", "OPENAI_API_KEY", "openai"},
                                           ChatCase{LlmWire::kAnthropic, "anthropic:claude-sonnet-4-5",
                                                    "ANTHROPIC_API_KEY", "anthropic"}),
                         [](const ::testing::TestParamInfo<ChatCase>& p) {
                           return p.param.wire == LlmWire::kOpenAi ? std::string("OpenAi") : std::string("Anthropic");
                         });

TEST(LlmChatCliUsageTest, MissingPromptOrModelIsAUsageError) {
  auto dir = fresh_temp_dir("llm_chat_usage");
  auto no_prompt = run_scientist({"llm", "chat", "--model", "openai:gpt-4o"}, dir);
  EXPECT_EQ(no_prompt.exit_code, 2) << no_prompt.output;
  EXPECT_NE(no_prompt.output.find("--prompt"), std::string::npos) << no_prompt.output;
  auto both = run_scientist({"llm", "chat", "--model", "openai:gpt-4o", "--prompt", "a", "--prompt-file", "f"}, dir);
  EXPECT_EQ(both.exit_code, 2) << both.output;
  auto no_model = run_scientist({"llm", "chat", "--prompt", "hi"}, dir, {"SCIENTIST_LLM_MODEL="});
  EXPECT_EQ(no_model.exit_code, 2) << no_model.output;
  EXPECT_NE(no_model.output.find("--model"), std::string::npos) << no_model.output;
}

TEST(LlmChatCliUsageTest, UnsetKeyNamesTheEnvVarAndSendsNothing) {
  auto dir = fresh_temp_dir("llm_chat_nokey");
  FakeLlmServer server(LlmWire::kOpenAi);
  // A config provider whose key variable is certainly unset in the test environment.
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml",
                                    "[providers.myproxy]\nkind = \"openai\"\nbase_url = \"" + server.base_url() +
                                        "\"\napi_key_env = \"SCI_TEST_UNSET_PROXY_KEY\"\n")
                  .ok());
  auto r = run_scientist({"llm", "chat", "--model", "myproxy:some-model", "--prompt", "hi"}, dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("SCI_TEST_UNSET_PROXY_KEY is not set"), std::string::npos) << r.output;
  EXPECT_TRUE(server.requests().empty());
}

TEST(LlmModelsCliTest, ListsBuiltinAndConfiguredPricesWithProviders) {
  auto dir = fresh_temp_dir("llm_models");
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml",
                                    "[prices.\"ollama:qwen2.5-coder:32b\"]\ninput_per_mtok = 0.5\noutput_per_mtok = 1.5\n")
                  .ok());
  auto table = run_scientist({"llm", "models"}, dir);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("openai:gpt-4o "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("anthropic:claude-sonnet-4-5"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("ollama"), std::string::npos) << table.output;

  auto js = run_scientist({"llm", "models", "--json"}, dir);
  ASSERT_EQ(js.exit_code, 0) << js.output;
  auto out = nlohmann::json::parse(js.output);
  bool saw_gpt4o = false, saw_config = false;
  for (const auto& m : out["models"]) {
    if (m["reference"] == "openai:gpt-4o") {
      saw_gpt4o = true;
      EXPECT_EQ(m["provider"], "openai");
      EXPECT_EQ(m["kind"], "openai");
      EXPECT_EQ(m["api_key_env"], "OPENAI_API_KEY");
      EXPECT_DOUBLE_EQ(m["input_per_mtok"].get<double>(), 2.50);
      EXPECT_DOUBLE_EQ(m["output_per_mtok"].get<double>(), 10.00);
      EXPECT_EQ(m["source"], "builtin");
    }
    if (m["reference"] == "ollama:qwen2.5-coder:32b") {
      saw_config = true;
      EXPECT_EQ(m["model"], "qwen2.5-coder:32b");
      EXPECT_DOUBLE_EQ(m["output_per_mtok"].get<double>(), 1.5);
      EXPECT_EQ(m["source"], "config");
    }
  }
  EXPECT_TRUE(saw_gpt4o && saw_config) << js.output;
  EXPECT_NE(out["free_providers"].dump().find("ollama"), std::string::npos);
}

}  // namespace
}  // namespace sci::testing
