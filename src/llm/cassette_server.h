// The request handler behind `scientist llm serve-cassette`: answers OpenAI Chat
// Completions (POST .../chat/completions) and Anthropic Messages (POST .../messages)
// requests from a cassette, in each API's documented wire format, so that the real
// HTTP client, retry and provider code can be exercised end to end offline. A request
// carrying X-Scientist-Tag is answered by tag, others in file order; a miss is a 404
// in the API's error shape naming the key.
#pragma once

#include <memory>

#include "http/transport.h"
#include "llm/cassette.h"

namespace sci::llm {

class CassetteServer {
 public:
  explicit CassetteServer(std::shared_ptr<ReplayClient> replay) : replay_(std::move(replay)) {}
  http::HttpResponse handle(const http::HttpRequest& request);
  size_t served() const { return served_; }

 private:
  std::shared_ptr<ReplayClient> replay_;
  std::atomic<size_t> served_{0};
};

// "idea/stage/role/turn" back to a tag (the X-Scientist-Tag header); nullopt if malformed.
std::optional<CallTag> parse_tag_header(const std::string& value);

}  // namespace sci::llm
