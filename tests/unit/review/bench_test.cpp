// review-bench metric code on small hand-computed cases, TSV errors and the bootstrap.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "review/bench.h"
#include "support/test_paths.h"

namespace sci::review {
namespace {

TEST(ReviewBench, BinaryMetricsMatchHandCounts) {
  // labels: 1 1 1 0 0 ; preds: 1 0 1 1 0 -> tp 2, fn 1, fp 1, tn 1
  auto m = binary_metrics({true, true, true, false, false}, {true, false, true, true, false});
  EXPECT_EQ(m.tp, 2);
  EXPECT_EQ(m.fn, 1);
  EXPECT_EQ(m.fp, 1);
  EXPECT_EQ(m.tn, 1);
  EXPECT_DOUBLE_EQ(m.accuracy, 3.0 / 5);
  EXPECT_DOUBLE_EQ(m.balanced_accuracy, (2.0 / 3 + 1.0 / 2) / 2);
  EXPECT_DOUBLE_EQ(m.f1, 4.0 / 6);
  EXPECT_DOUBLE_EQ(m.fpr, 0.5);
  EXPECT_DOUBLE_EQ(m.fnr, 1.0 / 3);
}

TEST(ReviewBench, EmptyDenominatorsGiveZero) {
  auto m = binary_metrics({false, false}, {false, false});
  EXPECT_EQ(m.tn, 2);
  EXPECT_EQ(m.f1, 0);
  EXPECT_EQ(m.fnr, 0);
  EXPECT_EQ(m.fpr, 0);
}

TEST(ReviewBench, RocAucCountsTiesAsHalf) {
  // pos scores {3, 5}, neg scores {3, 1}: pairs (3,3)=.5 (3,1)=1 (5,3)=1 (5,1)=1 -> 3.5/4
  EXPECT_DOUBLE_EQ(roc_auc({true, true, false, false}, {3, 5, 3, 1}), 3.5 / 4);
  EXPECT_DOUBLE_EQ(roc_auc({true, true}, {1, 2}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({true, false}, {1, 2}), 0.0);
}

TEST(ReviewBench, PearsonOfLinearDataIsOne) {
  EXPECT_NEAR(pearson_r({1, 2, 3, 4}, {2, 4, 6, 8}), 1.0, 1e-15);
  EXPECT_NEAR(pearson_r({1, 2, 3, 4}, {8, 6, 4, 2}), -1.0, 1e-15);
  EXPECT_EQ(pearson_r({1, 1, 1}, {1, 2, 3}), 0);
}

TEST(ReviewBench, TsvWithMissingColumnNamesFileAndColumn) {
  auto dir = testing::fresh_temp_dir("review_bench_tsv");
  ASSERT_TRUE(fs::write_file_atomic(dir / "d.tsv", "paper_id\tdecision\nA\tAccept\n").ok());
  auto r = read_decisions_tsv(dir / "d.tsv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("ratings"), std::string::npos);
  EXPECT_NE(r.error().message.find("d.tsv"), std::string::npos);

  ASSERT_TRUE(fs::write_file_atomic(dir / "r.tsv", "paper_id\tOverall\tDecision\nA\tsix\tAccept\n").ok());
  auto v = read_reviews_tsv(dir / "r.tsv");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("line 2"), std::string::npos);
  EXPECT_EQ(read_decisions_tsv(dir / "absent.tsv").error().code, ErrorCode::kNotFound);
}

TEST(ReviewBench, JoinSkipsMissingAndRejectsUnknownPapers) {
  std::vector<HumanDecision> d = {{"a", true, {6, 8}}, {"b", false, {3}}};
  std::vector<LlmVerdict> r = {{"b", 4, false}};
  size_t missing = 0;
  auto items = join_bench(d, r, &missing);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 1u);
  EXPECT_EQ(missing, 1u);
  EXPECT_DOUBLE_EQ(d[0].mean_rating(), 7.0);
  r.push_back({"zzz", 5, true});
  auto bad = join_bench(d, r, &missing);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(ReviewBench, BootstrapIsDeterministicAndBracketsThePointEstimate) {
  std::vector<BenchItem> items;
  for (int i = 0; i < 60; ++i) items.push_back({i % 3 == 0, static_cast<double>(3 + (i * 7) % 6), i % 4 == 0, 4.0 + (i % 5)});
  BenchOptions o;
  o.bootstrap = 300;
  o.seed = 7;
  auto a = score_bench(items, o);
  auto b = score_bench(items, o);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->ci.size(), 7u);
  for (const auto& [name, iv] : a->ci) {
    EXPECT_EQ(iv.lo, b->ci.at(name).lo) << name;
    EXPECT_LE(iv.lo, iv.hi) << name;
  }
  const auto& t6 = *std::find_if(a->overall_threshold.begin(), a->overall_threshold.end(),
                                 [](const ThresholdMetrics& t) { return t.threshold == 6; });
  EXPECT_LE(a->ci.at("accuracy").lo, t6.metrics.accuracy);
  EXPECT_GE(a->ci.at("accuracy").hi, t6.metrics.accuracy);
  EXPECT_LE(a->ci.at("auc_overall").lo, a->auc_overall);
  EXPECT_GE(a->ci.at("auc_overall").hi, a->auc_overall);
}

TEST(ReviewBench, RejectsEmptyInputAndBadThreshold) {
  EXPECT_EQ(score_bench({}, BenchOptions{}).error().code, ErrorCode::kInvalidArgument);
  BenchOptions o;
  o.threshold = 11;
  EXPECT_FALSE(score_bench({{true, 5, true, 5}}, o).ok());
  o.threshold = 5.5;
  auto r = score_bench({{true, 6, true, 5}, {false, 5, false, 4}}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->overall_threshold.size(), 5u);  // 5..8 plus 5.5
  EXPECT_EQ(r->overall_threshold.back().metrics.tp, 1);
}

}  // namespace
}  // namespace sci::review
