// Conformance: review-bench reproduces every deterministic metric of
// ../shared/corpus/review_bench/expected_metrics.json (counts exactly, floats to 1e-12).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "review/bench.h"
#include "support/test_paths.h"

namespace sci::review {
namespace {

std::filesystem::path bench_dir() {
  auto shared = testing::shared_dir();
  if (shared.empty()) return {};
  auto dir = shared / "corpus" / "review_bench";
  return std::filesystem::exists(dir / "expected_metrics.json") ? dir : std::filesystem::path();
}

void expect_metrics(const nlohmann::json& want, const BinaryMetrics& got, const std::string& where) {
  EXPECT_EQ(want.at("tp").get<std::int64_t>(), got.tp) << where;
  EXPECT_EQ(want.at("fp").get<std::int64_t>(), got.fp) << where;
  EXPECT_EQ(want.at("tn").get<std::int64_t>(), got.tn) << where;
  EXPECT_EQ(want.at("fn").get<std::int64_t>(), got.fn) << where;
  EXPECT_NEAR(want.at("accuracy").get<double>(), got.accuracy, 1e-12) << where;
  EXPECT_NEAR(want.at("balanced_accuracy").get<double>(), got.balanced_accuracy, 1e-12) << where;
  EXPECT_NEAR(want.at("f1").get<double>(), got.f1, 1e-12) << where;
  EXPECT_NEAR(want.at("fpr").get<double>(), got.fpr, 1e-12) << where;
  EXPECT_NEAR(want.at("fnr").get<double>(), got.fnr, 1e-12) << where;
}

TEST(ReviewBenchConformance, EverySettingReproducesTheExpectedMetrics) {
  auto dir = bench_dir();
  if (dir.empty()) GTEST_SKIP() << "../shared/corpus/review_bench is absent";
  auto text = fs::read_file(dir / "expected_metrics.json");
  ASSERT_TRUE(text.ok());
  auto expected = nlohmann::json::parse(*text);
  auto decisions = read_decisions_tsv(dir / "iclr2022_decisions.tsv");
  ASSERT_TRUE(decisions.ok()) << decisions.error().to_string();
  ASSERT_EQ(decisions->size(), expected["labels"]["n"].get<size_t>());

  const auto& settings = expected.at("settings");
  ASSERT_EQ(settings.size(), 6u);
  for (const auto& s : settings) {
    std::string key = s.at("key").get<std::string>();
    auto reviews = read_reviews_tsv(dir / s.at("file").get<std::string>());
    ASSERT_TRUE(reviews.ok()) << reviews.error().to_string();
    size_t missing = 99;
    auto items = join_bench(*decisions, *reviews, &missing);
    ASSERT_TRUE(items.ok()) << items.error().to_string();
    EXPECT_EQ(missing, 0u);
    auto report = score_bench(*items, BenchOptions{});
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    EXPECT_EQ(report->n, s.at("n").get<size_t>()) << key;
    EXPECT_EQ(report->n_accept, expected["labels"]["n_accept"].get<size_t>());
    EXPECT_EQ(report->n_reject, expected["labels"]["n_reject"].get<size_t>());
    expect_metrics(s.at("decision_field"), report->decision_field, key + " decision_field");
    const auto& thresholds = s.at("overall_threshold");
    ASSERT_EQ(thresholds.size(), 4u);
    for (const auto& t : thresholds) {
      double tv = t.at("t").get<double>();
      const ThresholdMetrics* found = nullptr;
      for (const auto& tm : report->overall_threshold)
        if (tm.threshold == tv) found = &tm;
      ASSERT_NE(found, nullptr) << key << " t=" << tv;
      expect_metrics(t, found->metrics, key + " t=" + std::to_string(tv));
    }
    EXPECT_NEAR(s.at("auc_overall").get<double>(), report->auc_overall, 1e-12) << key;
    EXPECT_NEAR(s.at("pearson_r_overall_vs_human_mean").get<double>(), report->pearson_r_overall_vs_human_mean, 1e-12)
        << key;
  }
}

TEST(ReviewBenchConformance, CorpusQuirksParse) {
  // The Sonnet file writes Clarity as floats (one 3.5); reading Overall/Decision must not care.
  auto dir = bench_dir();
  if (dir.empty()) GTEST_SKIP() << "../shared/corpus/review_bench is absent";
  auto reviews = read_reviews_tsv(dir / "llm_reviews" / "claude-3-5-sonnet-20240620_temp_0_1_reflect_5_ensemble_5_pages_all.tsv");
  ASSERT_TRUE(reviews.ok()) << reviews.error().to_string();
  EXPECT_EQ(reviews->size(), 500u);
  auto decisions = read_decisions_tsv(dir / "iclr2022_decisions.tsv");
  ASSERT_TRUE(decisions.ok());
  size_t total_ratings = 0;
  bool dash_id = false;
  for (const auto& d : *decisions) {
    total_ratings += d.ratings.size();
    if (!d.paper_id.empty() && d.paper_id[0] == '-') dash_id = true;
  }
  EXPECT_EQ(total_ratings, 1968u);
  EXPECT_TRUE(dash_id);
}

}  // namespace
}  // namespace sci::review
