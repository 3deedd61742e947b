// Providers: how to reach one LLM endpoint (kind, base URL, key env var, headers) and
// the HTTP-backed LlmClients for the two wire formats (OpenAI Chat Completions and
// Anthropic Messages). Model-reference resolution lives in model_ref.h.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "base/time.h"
#include "http/transport.h"
#include "llm/client.h"

namespace sci::llm {

enum class ProviderKind { kOpenAi, kAnthropic, kReplay };

// How a provider takes structured output (OpenAI-compatible servers differ).
enum class StructuredMode { kJsonSchema, kJsonObject, kPromptOnly };

struct ProviderSpec {
  std::string name;                 // "openai", "anthropic", "ollama", or a config name
  ProviderKind kind = ProviderKind::kOpenAi;
  std::string base_url;             // OpenAI kind: includes /v1; Anthropic: without /v1
  std::string api_key_env;          // "" = the server needs no key (local servers)
  http::Headers extra_headers;      // e.g. OpenRouter's HTTP-Referer / X-Title
  StructuredMode structured = StructuredMode::kJsonSchema;
  bool local = false;               // runs on the user's machine: free, no key
};

const char* provider_kind_name(ProviderKind kind);

struct ProviderOptions {
  ProviderSpec spec;
  std::string api_key;  // resolved from spec.api_key_env; "" when not needed
  std::shared_ptr<http::HttpTransport> transport;  // required
  http::RetryPolicy retry;
  std::chrono::milliseconds request_timeout{600000};
  const std::atomic<bool>* cancel = nullptr;
  time::Clock* clock = nullptr;  // nullptr = system clock
};

// HTTP clients. chat() errors: kAuth (401/403, names the key's env var), kNotFound
// (404, names provider and model), kRateLimited (429 after retries), kUnavailable
// (5xx / connection errors after retries), kTimeout, kCancelled, kInvalidArgument
// (400: the provider's message), kParse (empty reply, HTML page, malformed JSON, no
// choices). Thread-safe; cost_usd is left 0 (MeteredClient prices calls).
std::unique_ptr<LlmClient> make_openai_client(ProviderOptions options);
std::unique_ptr<LlmClient> make_anthropic_client(ProviderOptions options);

// Wire format, exposed for golden tests and the cassette server.
// The JSON body sent to {base}/chat/completions for `request`.
std::string openai_request_body(const ChatRequest& request, const ProviderSpec& spec);
// The JSON body sent to {base}/v1/messages for `request` (one sample).
std::string anthropic_request_body(const ChatRequest& request);
// o1/o3/o4/gpt-5 families: no temperature, max_completion_tokens, developer role.
bool is_openai_reasoning_model(const std::string& model);

// Maps a non-2xx or unusable reply to a typed error (shared by both wire formats).
Error provider_http_error(const http::HttpResponse& response, const ProviderSpec& spec, const std::string& model,
                          const std::string& url);

}  // namespace sci::llm
