// Prices per million tokens for common models (overridable with [prices."p:m"] in the
// config), the cost of a call from its usage, and a conservative worst-case estimate
// of a request's cost for budget reservations.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "llm/client.h"

namespace sci::llm {

struct Price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  double cached_per_mtok = 0;       // cache reads
  double cache_write_per_mtok = 0;  // cache writes (Anthropic: 1.25x input)
};

struct PriceEntry {
  std::string reference;  // "provider:model"
  Price price;
};

// The built-in table, sorted by reference. Prices are list prices in USD as of 2025.
const std::vector<PriceEntry>& builtin_prices();

class PriceTable {
 public:
  // The built-in table plus [prices."provider:model"] entries (input_per_mtok,
  // output_per_mtok, cached_per_mtok, cache_write_per_mtok). kInvalidArgument on a
  // value that is not a number.
  static Result<PriceTable> from_config(const config::Config& config);
  static PriceTable builtin();

  void set(const std::string& reference, Price price);
  // Exact "provider:model", else the longest entry of that provider that is a prefix
  // of the model followed by '-' (dated versions: "gpt-4o-2024-08-06" -> "gpt-4o").
  std::optional<Price> find(const std::string& provider, const std::string& model) const;
  const std::map<std::string, Price>& entries() const { return prices_; }

 private:
  std::map<std::string, Price> prices_;
};

// USD for `usage` at `price` (input_tokens includes cached and cache-written tokens).
double cost_usd(const Usage& usage, const Price& price);

// Upper bound of a request's cost: prompt bytes/3 tokens (+8 per message) at the input
// price, max_output_tokens x n_samples at the output price.
double worst_case_cost_usd(const ChatRequest& request, const Price& price);
std::int64_t estimate_input_tokens(const ChatRequest& request);

}  // namespace sci::llm
