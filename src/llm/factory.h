// The factory the pipeline and the CLI call: from the configuration and a role to a
// ready LlmClient (provider over the curl transport, or replay), wrapped in recording
// (llm.record) and metering (prices, shared budget, call sink).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "config/config.h"
#include "http/transport.h"
#include "llm/budget.h"
#include "llm/client.h"
#include "llm/metered_client.h"
#include "llm/model_ref.h"

namespace sci::llm {

struct ClientOptions {
  // Shared by every client of a run; nullptr = the curl transport.
  std::shared_ptr<http::HttpTransport> transport;
  // Shared by every client of a run so parallel ideas respect one cap; nullptr = a
  // guard built from budget.usd / budget.usd_per_idea for this client alone.
  std::shared_ptr<BudgetGuard> budget;
  CallSink sink;  // receives one CallRecord per call
  // Where API keys are read; empty = the process environment.
  std::map<std::string, std::string> environment;
  const std::atomic<bool>* cancel = nullptr;
  time::Clock* clock = nullptr;
};

// The budget guard a run should share: budget.usd and budget.usd_per_idea.
std::shared_ptr<BudgetGuard> make_budget_guard(const config::Config& config, double already_spent_usd = 0);

// A client for `model_reference` (see resolve_model). llm.replay, when set, replaces
// every provider with a ReplayClient on that cassette (llm.replay_mode). Errors:
// kInvalidArgument (bad reference, bad [providers]/[prices]); kAuth when the provider
// needs a key and its env var is unset (the message names the variable); kNotFound /
// kParse for a missing or malformed cassette. `role` tags records ("" = none).
Result<std::shared_ptr<LlmClient>> make_client(const config::Config& config, std::string_view model_reference,
                                               std::string_view role, const ClientOptions& options = {});

// make_client for the model of `role` (llm.model_<role>, else llm.model).
Result<std::shared_ptr<LlmClient>> make_client_for_role(const config::Config& config, std::string_view role,
                                                        const ClientOptions& options = {});

}  // namespace sci::llm
