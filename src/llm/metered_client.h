// MeteredClient: the decorator every pipeline call goes through. It fills in the
// resolved model, prices the call, reserves the worst case in a shared BudgetGuard
// before sending and settles after, and reports a CallRecord to a sink the pipeline
// persists (tokens, cost, latency, model, role, stage, outcome).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "llm/budget.h"
#include "llm/client.h"
#include "llm/pricing.h"

namespace sci::llm {

struct CallRecord {
  CallTag tag;
  std::string provider;
  std::string model;  // as requested (resolved for the provider)
  Usage usage;
  double cost_usd = 0;
  double latency_s = 0;
  FinishReason finish = FinishReason::kStop;
  bool ok = true;
  std::string error_code;  // error_code_name() when !ok
  std::string error;       // redacted message when !ok
  std::string started_at;  // ISO-8601 UTC
};

// Called once per call, success or failure, from the calling thread.
using CallSink = std::function<void(const CallRecord&)>;

const char* finish_reason_name(FinishReason f);

struct MeteredOptions {
  std::string provider;  // provider name for pricing and records
  std::string model;     // used when a request leaves model empty
  std::string role;      // used when a request's tag has no role
  bool free = false;     // local server or replay: cost is 0, no price warning
  PriceTable prices = PriceTable::builtin();
  std::shared_ptr<BudgetGuard> budget;  // nullptr = no budget
  CallSink sink;
};

class MeteredClient final : public LlmClient {
 public:
  MeteredClient(std::shared_ptr<LlmClient> inner, MeteredOptions options);
  // Errors of the inner client pass through; kBudgetExceeded when the worst case does
  // not fit the budget (nothing is sent then). The response's cost_usd is set.
  Result<ChatResponse> chat(const ChatRequest& request) override;

 private:
  std::shared_ptr<LlmClient> inner_;
  MeteredOptions options_;
  std::mutex warn_mu_;
  std::set<std::string> warned_;
};

}  // namespace sci::llm
