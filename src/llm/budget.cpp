// BudgetGuard (see budget.h). One mutex: reservations are rare (one per LLM call).
#include "llm/budget.h"

#include <limits>

#include <fmt/format.h>

namespace sci::llm {

BudgetGuard::BudgetGuard(double total_usd, double per_idea_usd, double already_spent_usd)
    : total_usd_(total_usd), per_idea_usd_(per_idea_usd), spent_(already_spent_usd) {}

Result<BudgetGuard::Reservation> BudgetGuard::reserve(std::string_view idea, double worst_case_usd) {
  std::lock_guard lock(mu_);
  if (total_usd_ > 0 && spent_ + reserved_ + worst_case_usd > total_usd_)
    return make_error(ErrorCode::kBudgetExceeded,
                      fmt::format("budget of ${:.2f} reached: spent ${:.4f}, in flight ${:.4f}, this call may cost "
                                  "up to ${:.4f}; raise --budget-usd to continue",
                                  total_usd_, spent_, reserved_, worst_case_usd));
  if (per_idea_usd_ > 0 && !idea.empty()) {
    double s = 0, r = 0;
    if (auto it = idea_spent_.find(idea); it != idea_spent_.end()) s = it->second;
    if (auto it = idea_reserved_.find(idea); it != idea_reserved_.end()) r = it->second;
    if (s + r + worst_case_usd > per_idea_usd_)
      return make_error(ErrorCode::kBudgetExceeded,
                        fmt::format("per-idea budget of ${:.2f} reached for idea '{}': spent ${:.4f}, in flight "
                                    "${:.4f}, this call may cost up to ${:.4f}; raise budget.usd_per_idea",
                                    per_idea_usd_, idea, s, r, worst_case_usd));
  }
  Reservation res{next_id_++, std::string(idea), worst_case_usd};
  reserved_ += worst_case_usd;
  if (!res.idea.empty()) idea_reserved_[res.idea] += worst_case_usd;
  open_[res.id] = res;
  return res;
}

void BudgetGuard::settle(const Reservation& reservation, double actual_usd) {
  std::lock_guard lock(mu_);
  auto it = open_.find(reservation.id);
  if (it == open_.end()) return;  // already settled or released
  reserved_ -= it->second.amount_usd;
  if (!it->second.idea.empty()) {
    idea_reserved_[it->second.idea] -= it->second.amount_usd;
    idea_spent_[it->second.idea] += actual_usd;
  }
  spent_ += actual_usd;
  open_.erase(it);
}

void BudgetGuard::release(const Reservation& reservation) { settle(reservation, 0); }

double BudgetGuard::spent_usd() const {
  std::lock_guard lock(mu_);
  return spent_;
}

double BudgetGuard::reserved_usd() const {
  std::lock_guard lock(mu_);
  return reserved_ < 1e-12 ? 0 : reserved_;
}

double BudgetGuard::spent_usd(std::string_view idea) const {
  std::lock_guard lock(mu_);
  auto it = idea_spent_.find(idea);
  return it == idea_spent_.end() ? 0 : it->second;
}

double BudgetGuard::remaining_usd() const {
  std::lock_guard lock(mu_);
  if (total_usd_ <= 0) return std::numeric_limits<double>::infinity();
  return total_usd_ - spent_ - reserved_;
}

}  // namespace sci::llm
