// Shared provider plumbing (see provider_common.h and provider.h).
#include "llm/provider_common.h"

#include "base/log.h"
#include "base/strings.h"

namespace sci::llm {

const char* provider_kind_name(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kOpenAi: return "openai";
    case ProviderKind::kAnthropic: return "anthropic";
    case ProviderKind::kReplay: return "replay";
  }
  return "?";
}

namespace detail {

std::string join_url(const std::string& base, const std::string& path) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + path;
}

namespace {

bool looks_like_html(std::string_view body) {
  auto t = str::to_lower(str::trim(body.substr(0, 200)));
  return str::starts_with(t, "<!doctype html") || str::starts_with(t, "<html") || str::starts_with(t, "<head") ||
         str::starts_with(t, "<body");
}

std::string html_title(const std::string& body) {
  std::string lower = str::to_lower(body);
  auto a = lower.find("<title>");
  auto b = lower.find("</title>");
  if (a == std::string::npos || b == std::string::npos || b < a) return "";
  return std::string(str::trim(body.substr(a + 7, b - a - 7)));
}

std::string one_line(std::string s, size_t max_chars = 300) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

}  // namespace

std::string error_text_from_body(const std::string& body) {
  if (str::trim(body).empty()) return "(empty body)";
  if (looks_like_html(body)) {
    std::string title = html_title(body);
    return "HTML page" + (title.empty() ? std::string() : ": " + title);
  }
  try {
    auto j = nlohmann::json::parse(body);
    if (j.is_object() && j.contains("error")) {
      const auto& e = j["error"];
      if (e.is_string()) return one_line(e.get<std::string>());
      if (e.is_object() && e.contains("message") && e["message"].is_string())
        return one_line(e["message"].get<std::string>());
    }
    if (j.is_object() && j.contains("message") && j["message"].is_string())
      return one_line(j["message"].get<std::string>());
    if (j.is_object() && j.contains("detail") && j["detail"].is_string())  // vLLM / FastAPI
      return one_line(j["detail"].get<std::string>());
  } catch (...) {
  }
  return one_line(body, 200);
}

std::string tag_header_value(const CallTag& tag) {
  return fmt::format("{}/{}/{}/{}", tag.idea, tag.stage, tag.role, tag.turn);
}

Result<http::HttpResponse> post_json(const ProviderOptions& options, const std::string& url, http::Headers headers,
                                     std::string body, const std::string& model) {
  http::HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = std::move(headers);
  req.headers.emplace_back("Content-Type", "application/json");
  for (const auto& h : options.spec.extra_headers) req.headers.push_back(h);
  req.body = std::move(body);
  req.timeout = options.request_timeout;
  req.cancel = options.cancel;
  time::Clock& clock = options.clock ? *options.clock : time::system_clock();
  auto result = http::send_with_retry(*options.transport, req, options.retry, clock);
  if (!result.ok()) {
    const Error& e = result.error();
    return e.with_context(fmt::format("{} ({}) at {}", options.spec.name, model, log::redact(url)));
  }
  if (result->status < 200 || result->status > 299) return provider_http_error(*result, options.spec, model, url);
  return result;
}

Result<json::Json> parse_reply_body(const http::HttpResponse& response, const ProviderSpec& spec,
                                    const std::string& url) {
  if (str::trim(response.body).empty())
    return make_error(ErrorCode::kParse, fmt::format("{}: empty reply (HTTP {}) from {}", spec.name, response.status,
                                                     log::redact(url)));
  if (looks_like_html(response.body))
    return make_error(ErrorCode::kParse,
                      fmt::format("{}: got an HTML page instead of JSON from {} ({}); check the base URL{}", spec.name,
                                  log::redact(url), error_text_from_body(response.body),
                                  spec.kind == ProviderKind::kOpenAi ? " (OpenAI-compatible URLs end in /v1)" : ""));
  auto parsed = json::parse(response.body, spec.name + " reply");
  if (!parsed.ok())
    return make_error(ErrorCode::kParse, fmt::format("{}: malformed JSON reply from {}: {}", spec.name,
                                                     log::redact(url), parsed.error().message));
  return parsed;
}

}  // namespace detail

Error provider_http_error(const http::HttpResponse& response, const ProviderSpec& spec, const std::string& model,
                          const std::string& url) {
  std::string text = detail::error_text_from_body(response.body);
  std::string where = log::redact(url);
  int s = response.status;
  if (s == 401 || s == 403) {
    std::string fix = spec.api_key_env.empty()
                          ? "this provider needs a key: set api_key_env in [providers." + spec.name + "]"
                          : "check that " + spec.api_key_env + " holds a valid key for " + spec.name;
    return make_error(ErrorCode::kAuth,
                      fmt::format("{} rejected the API key (HTTP {}: {}): {}", spec.name, s, text, fix), where);
  }
  if (s == 404)
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{}: model '{}' not found (HTTP 404: {}); check the model name and the base URL {}",
                                  spec.name, model, text, log::redact(spec.base_url)),
                      where);
  if (s == 429)
    return make_error(ErrorCode::kRateLimited, fmt::format("{}: rate limited (HTTP 429: {})", spec.name, text), where);
  if (s == 408) return make_error(ErrorCode::kTimeout, fmt::format("{}: request timeout (HTTP 408: {})", spec.name, text), where);
  if (s == 402)
    return make_error(ErrorCode::kAuth, fmt::format("{}: payment required (HTTP 402: {}); add credits", spec.name, text),
                      where);
  if (s >= 500 || s == 409)
    return make_error(ErrorCode::kUnavailable, fmt::format("{}: server error (HTTP {}: {})", spec.name, s, text), where);
  if (s >= 400)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} refused the request for model '{}' (HTTP {}: {})", spec.name, model, s, text),
                      where);
  return make_error(ErrorCode::kParse, fmt::format("{}: unexpected HTTP {} ({})", spec.name, s, text), where);
}

}  // namespace sci::llm
