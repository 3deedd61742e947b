// LlmClient: the one provider-neutral interface every LLM call in scientist goes
// through (OpenAI-compatible, Anthropic, replay, scripted fakes in tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::llm {

enum class Role { kUser, kAssistant };

struct Message {
  Role role = Role::kUser;
  std::string text;
  // Anthropic prompt caching: mark the end of the stable prefix (system + files).
  bool cache_breakpoint = false;
};

// Where a call comes from; used for cost accounting, budgets and replay keys.
struct CallTag {
  std::string idea;   // idea name, or "" for batch-level calls
  std::string stage;  // "ideas", "novelty", "experiment", "plot", "notes", "writeup", "review"
  std::string role;   // "ideas", "coder", "writer", "citations", "reviewer"
  int turn = 0;       // per (idea, stage, role), counted by the caller
};

struct ChatRequest {
  std::string model;  // as resolved for the provider (no "provider:" prefix)
  std::string system;
  std::vector<Message> messages;
  std::optional<double> temperature;
  int max_output_tokens = 4096;
  std::vector<std::string> stop;
  std::optional<std::string> json_schema;  // JSON Schema text for structured output
  int n_samples = 1;
  CallTag tag;
};

// input_tokens counts every prompt token, cached and cache-written ones included
// (OpenAI's prompt_tokens; Anthropic's input + cache_read + cache_creation).
struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cached_input_tokens = 0;   // read from cache
  std::int64_t cache_write_tokens = 0;    // written to cache (Anthropic)
};

enum class FinishReason { kStop, kLength, kContentFilter, kToolUse, kOther };

struct ChatResponse {
  std::string text;                  // first sample
  std::vector<std::string> samples;  // all samples when n_samples > 1 (samples[0] == text)
  FinishReason finish = FinishReason::kStop;
  Usage usage;
  double latency_s = 0;
  double cost_usd = 0;
  std::string model;     // as reported by the provider
  std::string provider;  // "openai", "anthropic", "replay", ...
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;
  // One chat completion. Errors: kRateLimited / kUnavailable / kTimeout after retries,
  // kAuth (names the key's env var), kNotFound (unknown model), kBudgetExceeded,
  // kParse (malformed provider reply), kCancelled. Thread-safe.
  virtual Result<ChatResponse> chat(const ChatRequest& request) = 0;
};

}  // namespace sci::llm
