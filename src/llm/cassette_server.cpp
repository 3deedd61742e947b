// Serving a cassette over the OpenAI and Anthropic wire formats; see cassette_server.h.
#include "llm/cassette_server.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"

namespace sci::llm {

namespace {

using nlohmann::json;

enum class Wire { kOpenAi, kAnthropic };

http::HttpResponse json_response(int status, const json& body) {
  http::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

http::HttpResponse error_response(Wire wire, int status, const std::string& type, const std::string& message) {
  if (wire == Wire::kAnthropic)
    return json_response(status, {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
  return json_response(status, {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}});
}

std::string header_value(const http::HttpRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers)
    if (str::to_lower(k) == str::to_lower(name)) return v;
  return "";
}

// The text of a message's content: a string, or a list of {"type":"text","text":...} parts.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array())
    for (const auto& part : content)
      if (part.is_object() && part.value("type", "") == "text") out += part.value("text", "");
  return out;
}

ChatRequest to_chat_request(Wire wire, const json& body) {
  ChatRequest r;
  r.model = body.value("model", "");
  if (body.contains("max_tokens") && body["max_tokens"].is_number()) r.max_output_tokens = body["max_tokens"].get<int>();
  if (body.contains("max_completion_tokens") && body["max_completion_tokens"].is_number())
    r.max_output_tokens = body["max_completion_tokens"].get<int>();
  if (body.contains("temperature") && body["temperature"].is_number()) r.temperature = body["temperature"].get<double>();
  if (wire == Wire::kAnthropic && body.contains("system")) r.system = content_text(body["system"]);
  if (body.contains("messages") && body["messages"].is_array()) {
    for (const auto& m : body["messages"]) {
      std::string role = m.value("role", "");
      std::string text = m.contains("content") ? content_text(m["content"]) : "";
      if (role == "system" || role == "developer") {
        r.system += text;
      } else {
        r.messages.push_back({role == "assistant" ? Role::kAssistant : Role::kUser, text, false});
      }
    }
  }
  return r;
}

json openai_reply(const ChatRequest& request, const ChatResponse& response, size_t id) {
  json choices = json::array();
  std::vector<std::string> samples = response.samples.empty() ? std::vector<std::string>{response.text} : response.samples;
  for (size_t i = 0; i < samples.size(); ++i)
    choices.push_back({{"index", i},
                       {"message", {{"role", "assistant"}, {"content", samples[i]}, {"refusal", nullptr}}},
                       {"logprobs", nullptr},
                       {"finish_reason", response.finish == FinishReason::kLength ? "length" : "stop"}});
  json usage = {{"prompt_tokens", response.usage.input_tokens},
                {"completion_tokens", response.usage.output_tokens},
                {"total_tokens", response.usage.input_tokens + response.usage.output_tokens},
                {"prompt_tokens_details", {{"cached_tokens", response.usage.cached_input_tokens}}}};
  return {{"id", fmt::format("chatcmpl-replay-{}", id)},
          {"object", "chat.completion"},
          {"created", static_cast<long long>(std::time(nullptr))},
          {"model", request.model},
          {"choices", choices},
          {"usage", usage},
          {"system_fingerprint", "scientist-cassette"}};
}

json anthropic_reply(const ChatRequest& request, const ChatResponse& response, size_t id) {
  return {{"id", fmt::format("msg_replay_{}", id)},
          {"type", "message"},
          {"role", "assistant"},
          {"model", request.model},
          {"content", json::array({{{"type", "text"}, {"text", response.text}}})},
          {"stop_reason", response.finish == FinishReason::kLength ? "max_tokens" : "end_turn"},
          {"stop_sequence", nullptr},
          {"usage",
           {{"input_tokens", response.usage.input_tokens},
            {"output_tokens", response.usage.output_tokens},
            {"cache_read_input_tokens", response.usage.cached_input_tokens},
            {"cache_creation_input_tokens", response.usage.cache_write_tokens}}}};
}

}  // namespace

std::optional<CallTag> parse_tag_header(const std::string& value) {
  auto parts = str::split(value, '/');
  if (parts.size() != 4) return std::nullopt;
  CallTag tag{parts[0], parts[1], parts[2], 0};
  try {
    size_t used = 0;
    tag.turn = std::stoi(parts[3], &used);
    if (used != parts[3].size()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return tag;
}

http::HttpResponse CassetteServer::handle(const http::HttpRequest& request) {
  std::string path = request.url.substr(0, request.url.find('?'));
  Wire wire = str::ends_with(path, "/messages") ? Wire::kAnthropic : Wire::kOpenAi;
  if (request.method != "POST" || !(str::ends_with(path, "/chat/completions") || str::ends_with(path, "/messages")))
    return error_response(wire, 404, "not_found_error",
                          fmt::format("{} {}: this cassette server answers POST /v1/chat/completions (OpenAI) and "
                                      "POST /v1/messages (Anthropic)",
                                      request.method, path));
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return error_response(wire, 400, "invalid_request_error", "the request body is not a JSON object");
  ChatRequest chat = to_chat_request(wire, body);
  std::string tag_value = header_value(request, "X-Scientist-Tag");
  std::optional<CallTag> tag = tag_value.empty() ? std::nullopt : parse_tag_header(tag_value);
  if (tag) chat.tag = *tag;
  auto reply = replay_->chat_with(chat, tag ? ReplayMatch::kTag : ReplayMatch::kSequential);
  if (!reply.ok()) {
    log::warn("serve-cassette: {}", reply.error().to_string());
    return error_response(wire, 404, wire == Wire::kAnthropic ? "not_found_error" : "invalid_request_error",
                          reply.error().message);
  }
  size_t id = ++served_;
  return json_response(200, wire == Wire::kAnthropic ? anthropic_reply(chat, *reply, id) : openai_reply(chat, *reply, id));
}

}  // namespace sci::llm
