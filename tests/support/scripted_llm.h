// ScriptedLlm: an LlmClient fake for tests. Replies come from a queue (or a function
// of the request); every request is recorded so tests can assert on prompts.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "llm/client.h"

namespace sci::testing {

class ScriptedLlm final : public llm::LlmClient {
 public:
  ScriptedLlm() = default;
  explicit ScriptedLlm(std::vector<std::string> replies) : replies_(replies.begin(), replies.end()) {}

  void push(std::string reply) { std::lock_guard l(mu_); replies_.push_back(std::move(reply)); }
  void push_error(Error e) { std::lock_guard l(mu_); errors_at_[calls_.size() + replies_.size()] = std::move(e); }
  // When set, used instead of the queue.
  void set_responder(std::function<std::string(const llm::ChatRequest&)> f) { responder_ = std::move(f); }

  Result<llm::ChatResponse> chat(const llm::ChatRequest& request) override;

  std::vector<llm::ChatRequest> calls() const { std::lock_guard l(mu_); return calls_; }
  size_t remaining() const { std::lock_guard l(mu_); return replies_.size(); }
  // Text of the last user message of call `i`.
  std::string last_user_message(size_t i) const;

 private:
  mutable std::mutex mu_;
  std::deque<std::string> replies_;
  std::map<size_t, Error> errors_at_;
  std::function<std::string(const llm::ChatRequest&)> responder_;
  std::vector<llm::ChatRequest> calls_;
};

}  // namespace sci::testing
