// Model references: "provider:model" (e.g. "ollama:qwen2.5-coder:32b"), the bare names
// the original AI Scientist accepted ("gpt-4o-2024-05-13", "claude-3-5-sonnet-20241022",
// "llama3.1-405b"), built-in providers, providers from the config [providers] table,
// and the model chosen for each role.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "llm/provider.h"

namespace sci::llm {

// Built-in providers: openai, anthropic, deepseek, openrouter, gemini, groq, together,
// vllm, sglang, ollama, llamacpp, lmstudio, replay.
const std::vector<ProviderSpec>& builtin_providers();

// Built-ins overlaid with [providers.NAME] entries (fields: kind = openai|anthropic,
// base_url, api_key_env, headers = "Name: value; Name2: value2", structured =
// json_schema|json_object|prompt, local = true|false). A config entry with a built-in
// name overrides only the fields it sets. kInvalidArgument names a bad entry.
Result<std::vector<ProviderSpec>> providers_from_config(const config::Config& config);

struct ResolvedModel {
  ProviderSpec provider;
  std::string model;  // as the provider expects it
  std::string reference() const { return provider.name + ":" + model; }
};

// Resolves `reference` against `providers`. "name:model" when `name` is a provider;
// otherwise a bare name mapped by family (claude-* -> anthropic, gpt-*/o1*/o3*/o4* ->
// openai, deepseek-* -> deepseek, gemini-* -> gemini, llama3.1-405b -> openrouter).
// `base_url_override` (llm.base_url) replaces the provider's URL; with it, an unknown
// bare name is sent to that OpenAI-compatible server. Unknown models of a known
// provider are accepted (the caller warns). kInvalidArgument for an empty reference or
// an unknown bare name, listing the providers.
Result<ResolvedModel> resolve_model(std::string_view reference, const std::vector<ProviderSpec>& providers,
                                    const std::string& base_url_override = "");

// The roles that have their own model key (llm.model_<role>).
const std::vector<std::string>& model_roles();

// llm.model_<role> if set, else llm.model. kInvalidArgument when neither is set or the
// role is unknown.
Result<std::string> model_reference_for_role(const config::Config& config, std::string_view role);

}  // namespace sci::llm
