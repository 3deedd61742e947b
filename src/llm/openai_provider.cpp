// OpenAI Chat Completions wire format (POST {base}/chat/completions), used for OpenAI
// and every compatible server. Follows the Chat Completions API reference: messages
// with roles, `max_tokens` (`max_completion_tokens` for reasoning models), `stop`, `n`,
// `response_format` with a json_schema, usage.prompt_tokens_details.cached_tokens.
#include <chrono>

#include "base/log.h"
#include "base/strings.h"
#include "llm/provider.h"
#include "llm/provider_common.h"

namespace sci::llm {

namespace {

std::string bare_model(const std::string& model) {
  // OpenRouter writes "openai/o3-mini"; the family is after the slash.
  auto slash = model.rfind('/');
  return slash == std::string::npos ? model : model.substr(slash + 1);
}

std::string schema_instruction(const std::string& schema) {
  return "Reply with a single JSON object that conforms to this JSON Schema, and nothing else:\n" + schema;
}

FinishReason openai_finish(const std::string& reason) {
  if (reason == "stop") return FinishReason::kStop;
  if (reason == "length") return FinishReason::kLength;
  if (reason == "content_filter") return FinishReason::kContentFilter;
  if (reason == "tool_calls" || reason == "function_call") return FinishReason::kToolUse;
  return reason.empty() ? FinishReason::kStop : FinishReason::kOther;
}

}  // namespace

bool is_openai_reasoning_model(const std::string& model) {
  std::string m = str::to_lower(bare_model(model));
  return str::starts_with(m, "o1") || str::starts_with(m, "o3") || str::starts_with(m, "o4") ||
         str::starts_with(m, "gpt-5");
}

std::string openai_request_body(const ChatRequest& request, const ProviderSpec& spec) {
  using nlohmann::json;
  const bool reasoning = is_openai_reasoning_model(request.model);
  // o1-preview and o1-mini reject both system and developer messages.
  std::string bare = str::to_lower(bare_model(request.model));
  const bool no_system_role = str::starts_with(bare, "o1-preview") || str::starts_with(bare, "o1-mini");
  std::string system = request.system;
  if (request.json_schema && spec.structured != StructuredMode::kJsonSchema)
    system += (system.empty() ? "" : "\n\n") + schema_instruction(*request.json_schema);

  json body = json::object();
  body["model"] = request.model;
  json messages = json::array();
  size_t first_user = request.messages.size();
  for (size_t i = 0; i < request.messages.size(); ++i)
    if (request.messages[i].role == Role::kUser) { first_user = i; break; }
  if (!system.empty() && !no_system_role)
    messages.push_back({{"role", reasoning ? "developer" : "system"}, {"content", system}});
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const Message& m = request.messages[i];
    std::string text = m.text;
    if (no_system_role && !system.empty() && i == first_user) text = system + "\n\n" + text;
    messages.push_back({{"role", m.role == Role::kUser ? "user" : "assistant"}, {"content", text}});
  }
  body["messages"] = messages;
  if (reasoning) {
    body["max_completion_tokens"] = request.max_output_tokens;
  } else {
    body["max_tokens"] = request.max_output_tokens;
    if (request.temperature) body["temperature"] = *request.temperature;
  }
  if (!request.stop.empty() && !reasoning) body["stop"] = request.stop;
  if (request.n_samples > 1) body["n"] = request.n_samples;
  if (request.json_schema) {
    if (spec.structured == StructuredMode::kJsonSchema) {
      json schema;
      try {
        schema = json::parse(*request.json_schema);
      } catch (...) {
        schema = json::object();
      }
      body["response_format"] = {{"type", "json_schema"},
                                 {"json_schema", {{"name", "response"}, {"schema", schema}, {"strict", false}}}};
    } else if (spec.structured == StructuredMode::kJsonObject) {
      body["response_format"] = {{"type", "json_object"}};
    }
  }
  return sci::json::dump(body);
}

namespace {

class OpenAiClient final : public LlmClient {
 public:
  explicit OpenAiClient(ProviderOptions options) : options_(std::move(options)) {}

  Result<ChatResponse> chat(const ChatRequest& request) override {
    if (request.json_schema) {
      // A schema that is not JSON must fail here, not as a confusing 400 later.
      auto s = json::parse(*request.json_schema, "json_schema");
      if (!s.ok()) return make_error(ErrorCode::kInvalidArgument, "json_schema is not valid JSON: " + s.error().message);
    }
    const std::string url = detail::join_url(options_.spec.base_url, "/chat/completions");
    http::Headers headers;
    if (!options_.api_key.empty()) headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    headers.emplace_back("X-Scientist-Tag", detail::tag_header_value(request.tag));
    auto start = std::chrono::steady_clock::now();
    SCI_ASSIGN_OR_RETURN(http::HttpResponse http_response,
                         detail::post_json(options_, url, std::move(headers),
                                           openai_request_body(request, options_.spec), request.model));
    double latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SCI_ASSIGN_OR_RETURN(json::Json body, detail::parse_reply_body(http_response, options_.spec, url));
    return parse(body, request, url, latency_s);
  }

 private:
  Result<ChatResponse> parse(const json::Json& body, const ChatRequest& request, const std::string& url,
                             double latency_s) {
    const std::string& name = options_.spec.name;
    if (body.is_object() && body.contains("error") && !body["error"].is_null())
      return make_error(ErrorCode::kUnavailable,
                        fmt::format("{}: error in a 200 reply: {}", name, detail::error_text_from_body(json::dump(body))),
                        url);
    if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array() || body["choices"].empty())
      return make_error(ErrorCode::kParse, fmt::format("{}: reply for model '{}' has no choices", name, request.model),
                        url);
    ChatResponse out;
    out.provider = name;
    out.model = body.value("model", request.model);
    out.latency_s = latency_s;
    bool first = true;
    for (const auto& choice : body["choices"]) {
      if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object())
        return make_error(ErrorCode::kParse, fmt::format("{}: a choice has no message", name), url);
      const auto& msg = choice["message"];
      std::string text;
      if (msg.contains("content") && msg["content"].is_string()) text = msg["content"].get<std::string>();
      if (msg.contains("refusal") && msg["refusal"].is_string() && text.empty()) {
        if (first) out.finish = FinishReason::kContentFilter;
        text = msg["refusal"].get<std::string>();
      }
      if (first) {
        std::string reason = choice.contains("finish_reason") && choice["finish_reason"].is_string()
                                 ? choice["finish_reason"].get<std::string>()
                                 : "";
        if (out.finish != FinishReason::kContentFilter) out.finish = openai_finish(reason);
        out.text = text;
        first = false;
      }
      out.samples.push_back(std::move(text));
    }
    if (body.contains("usage") && body["usage"].is_object()) {
      const auto& u = body["usage"];
      auto num = [](const json::Json& o, const char* k) -> std::int64_t {
        return o.contains(k) && o[k].is_number() ? o[k].get<std::int64_t>() : 0;
      };
      out.usage.input_tokens = num(u, "prompt_tokens");
      out.usage.output_tokens = num(u, "completion_tokens");
      if (u.contains("prompt_tokens_details") && u["prompt_tokens_details"].is_object())
        out.usage.cached_input_tokens = num(u["prompt_tokens_details"], "cached_tokens");
      else
        out.usage.cached_input_tokens = num(u, "prompt_cache_hit_tokens");  // DeepSeek
    }
    return out;
  }

  ProviderOptions options_;
};

}  // namespace

std::unique_ptr<LlmClient> make_openai_client(ProviderOptions options) {
  return std::make_unique<OpenAiClient>(std::move(options));
}

}  // namespace sci::llm
