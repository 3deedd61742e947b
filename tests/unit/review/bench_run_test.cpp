// review-bench run: reviews a folder of papers with a scripted model, resumes without
// new calls, respects the cost cap, and writes a TSV that score_bench reads back.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/fs.h"
#include "review/bench.h"
#include "review/bench_run.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"

namespace sci::review {
namespace {

std::string reply_for(const llm::ChatRequest& req) {
  const std::string& user = req.messages.front().text;
  int overall = user.find("strong paper") != std::string::npos ? 8 : 3;
  return fmt::format(R"X(REVIEW JSON:
```json
{{"Summary": "s", "Strengths": ["ok (Section 1)"], "Weaknesses": ["Table 1 is thin"], "Originality": 2, "Quality": 2,
 "Clarity": 2, "Significance": 2, "Questions": [], "Limitations": [], "Ethical Concerns": false, "Soundness": 2,
 "Presentation": 2, "Contribution": 2, "Overall": {}, "Confidence": 3, "Decision": "{}"}}
```)X",
                     overall, overall >= 6 ? "Accept" : "Reject");
}

// Prices every call at $1 so the cost cap can be exercised.
class PricedLlm final : public llm::LlmClient {
 public:
  explicit PricedLlm(llm::LlmClient& inner) : inner_(inner) {}
  Result<llm::ChatResponse> chat(const llm::ChatRequest& r) override {
    auto resp = inner_.chat(r);
    if (resp.ok()) resp->cost_usd = 1.0;
    return resp;
  }

 private:
  llm::LlmClient& inner_;
};

struct Fixture {
  std::filesystem::path dir;
  BenchRunOptions options;
};

Fixture make_fixture(const std::string& name) {
  Fixture f;
  f.dir = testing::fresh_temp_dir(name);
  EXPECT_TRUE(fs::write_file_atomic(f.dir / "decisions.tsv",
                                    "paper_id\tdecision\tratings\n-a1\tAccept\t8,8\nb2\tReject\t3,5\nc3\tAccept\t6\n"
                                    "d4\tReject\t1\n")
                  .ok());
  EXPECT_TRUE(fs::write_file_atomic(f.dir / "papers" / "-a1.txt", "A strong paper about A.").ok());
  EXPECT_TRUE(fs::write_file_atomic(f.dir / "papers" / "b2.txt", "A weak paper about B.").ok());
  EXPECT_TRUE(fs::write_file_atomic(f.dir / "papers" / "c3.md", "Another strong paper about C.").ok());
  f.options.papers_dir = f.dir / "papers";
  f.options.decisions_tsv = f.dir / "decisions.tsv";
  f.options.out_dir = f.dir / "out";
  f.options.reviewer.model = "m";
  f.options.reviewer.nonce = "x";
  return f;
}

TEST(ReviewBenchRun, ReviewsScoresAndResumesWithoutNewCalls) {
  auto f = make_fixture("review_bench_run");
  f.options.parallel = 2;
  testing::ScriptedLlm llm;
  llm.set_responder(reply_for);
  auto s = run_bench_reviews(llm, f.options);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->reviewed, 3u);
  EXPECT_EQ(s->no_paper, 1u);
  EXPECT_EQ(s->failed, 0u);
  EXPECT_EQ(llm.calls().size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(f.dir / "out" / "reviews" / "-a1.json"));

  auto reviews = read_reviews_tsv(s->reviews_tsv);
  ASSERT_TRUE(reviews.ok()) << reviews.error().to_string();
  ASSERT_EQ(reviews->size(), 3u);
  EXPECT_EQ((*reviews)[0].paper_id, "-a1");
  EXPECT_EQ((*reviews)[0].overall, 8);
  EXPECT_TRUE((*reviews)[0].decision_accept);
  auto decisions = read_decisions_tsv(f.options.decisions_tsv);
  ASSERT_TRUE(decisions.ok());
  size_t missing = 0;
  auto items = join_bench(*decisions, *reviews, &missing);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(missing, 1u);
  auto rep = score_bench(*items, BenchOptions{});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->decision_field.tp, 2);
  EXPECT_EQ(rep->decision_field.tn, 1);
  EXPECT_EQ(rep->auc_overall, 1.0);

  auto again = run_bench_reviews(llm, f.options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->reused, 3u);
  EXPECT_EQ(again->reviewed, 0u);
  EXPECT_EQ(llm.calls().size(), 3u);  // nothing asked twice
}

TEST(ReviewBenchRun, CostCapStopsStartingPapers) {
  auto f = make_fixture("review_bench_cost");
  f.options.max_cost_usd = 1.5;  // two $1 reviews would overshoot: the second starts at $1 < 1.5, the third does not
  testing::ScriptedLlm scripted;
  scripted.set_responder(reply_for);
  PricedLlm llm(scripted);
  auto s = run_bench_reviews(llm, f.options);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->reviewed, 2u);
  EXPECT_EQ(s->skipped_for_cost, 1u);
  EXPECT_DOUBLE_EQ(s->cost_usd, 2.0);
}

TEST(ReviewBenchRun, FailedReviewsAreCountedNotFatal) {
  auto f = make_fixture("review_bench_fail");
  testing::ScriptedLlm llm;
  llm.set_responder([](const llm::ChatRequest& r) {
    return r.messages.front().text.find("weak paper") != std::string::npos ? std::string("no json") : reply_for(r);
  });
  auto s = run_bench_reviews(llm, f.options);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->reviewed, 2u);
  EXPECT_EQ(s->failed, 1u);
  ASSERT_EQ(s->failures.size(), 1u);
  EXPECT_NE(s->failures[0].find("b2"), std::string::npos);
}

}  // namespace
}  // namespace sci::review
