// BudgetGuard: a spending cap shared by concurrent callers. Each call reserves its
// worst-case cost before it is sent and settles the real cost after, so parallel ideas
// cannot overshoot the cap between them. Optional per-idea caps.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sci::llm {

class BudgetGuard {
 public:
  // `total_usd` / `per_idea_usd`: 0 means no cap. `already_spent_usd` carries spending
  // over from a resumed run.
  explicit BudgetGuard(double total_usd = 0, double per_idea_usd = 0, double already_spent_usd = 0);

  struct Reservation {
    std::uint64_t id = 0;
    std::string idea;
    double amount_usd = 0;
  };

  // Reserves `worst_case_usd` against the total and `idea`'s cap. kBudgetExceeded,
  // naming the cap, spent and reserved amounts, when it does not fit. Thread-safe.
  Result<Reservation> reserve(std::string_view idea, double worst_case_usd);
  // Replaces the reservation by the real cost (which may exceed it; it is recorded).
  void settle(const Reservation& reservation, double actual_usd);
  // Drops a reservation whose call failed without cost.
  void release(const Reservation& reservation);

  double total_cap_usd() const { return total_usd_; }
  double spent_usd() const;
  double reserved_usd() const;
  double spent_usd(std::string_view idea) const;
  // Cap minus spent minus reserved; +inf when uncapped.
  double remaining_usd() const;

 private:
  mutable std::mutex mu_;
  double total_usd_;
  double per_idea_usd_;
  double spent_ = 0;
  double reserved_ = 0;
  std::map<std::string, double, std::less<>> idea_spent_;
  std::map<std::string, double, std::less<>> idea_reserved_;
  std::map<std::uint64_t, Reservation> open_;
  std::uint64_t next_id_ = 1;
};

}  // namespace sci::llm
