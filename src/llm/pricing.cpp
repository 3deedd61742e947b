// Price table and cost arithmetic (see pricing.h).
#include "llm/pricing.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::llm {

const std::vector<PriceEntry>& builtin_prices() {
  static const std::vector<PriceEntry> kPrices = [] {
    auto e = [](std::string ref, double in, double out, double cached, double write = 0) {
      return PriceEntry{std::move(ref), Price{in, out, cached, write}};
    };
    std::vector<PriceEntry> v = {
        // OpenAI
        e("openai:gpt-4o", 2.50, 10.00, 1.25),
        e("openai:gpt-4o-2024-05-13", 5.00, 15.00, 5.00),
        e("openai:gpt-4o-mini", 0.15, 0.60, 0.075),
        e("openai:gpt-4.1", 2.00, 8.00, 0.50),
        e("openai:gpt-4.1-mini", 0.40, 1.60, 0.10),
        e("openai:gpt-4.1-nano", 0.10, 0.40, 0.025),
        e("openai:gpt-5", 1.25, 10.00, 0.125),
        e("openai:gpt-5-mini", 0.25, 2.00, 0.025),
        e("openai:gpt-5-nano", 0.05, 0.40, 0.005),
        e("openai:o1", 15.00, 60.00, 7.50),
        e("openai:o1-mini", 1.10, 4.40, 0.55),
        e("openai:o1-preview", 15.00, 60.00, 7.50),
        e("openai:o3", 2.00, 8.00, 0.50),
        e("openai:o3-mini", 1.10, 4.40, 0.55),
        e("openai:o4-mini", 1.10, 4.40, 0.275),
        // Anthropic (cache writes 1.25x input, reads 0.1x input)
        e("anthropic:claude-3-5-sonnet", 3.00, 15.00, 0.30, 3.75),
        e("anthropic:claude-3-7-sonnet", 3.00, 15.00, 0.30, 3.75),
        e("anthropic:claude-sonnet-4", 3.00, 15.00, 0.30, 3.75),
        e("anthropic:claude-sonnet-4-5", 3.00, 15.00, 0.30, 3.75),
        e("anthropic:claude-3-5-haiku", 0.80, 4.00, 0.08, 1.00),
        e("anthropic:claude-haiku-4-5", 1.00, 5.00, 0.10, 1.25),
        e("anthropic:claude-3-opus", 15.00, 75.00, 1.50, 18.75),
        e("anthropic:claude-opus-4", 15.00, 75.00, 1.50, 18.75),
        e("anthropic:claude-opus-4-1", 15.00, 75.00, 1.50, 18.75),
        // DeepSeek
        e("deepseek:deepseek-chat", 0.27, 1.10, 0.07),
        e("deepseek:deepseek-reasoner", 0.55, 2.19, 0.14),
        e("deepseek:deepseek-coder", 0.27, 1.10, 0.07),
        // Google Gemini (OpenAI-compatible endpoint; prompts up to 200k tokens)
        e("gemini:gemini-2.0-flash", 0.10, 0.40, 0.025),
        e("gemini:gemini-2.0-flash-lite", 0.075, 0.30, 0.01875),
        e("gemini:gemini-2.5-flash", 0.30, 2.50, 0.075),
        e("gemini:gemini-2.5-pro", 1.25, 10.00, 0.31),
        e("gemini:gemini-1.5-pro", 1.25, 5.00, 0.3125),
        e("gemini:gemini-1.5-flash", 0.075, 0.30, 0.01875),
        // OpenRouter (varies by upstream; override in [prices])
        e("openrouter:meta-llama/llama-3.1-405b-instruct", 0.80, 0.80, 0.80),
        e("openrouter:anthropic/claude-3.5-sonnet", 3.00, 15.00, 0.30),
        e("openrouter:openai/gpt-4o", 2.50, 10.00, 1.25),
    };
    std::sort(v.begin(), v.end(), [](const PriceEntry& a, const PriceEntry& b) { return a.reference < b.reference; });
    return v;
  }();
  return kPrices;
}

PriceTable PriceTable::builtin() {
  PriceTable t;
  for (const auto& e : builtin_prices()) t.prices_[e.reference] = e.price;
  return t;
}

Result<PriceTable> PriceTable::from_config(const config::Config& config) {
  PriceTable t = builtin();
  for (const auto& [ref, fields] : config.table("prices")) {
    Price p = t.prices_.count(ref) ? t.prices_[ref] : Price{};
    for (const auto& [field, value] : fields) {
      char* end = nullptr;
      double v = std::strtod(value.c_str(), &end);
      if (value.empty() || (end && *end != '\0') || v < 0)
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("[prices.\"{}\"] {} must be a non-negative number, got '{}'", ref, field, value));
      if (field == "input_per_mtok") p.input_per_mtok = v;
      else if (field == "output_per_mtok") p.output_per_mtok = v;
      else if (field == "cached_per_mtok") p.cached_per_mtok = v;
      else if (field == "cache_write_per_mtok") p.cache_write_per_mtok = v;
      else
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("[prices.\"{}\"] unknown field '{}' (input_per_mtok, output_per_mtok, "
                                      "cached_per_mtok, cache_write_per_mtok)",
                                      ref, field));
    }
    t.prices_[ref] = p;
  }
  return t;
}

void PriceTable::set(const std::string& reference, Price price) { prices_[reference] = price; }

std::optional<Price> PriceTable::find(const std::string& provider, const std::string& model) const {
  std::string ref = provider + ":" + model;
  if (auto it = prices_.find(ref); it != prices_.end()) return it->second;
  const std::pair<const std::string, Price>* best = nullptr;
  for (const auto& entry : prices_) {
    const std::string& key = entry.first;
    if (key.size() < ref.size() && str::starts_with(ref, key) && (ref[key.size()] == '-' || ref[key.size()] == '@'))
      if (!best || key.size() > best->first.size()) best = &entry;
  }
  if (best) return best->second;
  return std::nullopt;
}

double cost_usd(const Usage& usage, const Price& price) {
  std::int64_t plain = std::max<std::int64_t>(0, usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens);
  double write_price = price.cache_write_per_mtok > 0 ? price.cache_write_per_mtok : price.input_per_mtok;
  return (static_cast<double>(plain) * price.input_per_mtok +
          static_cast<double>(usage.cached_input_tokens) * price.cached_per_mtok +
          static_cast<double>(usage.cache_write_tokens) * write_price +
          static_cast<double>(usage.output_tokens) * price.output_per_mtok) /
         1e6;
}

std::int64_t estimate_input_tokens(const ChatRequest& request) {
  size_t bytes = request.system.size();
  for (const auto& m : request.messages) bytes += m.text.size();
  if (request.json_schema) bytes += request.json_schema->size();
  // ~4 bytes per token for English; 3 keeps the estimate an upper bound for code.
  return static_cast<std::int64_t>(bytes / 3 + 8 * (request.messages.size() + 1));
}

double worst_case_cost_usd(const ChatRequest& request, const Price& price) {
  double write_price = std::max(price.input_per_mtok, price.cache_write_per_mtok);
  double in = static_cast<double>(estimate_input_tokens(request)) * write_price;
  double out = static_cast<double>(request.max_output_tokens) * std::max(1, request.n_samples) * price.output_per_mtok;
  // Anthropic has no `n`: each sample pays the prompt again.
  in *= std::max(1, request.n_samples);
  return (in + out) / 1e6;
}

}  // namespace sci::llm
