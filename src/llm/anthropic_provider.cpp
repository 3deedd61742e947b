// Anthropic Messages API (POST {base}/v1/messages, base without /v1 as in Anthropic's
// SDKs). Follows the API reference: x-api-key + anthropic-version headers, system as
// text blocks, content blocks, max_tokens, stop_sequences, prompt caching with
// cache_control on the stable prefix, and a forced tool call for structured output.
#include <chrono>

#include "base/log.h"
#include "llm/provider.h"
#include "llm/provider_common.h"

namespace sci::llm {

namespace {

constexpr const char* kApiVersion = "2023-06-01";
constexpr const char* kToolName = "respond";
// Anthropic allows at most 4 cache breakpoints per request.
constexpr int kMaxCacheBreakpoints = 4;

FinishReason anthropic_finish(const std::string& reason) {
  if (reason == "end_turn" || reason == "stop_sequence" || reason.empty()) return FinishReason::kStop;
  if (reason == "max_tokens") return FinishReason::kLength;
  if (reason == "tool_use") return FinishReason::kToolUse;
  if (reason == "refusal") return FinishReason::kContentFilter;
  return FinishReason::kOther;
}

}  // namespace

std::string anthropic_request_body(const ChatRequest& request) {
  using nlohmann::json;
  json body = json::object();
  body["model"] = request.model;
  body["max_tokens"] = request.max_output_tokens;
  int breakpoints_left = kMaxCacheBreakpoints;
  if (!request.system.empty()) {
    // The system prompt is the most stable prefix: always a cache breakpoint.
    body["system"] = json::array({{{"type", "text"}, {"text", request.system}, {"cache_control", {{"type", "ephemeral"}}}}});
    --breakpoints_left;
  }
  // Keep the last breakpoints when there are too many: they cover the longest prefix.
  int marked = 0;
  for (const auto& m : request.messages) marked += m.cache_breakpoint ? 1 : 0;
  int skip = std::max(0, marked - breakpoints_left);
  json messages = json::array();
  for (const auto& m : request.messages) {
    json block = {{"type", "text"}, {"text", m.text}};
    if (m.cache_breakpoint) {
      if (skip > 0) --skip;
      else block["cache_control"] = {{"type", "ephemeral"}};
    }
    messages.push_back({{"role", m.role == Role::kUser ? "user" : "assistant"}, {"content", json::array({block})}});
  }
  body["messages"] = messages;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (request.json_schema) {
    json schema;
    try {
      schema = json::parse(*request.json_schema);
    } catch (...) {
      schema = json::object();
    }
    body["tools"] = json::array({{{"name", kToolName},
                                  {"description", "Return the answer as structured data matching the schema."},
                                  {"input_schema", schema}}});
    body["tool_choice"] = {{"type", "tool"}, {"name", kToolName}};
  }
  return sci::json::dump(body);
}

namespace {

class AnthropicClient final : public LlmClient {
 public:
  explicit AnthropicClient(ProviderOptions options) : options_(std::move(options)) {}

  Result<ChatResponse> chat(const ChatRequest& request) override {
    if (request.json_schema) {
      auto s = json::parse(*request.json_schema, "json_schema");
      if (!s.ok()) return make_error(ErrorCode::kInvalidArgument, "json_schema is not valid JSON: " + s.error().message);
    }
    // The Messages API has no `n`: draw samples one call at a time and sum usage.
    ChatResponse total;
    for (int i = 0; i < std::max(1, request.n_samples); ++i) {
      SCI_ASSIGN_OR_RETURN(ChatResponse one, chat_once(request));
      if (i == 0) {
        total = one;
        total.samples.clear();
      } else {
        total.usage.input_tokens += one.usage.input_tokens;
        total.usage.output_tokens += one.usage.output_tokens;
        total.usage.cached_input_tokens += one.usage.cached_input_tokens;
        total.usage.cache_write_tokens += one.usage.cache_write_tokens;
        total.latency_s += one.latency_s;
      }
      total.samples.push_back(one.text);
    }
    return total;
  }

 private:
  Result<ChatResponse> chat_once(const ChatRequest& request) {
    const std::string url = detail::join_url(options_.spec.base_url, "/v1/messages");
    http::Headers headers;
    if (!options_.api_key.empty()) headers.emplace_back("x-api-key", options_.api_key);
    headers.emplace_back("anthropic-version", kApiVersion);
    headers.emplace_back("X-Scientist-Tag", detail::tag_header_value(request.tag));
    auto start = std::chrono::steady_clock::now();
    SCI_ASSIGN_OR_RETURN(http::HttpResponse http_response,
                         detail::post_json(options_, url, std::move(headers), anthropic_request_body(request),
                                           request.model));
    double latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SCI_ASSIGN_OR_RETURN(json::Json body, detail::parse_reply_body(http_response, options_.spec, url));
    const std::string& name = options_.spec.name;
    if (body.is_object() && body.value("type", "") == "error")
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("{}: error in a 200 reply: {}", name, detail::error_text_from_body(json::dump(body))),
                        url);
    if (!body.is_object() || !body.contains("content") || !body["content"].is_array())
      return make_error(ErrorCode::kParse, fmt::format("{}: reply for model '{}' has no content", name, request.model),
                        url);
    ChatResponse out;
    out.provider = name;
    out.model = body.value("model", request.model);
    out.latency_s = latency_s;
    std::string reason = body.contains("stop_reason") && body["stop_reason"].is_string()
                             ? body["stop_reason"].get<std::string>()
                             : "";
    out.finish = anthropic_finish(reason);
    bool tool_answer = false;
    for (const auto& block : body["content"]) {
      if (!block.is_object()) continue;
      std::string type = block.value("type", "");
      if (type == "text" && block.contains("text") && block["text"].is_string() && !tool_answer) {
        out.text += block["text"].get<std::string>();
      } else if (type == "tool_use" && block.value("name", "") == kToolName && block.contains("input")) {
        // Structured output: the tool's input is the answer.
        out.text = json::dump(block["input"]);
        tool_answer = true;
      }
    }
    if (tool_answer && out.finish == FinishReason::kToolUse) out.finish = FinishReason::kStop;
    if (out.text.empty() && body["content"].empty() && out.finish != FinishReason::kLength)
      return make_error(ErrorCode::kParse, fmt::format("{}: empty content for model '{}'", name, request.model), url);
    out.samples = {out.text};
    if (body.contains("usage") && body["usage"].is_object()) {
      const auto& u = body["usage"];
      auto num = [](const json::Json& o, const char* k) -> std::int64_t {
        return o.contains(k) && o[k].is_number() ? o[k].get<std::int64_t>() : 0;
      };
      out.usage.cached_input_tokens = num(u, "cache_read_input_tokens");
      out.usage.cache_write_tokens = num(u, "cache_creation_input_tokens");
      // Anthropic's input_tokens excludes cached and cache-written tokens; ours is the total.
      out.usage.input_tokens = num(u, "input_tokens") + out.usage.cached_input_tokens + out.usage.cache_write_tokens;
      out.usage.output_tokens = num(u, "output_tokens");
    }
    return out;
  }

  ProviderOptions options_;
};

}  // namespace

std::unique_ptr<LlmClient> make_anthropic_client(ProviderOptions options) {
  return std::make_unique<AnthropicClient>(std::move(options));
}

}  // namespace sci::llm
