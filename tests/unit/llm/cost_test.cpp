// Prices, cost arithmetic, the shared BudgetGuard under concurrency and MeteredClient.
#include <thread>

#include <gtest/gtest.h>

#include "llm/budget.h"
#include "llm/metered_client.h"
#include "llm/pricing.h"
#include "support/scripted_llm.h"

namespace sci::llm {
namespace {

TEST(PricingTest, ExactAndDatedModelsFindTheirPrice) {
  auto t = PriceTable::builtin();
  auto exact = t.find("openai", "gpt-4o");
  ASSERT_TRUE(exact);
  EXPECT_DOUBLE_EQ(exact->input_per_mtok, 2.50);
  auto dated = t.find("openai", "gpt-4o-2024-08-06");
  ASSERT_TRUE(dated);
  EXPECT_DOUBLE_EQ(dated->output_per_mtok, 10.00);
  // The specific 2024-05-13 snapshot has its own (higher) price.
  EXPECT_DOUBLE_EQ(t.find("openai", "gpt-4o-2024-05-13")->input_per_mtok, 5.00);
  EXPECT_DOUBLE_EQ(t.find("anthropic", "claude-3-5-sonnet-20241022")->input_per_mtok, 3.00);
  EXPECT_FALSE(t.find("openai", "gpt-4omega"));
  EXPECT_FALSE(t.find("nobody", "gpt-4o"));
}

TEST(PricingTest, CostCountsCachedAndCacheWriteTokensAtTheirPrices) {
  Price p{3.0, 15.0, 0.30, 3.75};
  Usage u;
  u.input_tokens = 1'000'000 + 2'000'000 + 400'000;  // plain + cached + written
  u.cached_input_tokens = 2'000'000;
  u.cache_write_tokens = 400'000;
  u.output_tokens = 100'000;
  EXPECT_NEAR(cost_usd(u, p), 3.0 + 0.6 + 1.5 + 1.5, 1e-9);
}

TEST(PricingTest, WorstCaseCoversPromptAndAllOutputSamples) {
  ChatRequest r;
  r.system = std::string(3000, 's');
  r.messages = {{Role::kUser, std::string(3000, 'u'), false}};
  r.max_output_tokens = 1000;
  r.n_samples = 2;
  Price p{1.0, 2.0, 0, 0};
  double expected_in = (6000 / 3 + 16) * 2 * 1.0;
  double expected_out = 1000 * 2 * 2.0;
  EXPECT_NEAR(worst_case_cost_usd(r, p), (expected_in + expected_out) / 1e6, 1e-12);
}

TEST(BudgetGuardTest, ReservationsCountAgainstTheCapUntilSettled) {
  BudgetGuard g(1.0);
  auto a = g.reserve("i1", 0.6);
  ASSERT_TRUE(a.ok());
  auto b = g.reserve("i2", 0.6);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kBudgetExceeded);
  EXPECT_NE(b.error().message.find("--budget-usd"), std::string::npos);
  g.settle(*a, 0.1);
  EXPECT_NEAR(g.spent_usd(), 0.1, 1e-12);
  EXPECT_NEAR(g.reserved_usd(), 0.0, 1e-12);
  EXPECT_TRUE(g.reserve("i2", 0.6).ok());
}

TEST(BudgetGuardTest, ReleaseReturnsTheReservation) {
  BudgetGuard g(1.0);
  auto a = g.reserve("", 0.9);
  ASSERT_TRUE(a.ok());
  g.release(*a);
  EXPECT_EQ(g.spent_usd(), 0);
  EXPECT_TRUE(g.reserve("", 0.9).ok());
}

TEST(BudgetGuardTest, PerIdeaCapIsSeparateFromTheTotal) {
  BudgetGuard g(10.0, 1.0);
  auto a = g.reserve("alpha", 0.8);
  ASSERT_TRUE(a.ok());
  g.settle(*a, 0.8);
  auto b = g.reserve("alpha", 0.5);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("idea 'alpha'"), std::string::npos);
  EXPECT_TRUE(g.reserve("beta", 0.5).ok());
}

TEST(BudgetGuardTest, ConcurrentCallersNeverOvershootTheCap) {
  BudgetGuard g(1.0);
  std::atomic<int> granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = g.reserve("", 1.0 / 128);  // exact in binary: no rounding at the cap
        if (!r.ok()) {
          ++refused;
          continue;
        }
        ++granted;
        g.settle(*r, 1.0 / 128);  // the real cost equals the worst case here
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 128);
  EXPECT_EQ(refused.load(), 1600 - 128);
  EXPECT_LE(g.spent_usd(), 1.0 + 1e-9);
}

TEST(MeteredClientTest, PricesTheCallFillsModelAndRoleAndReportsARecord) {
  auto inner = std::make_shared<testing::ScriptedLlm>(std::vector<std::string>{"hello"});
  std::vector<CallRecord> records;
  MeteredOptions o;
  o.provider = "openai";
  o.model = "gpt-4o";
  o.role = "coder";
  o.budget = std::make_shared<BudgetGuard>(5.0);
  o.sink = [&](const CallRecord& r) { records.push_back(r); };
  MeteredClient client(inner, o);
  ChatRequest req;
  req.tag = {"idea1", "experiment", "", 3};
  req.messages = {{Role::kUser, "hi", false}};
  auto r = client.chat(req);
  ASSERT_TRUE(r.ok());
  // ScriptedLlm reports 10 input tokens and text.size()/4 = 1 output token.
  EXPECT_NEAR(r->cost_usd, (10 * 2.5 + 1 * 10.0) / 1e6, 1e-12);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].model, "gpt-4o");
  EXPECT_EQ(records[0].tag.role, "coder");
  EXPECT_EQ(records[0].tag.stage, "experiment");
  EXPECT_EQ(records[0].tag.turn, 3);
  EXPECT_TRUE(records[0].ok);
  EXPECT_NEAR(records[0].cost_usd, r->cost_usd, 1e-15);
  EXPECT_EQ(inner->calls()[0].model, "gpt-4o");
  EXPECT_NEAR(o.budget->spent_usd(), r->cost_usd, 1e-15);
}

TEST(MeteredClientTest, RefusedReservationSendsNothingAndIsRecorded) {
  auto inner = std::make_shared<testing::ScriptedLlm>(std::vector<std::string>{"never"});
  std::vector<CallRecord> records;
  MeteredOptions o;
  o.provider = "anthropic";
  o.model = "claude-opus-4";
  o.budget = std::make_shared<BudgetGuard>(0.01);
  o.sink = [&](const CallRecord& r) { records.push_back(r); };
  MeteredClient client(inner, o);
  ChatRequest req;
  req.max_output_tokens = 4096;  // 4096 * $75/M = $0.31 worst case
  req.messages = {{Role::kUser, "hi", false}};
  auto r = client.chat(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBudgetExceeded);
  EXPECT_TRUE(inner->calls().empty());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].ok);
  EXPECT_EQ(records[0].error_code, "budget_exceeded");
}

TEST(MeteredClientTest, FailedCallReleasesItsReservation) {
  auto inner = std::make_shared<testing::ScriptedLlm>();
  inner->push_error(make_error(ErrorCode::kUnavailable, "down"));
  MeteredOptions o;
  o.provider = "openai";
  o.model = "gpt-4o";
  o.budget = std::make_shared<BudgetGuard>(1.0);
  MeteredClient client(inner, o);
  ChatRequest req;
  req.messages = {{Role::kUser, "hi", false}};
  auto r = client.chat(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(o.budget->reserved_usd(), 0);
  EXPECT_EQ(o.budget->spent_usd(), 0);
}

TEST(MeteredClientTest, LocalProvidersAreFree) {
  auto inner = std::make_shared<testing::ScriptedLlm>(std::vector<std::string>{"x"});
  MeteredOptions o;
  o.provider = "ollama";
  o.model = "llama3";
  o.free = true;
  MeteredClient client(inner, o);
  ChatRequest req;
  auto r = client.chat(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cost_usd, 0);
}

}  // namespace
}  // namespace sci::llm
