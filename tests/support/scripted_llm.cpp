// ScriptedLlm implementation; see scripted_llm.h.
#include "support/scripted_llm.h"

#include <map>

namespace sci::testing {

Result<llm::ChatResponse> ScriptedLlm::chat(const llm::ChatRequest& request) {
  std::lock_guard l(mu_);
  size_t index = calls_.size();
  calls_.push_back(request);
  if (auto it = errors_at_.find(index); it != errors_at_.end()) return it->second;
  llm::ChatResponse r;
  if (responder_) {
    r.text = responder_(request);
  } else {
    if (replies_.empty())
      return make_error(ErrorCode::kInternal, "ScriptedLlm: no scripted reply left for call " + std::to_string(index));
    r.text = replies_.front();
    replies_.pop_front();
  }
  r.samples = {r.text};
  r.provider = "scripted";
  r.model = request.model;
  r.usage.input_tokens = 10;
  r.usage.output_tokens = static_cast<std::int64_t>(r.text.size() / 4);
  return r;
}

std::string ScriptedLlm::last_user_message(size_t i) const {
  std::lock_guard l(mu_);
  if (i >= calls_.size()) return "";
  const auto& msgs = calls_[i].messages;
  for (auto it = msgs.rbegin(); it != msgs.rend(); ++it)
    if (it->role == llm::Role::kUser) return it->text;
  return "";
}

}  // namespace sci::testing
