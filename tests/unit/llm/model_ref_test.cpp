// Model references: provider:model, the original's bare names, config providers,
// base-URL override, per-role models.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "llm/model_ref.h"
#include "support/test_paths.h"

namespace sci::llm {
namespace {

ResolvedModel resolve_ok(std::string_view ref, const std::string& base_url = "") {
  auto r = resolve_model(ref, builtin_providers(), base_url);
  EXPECT_TRUE(r.ok()) << ref << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ResolvedModel{};
}

TEST(ModelRefTest, ProviderPrefixedReferences) {
  auto a = resolve_ok("anthropic:claude-sonnet-4-5");
  EXPECT_EQ(a.provider.name, "anthropic");
  EXPECT_EQ(a.provider.kind, ProviderKind::kAnthropic);
  EXPECT_EQ(a.model, "claude-sonnet-4-5");
  EXPECT_EQ(a.provider.base_url, "https://api.anthropic.com");
  EXPECT_EQ(resolve_ok("openai:gpt-4o").provider.api_key_env, "OPENAI_API_KEY");
  EXPECT_EQ(resolve_ok("deepseek:deepseek-chat").provider.base_url, "https://api.deepseek.com/v1");
  EXPECT_EQ(resolve_ok("openrouter:meta-llama/llama-3.1-405b-instruct").model, "meta-llama/llama-3.1-405b-instruct");
  EXPECT_EQ(resolve_ok("gemini:gemini-2.5-pro").provider.base_url,
            "https://generativelanguage.googleapis.com/v1beta/openai");
}

TEST(ModelRefTest, OllamaModelWithAColonInItsTagKeepsTheTag) {
  auto r = resolve_ok("ollama:qwen2.5-coder:32b");
  EXPECT_EQ(r.provider.name, "ollama");
  EXPECT_EQ(r.model, "qwen2.5-coder:32b");
  EXPECT_TRUE(r.provider.local);
  EXPECT_EQ(r.provider.api_key_env, "");
}

TEST(ModelRefTest, BareNamesOfTheOriginalMapToProviders) {
  EXPECT_EQ(resolve_ok("claude-3-5-sonnet-20241022").provider.name, "anthropic");
  EXPECT_EQ(resolve_ok("gpt-4o-2024-05-13").provider.name, "openai");
  EXPECT_EQ(resolve_ok("o1-preview-2024-09-12").provider.name, "openai");
  EXPECT_EQ(resolve_ok("deepseek-chat").provider.name, "deepseek");
  EXPECT_EQ(resolve_ok("deepseek-coder-v2-0724").model, "deepseek-coder");
  EXPECT_EQ(resolve_ok("gemini-2.0-flash").provider.name, "gemini");
  auto llama = resolve_ok("llama3.1-405b");
  EXPECT_EQ(llama.provider.name, "openrouter");
  EXPECT_EQ(llama.model, "meta-llama/llama-3.1-405b-instruct");
}

TEST(ModelRefTest, UnknownBareNameFailsListingProvidersUnlessABaseUrlIsGiven) {
  auto r = resolve_model("my-local-model", builtin_providers());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("provider:model"), std::string::npos);
  EXPECT_NE(r.error().message.find("ollama"), std::string::npos);
  auto custom = resolve_ok("my-local-model", "http://127.0.0.1:9999/v1");
  EXPECT_EQ(custom.provider.kind, ProviderKind::kOpenAi);
  EXPECT_EQ(custom.provider.base_url, "http://127.0.0.1:9999/v1");
  EXPECT_EQ(custom.model, "my-local-model");
}

TEST(ModelRefTest, UnknownModelOfAKnownProviderIsAccepted) {
  EXPECT_EQ(resolve_ok("openai:gpt-9-preview").model, "gpt-9-preview");
}

TEST(ModelRefTest, BaseUrlOverrideReplacesTheProvidersUrl) {
  EXPECT_EQ(resolve_ok("openai:gpt-4o", "http://127.0.0.1:1/v1").provider.base_url, "http://127.0.0.1:1/v1");
}

TEST(ModelRefTest, BedrockNamesGetAClearMessage) {
  auto r = resolve_model("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", builtin_providers());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not supported"), std::string::npos);
}

config::Config config_from(const std::string& toml) {
  auto dir = testing::fresh_temp_dir("cfg");
  auto path = dir / "scientist.toml";
  EXPECT_TRUE(fs::write_file_atomic(path, toml).ok());
  config::LoadOptions opts;
  opts.file = path;
  opts.cwd = dir;
  opts.environment = +[]() { return std::map<std::string, std::string>{}; };
  auto c = config::Config::load(opts);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : config::Config::defaults();
}

TEST(ModelRefTest, ProvidersFromTheConfigFileAddAndOverride) {
  auto cfg = config_from(R"(
[providers.work]
kind = "anthropic"
base_url = "https://llm-gateway.example.com"
api_key_env = "WORK_LLM_KEY"
headers = "X-Team: research; X-Trace: on"

[providers.ollama]
base_url = "http://gpu-box:11434/v1"
)");
  auto providers = providers_from_config(cfg);
  ASSERT_TRUE(providers.ok()) << providers.error().to_string();
  auto work = resolve_model("work:claude-sonnet-4-5", *providers);
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(work->provider.kind, ProviderKind::kAnthropic);
  EXPECT_EQ(work->provider.api_key_env, "WORK_LLM_KEY");
  ASSERT_EQ(work->provider.extra_headers.size(), 2u);
  EXPECT_EQ(work->provider.extra_headers[1].first, "X-Trace");
  EXPECT_EQ(work->provider.extra_headers[1].second, "on");
  auto ollama = resolve_model("ollama:llama3", *providers);
  ASSERT_TRUE(ollama.ok());
  EXPECT_EQ(ollama->provider.base_url, "http://gpu-box:11434/v1");
  EXPECT_TRUE(ollama->provider.local);  // untouched fields keep the built-in values
}

TEST(ModelRefTest, BadProviderEntriesAreRejectedByName) {
  auto cfg = config_from("[providers.x]\nkind = \"grpc\"\nbase_url = \"http://a\"\n");
  auto p = providers_from_config(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("[providers.x] kind 'grpc'"), std::string::npos);
  auto cfg2 = config_from("[providers.y]\napi_key_env = \"K\"\n");
  auto p2 = providers_from_config(cfg2);
  ASSERT_FALSE(p2.ok());
  EXPECT_NE(p2.error().message.find("needs base_url"), std::string::npos);
}

TEST(ModelRefTest, PerRoleModelFallsBackToTheDefaultModel) {
  auto cfg = config::Config::defaults();
  ASSERT_TRUE(cfg.set("llm.model", "openai:gpt-4o").ok());
  ASSERT_TRUE(cfg.set("llm.model_reviewer", "anthropic:claude-sonnet-4-5").ok());
  EXPECT_EQ(*model_reference_for_role(cfg, "coder"), "openai:gpt-4o");
  EXPECT_EQ(*model_reference_for_role(cfg, "reviewer"), "anthropic:claude-sonnet-4-5");
  auto bad = model_reference_for_role(cfg, "poet");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unknown LLM role 'poet'"), std::string::npos);
  auto none = model_reference_for_role(config::Config::defaults(), "ideas");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("--model"), std::string::npos);
}

}  // namespace
}  // namespace sci::llm
