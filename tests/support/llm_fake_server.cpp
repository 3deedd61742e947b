// FakeLlmServer (see llm_fake_server.h). Reply and error shapes follow the providers'
// API references: OpenAI {"error": {"message", "type", "code"}}, Anthropic
// {"type": "error", "error": {"type", "message"}}.
#include "support/llm_fake_server.h"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

namespace sci::testing {

using nlohmann::json;

std::string FakeRequest::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

FakeLlmServer::FakeLlmServer(LlmWire wire) : wire_(wire) {
  auto route = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_.Post(wire_ == LlmWire::kOpenAi ? "/v1/chat/completions" : "/v1/messages", route);
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs: without this wait a
  // server destroyed before its first request hangs in the destructor's join().
  for (int i = 0; i < 1000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

FakeLlmServer::~FakeLlmServer() {
  server_.stop();
  thread_.join();
}

std::string FakeLlmServer::base_url() const {
  std::string base = "http://127.0.0.1:" + std::to_string(port_);
  return wire_ == LlmWire::kOpenAi ? base + "/v1" : base;
}

void FakeLlmServer::push_fault(FakeFault fault) {
  std::lock_guard l(mu_);
  faults_.push_back(std::move(fault));
}

void FakeLlmServer::set_reply(std::string text, int input_tokens, int output_tokens, int cached_tokens) {
  std::lock_guard l(mu_);
  reply_ = std::move(text);
  input_tokens_ = input_tokens;
  output_tokens_ = output_tokens;
  cached_tokens_ = cached_tokens;
}

std::vector<FakeRequest> FakeLlmServer::requests() const {
  std::lock_guard l(mu_);
  return requests_;
}

std::string FakeLlmServer::error_body(int status, const std::string& message) const {
  if (wire_ == LlmWire::kOpenAi) {
    std::string type = status == 401 ? "invalid_request_error" : status == 429 ? "rate_limit_exceeded" : "server_error";
    std::string code = status == 401 ? "invalid_api_key" : status == 404 ? "model_not_found" : "";
    return json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}.dump();
  }
  std::string type = status == 401   ? "authentication_error"
                     : status == 404  ? "not_found_error"
                     : status == 429  ? "rate_limit_error"
                     : status == 529  ? "overloaded_error"
                     : status >= 500 ? "api_error"
                                      : "invalid_request_error";
  return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

void FakeLlmServer::handle(const httplib::Request& req, httplib::Response& res) {
  std::optional<FakeFault> fault;
  std::string reply, key;
  std::vector<std::string> models;
  int in_tok, out_tok, cached;
  {
    std::lock_guard l(mu_);
    requests_.push_back(FakeRequest{req.path, req.body, req.headers});
    if (!faults_.empty()) {
      fault = faults_.front();
      faults_.pop_front();
    }
    reply = reply_;
    key = key_;
    models = models_;
    in_tok = input_tokens_;
    out_tok = output_tokens_;
    cached = cached_tokens_;
  }
  if (fault) {
    switch (fault->kind) {
      case FakeFault::Kind::kStatus:
        res.status = fault->status;
        if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
        res.set_content(fault->body.empty() ? error_body(fault->status, "scripted failure") : fault->body,
                        fault->content_type.c_str());
        return;
      case FakeFault::Kind::kRaw200:
        res.status = 200;
        res.set_content(fault->body, fault->content_type.c_str());
        return;
      case FakeFault::Kind::kTruncated: {
        std::string full = R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"cut)";
        res.set_content_provider(full.size() + 500, "application/json",
                                 [full](size_t offset, size_t, httplib::DataSink& sink) {
                                   if (offset == 0) {
                                     sink.write(full.data(), full.size());
                                     return true;
                                   }
                                   return false;
                                 });
        return;
      }
      case FakeFault::Kind::kStall: {
        int ms = fault->stall_ms;
        res.set_content_provider(1000, "application/json", [ms](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset == 0) {
            sink.write("{\"id\":", 6);
            return true;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          return false;
        });
        return;
      }
    }
  }
  json body;
  try {
    body = json::parse(req.body);
  } catch (...) {
    res.status = 400;
    res.set_content(error_body(400, "could not parse the JSON body of your request"), "application/json");
    return;
  }
  if (!key.empty()) {
    std::string got = wire_ == LlmWire::kOpenAi ? req.get_header_value("Authorization") : req.get_header_value("x-api-key");
    std::string want = wire_ == LlmWire::kOpenAi ? "Bearer " + key : key;
    if (got != want) {
      res.status = 401;
      res.set_content(error_body(401, wire_ == LlmWire::kOpenAi ? "Incorrect API key provided: sk-bad. You can find your API key at https://platform.openai.com/account/api-keys." : "invalid x-api-key"),
                      "application/json");
      return;
    }
  }
  std::string model = body.value("model", "");
  if (!models.empty() && std::find(models.begin(), models.end(), model) == models.end()) {
    res.status = 404;
    res.set_content(error_body(404, wire_ == LlmWire::kOpenAi
                                        ? "The model `" + model + "` does not exist or you do not have access to it."
                                        : "model: " + model),
                    "application/json");
    return;
  }
  std::string last_user;
  if (body.contains("messages"))
    for (const auto& m : body["messages"])
      if (m.value("role", "") == "user") {
        if (m["content"].is_string()) last_user = m["content"].get<std::string>();
        else if (m["content"].is_array() && !m["content"].empty()) last_user = m["content"].back().value("text", "");
      }
  std::string text = reply.empty() ? "echo: " + last_user : reply;
  if (wire_ == LlmWire::kOpenAi) {
    int n = body.value("n", 1);
    json choices = json::array();
    for (int i = 0; i < n; ++i)
      choices.push_back({{"index", i},
                         {"message", {{"role", "assistant"}, {"content", n > 1 ? text + " #" + std::to_string(i) : text}, {"refusal", nullptr}}},
                         {"logprobs", nullptr},
                         {"finish_reason", "stop"}});
    json out = {{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"created", 1732500000}, {"model", model},
                {"choices", choices},
                {"usage", {{"prompt_tokens", in_tok}, {"completion_tokens", out_tok}, {"total_tokens", in_tok + out_tok},
                           {"prompt_tokens_details", {{"cached_tokens", cached}}}}}};
    res.set_content(out.dump(), "application/json");
  } else {
    json content = json::array();
    std::string stop_reason = "end_turn";
    if (body.contains("tool_choice")) {
      json input;
      try {
        input = json::parse(text);
      } catch (...) {
        input = json{{"text", text}};
      }
      content.push_back({{"type", "tool_use"}, {"id", "toolu_fake"}, {"name", body["tool_choice"].value("name", "")}, {"input", input}});
      stop_reason = "tool_use";
    } else {
      content.push_back({{"type", "text"}, {"text", text}});
    }
    json out = {{"id", "msg_fake"}, {"type", "message"}, {"role", "assistant"}, {"model", model},
                {"content", content}, {"stop_reason", stop_reason}, {"stop_sequence", nullptr},
                {"usage", {{"input_tokens", in_tok}, {"output_tokens", out_tok},
                           {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", cached}}}};
    res.set_content(out.dump(), "application/json");
  }
}

}  // namespace sci::testing
