// review-bench: scores automated reviews against real accept/reject decisions
// (ICLR 2022 corpus format): confusion counts, accuracy, balanced accuracy, F1, FPR,
// FNR, ROC AUC of Overall (ties count 1/2), Pearson r with the mean human rating, and
// percentile bootstrap confidence intervals. Pure computation plus TSV reading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::review {

// One row of a decisions TSV (columns paper_id, decision, ratings; others ignored).
struct HumanDecision {
  std::string paper_id;
  bool accept = false;              // decision == "Accept"
  std::vector<double> ratings;      // human overall ratings
  double mean_rating() const;       // arithmetic mean; 0 when there are none
};

// One row of a reviews TSV (columns paper_id, Overall, Decision; others ignored).
struct LlmVerdict {
  std::string paper_id;
  double overall = 0;
  bool decision_accept = false;  // Decision cell is exactly "Accept"
};

// Reads a TSV with a header row; columns are found by name. Errors: kNotFound/kIo for
// the file, kParse naming the file, line and column for a bad row or missing column.
Result<std::vector<HumanDecision>> read_decisions_tsv(const std::filesystem::path& path);
Result<std::vector<LlmVerdict>> read_reviews_tsv(const std::filesystem::path& path);

// A joined paper: label, prediction inputs and the human mean.
struct BenchItem {
  bool label_accept = false;
  double overall = 0;
  bool decision_accept = false;
  double human_mean = 0;
};

// Joins on paper_id in the order of `decisions`. Papers without a review are skipped
// and counted in *missing (may be null); a review for an unknown paper is kInvalidArgument.
Result<std::vector<BenchItem>> join_bench(const std::vector<HumanDecision>& decisions,
                                          const std::vector<LlmVerdict>& reviews, size_t* missing);

struct BinaryMetrics {
  std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double accuracy = 0, balanced_accuracy = 0, f1 = 0, fpr = 0, fnr = 0;
};

// Metrics of predictions `pred` against `label` (same length). A rate whose
// denominator is 0 is 0.
BinaryMetrics binary_metrics(const std::vector<bool>& label, const std::vector<bool>& pred);

// Mann-Whitney ROC AUC of `score` for positives `label`; ties count 1/2. 0.5 when a
// class is empty.
double roc_auc(const std::vector<bool>& label, const std::vector<double>& score);

// Pearson correlation; 0 when either side has zero variance or n < 2.
double pearson_r(const std::vector<double>& x, const std::vector<double>& y);

struct ThresholdMetrics {
  double threshold = 0;  // predicted Accept iff Overall >= threshold
  BinaryMetrics metrics;
};

struct Interval {
  double lo = 0, hi = 0;
};

struct BenchReport {
  size_t n = 0, n_accept = 0, n_reject = 0;
  size_t missing_reviews = 0;
  BinaryMetrics decision_field;
  std::vector<ThresholdMetrics> overall_threshold;  // t = 5..8 plus the chosen one
  double auc_overall = 0;
  double pearson_r_overall_vs_human_mean = 0;
  double mean_overall = 0;       // mean LLM Overall (calibration: compare with human mean)
  double mean_human_rating = 0;
  double chosen_threshold = 6;
  // Percentile bootstrap CIs (level `ci_level`) at the chosen threshold; empty when B = 0.
  int bootstrap = 0;
  double ci_level = 0.95;
  std::map<std::string, Interval> ci;  // accuracy, balanced_accuracy, f1, fpr, fnr, auc_overall, pearson_r
};

struct BenchOptions {
  double threshold = 6;
  int bootstrap = 0;  // resamples; 0 = no CIs
  std::uint64_t seed = 0;
  double ci_level = 0.95;
};

// Scores `items`. kInvalidArgument when items is empty or the options are out of range.
// Deterministic for a given seed.
Result<BenchReport> score_bench(const std::vector<BenchItem>& items, const BenchOptions& options);

// JSON text of a report (keys as in expected_metrics.json where they overlap).
std::string bench_report_json(const BenchReport& report);
// Human-readable table.
std::string bench_report_text(const BenchReport& report);

}  // namespace sci::review
