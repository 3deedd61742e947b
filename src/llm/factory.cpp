// Client factory (see factory.h). Decorator order, outermost first:
// Metered -> Recording -> provider, so the cassette holds exactly what the provider
// returned and the meter sees every call, including budget refusals.
#include "llm/factory.h"

#include <algorithm>

#include "base/environment.h"
#include "base/log.h"
#include "base/strings.h"
#include "llm/cassette.h"
#include "llm/pricing.h"

namespace sci::llm {

std::shared_ptr<BudgetGuard> make_budget_guard(const config::Config& config, double already_spent_usd) {
  return std::make_shared<BudgetGuard>(config.get_double("budget.usd"), config.get_double("budget.usd_per_idea"),
                                       already_spent_usd);
}

Result<std::shared_ptr<LlmClient>> make_client(const config::Config& config, std::string_view model_reference,
                                               std::string_view role, const ClientOptions& options) {
  SCI_ASSIGN_OR_RETURN(auto providers, providers_from_config(config));
  SCI_ASSIGN_OR_RETURN(PriceTable prices, PriceTable::from_config(config));
  const std::string replay_path = config.get_string("llm.replay");

  std::shared_ptr<LlmClient> inner;
  ResolvedModel resolved;
  if (!replay_path.empty() || str::starts_with(model_reference, "replay:")) {
    std::string path = replay_path;
    if (path.empty()) path = std::string(model_reference.substr(7));
    if (path.empty())
      return make_error(ErrorCode::kInvalidArgument, "replay needs a cassette: --model replay:FILE or llm.replay");
    SCI_ASSIGN_OR_RETURN(ReplayMatch match, parse_replay_match(config.get_string("llm.replay_mode")));
    SCI_ASSIGN_OR_RETURN(auto replay, ReplayClient::open(path, match));
    inner = replay;
    resolved.provider = *std::find_if(builtin_providers().begin(), builtin_providers().end(),
                                      [](const ProviderSpec& p) { return p.kind == ProviderKind::kReplay; });
    // Keep the model name the run asked for so records and transcripts read the same.
    auto r = resolve_model(model_reference, providers, config.get_string("llm.base_url"));
    resolved.model = r.ok() ? r->model : std::string(model_reference);
  } else {
    SCI_ASSIGN_OR_RETURN(resolved, resolve_model(model_reference, providers, config.get_string("llm.base_url")));
    ProviderOptions po;
    po.spec = resolved.provider;
    if (!po.spec.api_key_env.empty()) {
      const auto env = options.environment.empty() ? env::snapshot() : options.environment;
      auto it = env.find(po.spec.api_key_env);
      if (it == env.end() || it->second.empty())
        return make_error(ErrorCode::kAuth, fmt::format("{} is not set: export your {} API key as {} to use {}",
                                                        po.spec.api_key_env, po.spec.name, po.spec.api_key_env,
                                                        resolved.reference()));
      po.api_key = it->second;
      log::register_secret(po.api_key);
    }
    if (po.spec.base_url.empty())
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("provider {} has no base_url: pass --base-url", po.spec.name));
    po.transport = options.transport ? options.transport : std::shared_ptr<http::HttpTransport>(http::make_curl_transport());
    po.retry.max_attempts = static_cast<int>(config.get_int("llm.max_attempts"));
    po.retry.max_total_wait = std::chrono::seconds(config.get_int("llm.max_retry_wait_s"));
    po.request_timeout = std::chrono::seconds(config.get_int("llm.request_timeout_s"));
    po.cancel = options.cancel;
    po.clock = options.clock;
    if (resolved.provider.kind == ProviderKind::kAnthropic) inner = make_anthropic_client(std::move(po));
    else inner = make_openai_client(std::move(po));
    if (!resolved.provider.local && !prices.find(resolved.provider.name, resolved.model))
      log::warn("llm: {} is not in the price table; costs count as $0 (add [prices.\"{}\"])", resolved.reference(),
                resolved.reference());
  }

  const std::string record = config.get_string("llm.record");
  if (!record.empty()) inner = std::make_shared<RecordingClient>(inner, record);

  MeteredOptions mo;
  mo.provider = resolved.provider.name;
  mo.model = resolved.model;
  mo.role = std::string(role);
  mo.free = resolved.provider.local;
  mo.prices = std::move(prices);
  mo.budget = options.budget ? options.budget : make_budget_guard(config);
  mo.sink = options.sink;
  return std::shared_ptr<LlmClient>(std::make_shared<MeteredClient>(inner, std::move(mo)));
}

Result<std::shared_ptr<LlmClient>> make_client_for_role(const config::Config& config, std::string_view role,
                                                        const ClientOptions& options) {
  auto reference = model_reference_for_role(config, role);
  // A replay run needs no model name: the cassette answers every role.
  if (!reference.ok() && !config.get_string("llm.replay").empty()) return make_client(config, "replay:", role, options);
  if (!reference.ok()) return reference.error();
  return make_client(config, *reference, role, options);
}

}  // namespace sci::llm
