// Internal helpers shared by the HTTP providers: sending with retries, turning HTTP
// replies into typed errors, and parsing a 2xx body that may be empty, HTML or broken.
#pragma once

#include <string>

#include "base/json.h"
#include "llm/provider.h"

namespace sci::llm::detail {

// POSTs `body` to `url` with the provider's retry policy. On a final non-2xx reply,
// returns provider_http_error(). Transport errors are returned with provider context.
Result<http::HttpResponse> post_json(const ProviderOptions& options, const std::string& url,
                                     http::Headers headers, std::string body, const std::string& model);

// Parses a 2xx body into JSON; kParse naming the provider for an empty body, an HTML
// page (usually a wrong base URL) or malformed JSON.
Result<json::Json> parse_reply_body(const http::HttpResponse& response, const ProviderSpec& spec,
                                    const std::string& url);

// "{base}{path}" without a doubled slash.
std::string join_url(const std::string& base, const std::string& path);

// The error text inside a provider error body (OpenAI, Anthropic, Ollama shapes, or an
// HTML <title>); a short prefix of the raw body otherwise.
std::string error_text_from_body(const std::string& body);

std::string tag_header_value(const CallTag& tag);

}  // namespace sci::llm::detail
