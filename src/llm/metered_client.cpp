// MeteredClient (see metered_client.h).
#include "llm/metered_client.h"

#include <chrono>

#include "base/log.h"
#include "base/time.h"

namespace sci::llm {

const char* finish_reason_name(FinishReason f) {
  switch (f) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kContentFilter: return "content_filter";
    case FinishReason::kToolUse: return "tool_use";
    case FinishReason::kOther: return "other";
  }
  return "other";
}

MeteredClient::MeteredClient(std::shared_ptr<LlmClient> inner, MeteredOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {}

Result<ChatResponse> MeteredClient::chat(const ChatRequest& original) {
  ChatRequest request = original;
  if (request.model.empty()) request.model = options_.model;
  if (request.tag.role.empty()) request.tag.role = options_.role;

  Price price{};
  if (!options_.free) {
    if (auto p = options_.prices.find(options_.provider, request.model)) {
      price = *p;
    } else {
      std::lock_guard lock(warn_mu_);
      if (warned_.insert(request.model).second)
        log::warn("llm: no price known for {}:{}; its cost counts as $0 (add [prices.\"{}:{}\"] to the config)",
                  options_.provider, request.model, options_.provider, request.model);
    }
  }

  CallRecord record;
  record.tag = request.tag;
  record.provider = options_.provider;
  record.model = request.model;
  record.started_at = time::now_iso8601();

  std::optional<BudgetGuard::Reservation> reservation;
  if (options_.budget) {
    auto r = options_.budget->reserve(request.tag.idea, worst_case_cost_usd(request, price));
    if (!r.ok()) {
      record.ok = false;
      record.error_code = error_code_name(r.error().code);
      record.error = r.error().message;
      if (options_.sink) options_.sink(record);
      return r.error();
    }
    reservation = *r;
  }

  auto start = std::chrono::steady_clock::now();
  auto result = inner_->chat(request);
  record.latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok()) {
    if (reservation) options_.budget->release(*reservation);
    record.ok = false;
    record.error_code = error_code_name(result.error().code);
    record.error = log::redact(result.error().to_string());
    if (options_.sink) options_.sink(record);
    return result;
  }
  ChatResponse& response = result.value();
  response.cost_usd = options_.free ? 0.0 : cost_usd(response.usage, price);
  if (reservation) options_.budget->settle(*reservation, response.cost_usd);
  record.usage = response.usage;
  record.cost_usd = response.cost_usd;
  record.finish = response.finish;
  if (options_.sink) options_.sink(record);
  return result;
}

}  // namespace sci::llm
