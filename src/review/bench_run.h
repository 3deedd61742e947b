// `review-bench run`: reviews a folder of paper texts with one model (resumable,
// parallel, with a cost cap) and writes a reviews TSV in the corpus format, so that
// any model can be calibrated with score_bench against real decisions.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "llm/client.h"
#include "review/paper_text.h"
#include "review/reviewer.h"

namespace sci::review {

struct BenchRunOptions {
  std::filesystem::path papers_dir;     // <paper_id>.txt | .tex | .md | .pdf
  std::filesystem::path decisions_tsv;  // paper_id, decision, ratings
  std::filesystem::path out_dir;        // reviews/<paper_id>.json and reviews.tsv go here
  ReviewerOptions reviewer;
  PaperOptions paper;
  int parallel = 1;         // papers reviewed at once (1..64)
  double max_cost_usd = 0;  // stop starting papers once spent >= this; 0 = no cap
  int limit = 0;            // review at most this many papers (in decisions order); 0 = all
};

struct BenchRunSummary {
  size_t reviewed = 0;          // reviewed in this run
  size_t reused = 0;            // found in out_dir/reviews from an earlier run
  size_t failed = 0;            // review errors (listed in failures)
  size_t no_paper = 0;          // decisions without a paper file
  size_t skipped_for_cost = 0;  // not started because the cost cap was reached
  double cost_usd = 0;          // spent in this run
  std::vector<std::string> failures;  // "paper_id: message"
  std::filesystem::path reviews_tsv;  // out_dir/reviews.tsv (every finished review)
};

// Reviews every decision's paper that has no finished review yet, then writes
// reviews.tsv. Each review is saved (out_dir/reviews/<id>.json) as soon as it is done,
// so an interrupted run resumes where it stopped. `client` must be thread-safe when
// parallel > 1. Errors: kNotFound / kParse for the inputs, kInvalidArgument for bad
// options, kIo for the outputs, kCancelled when `cancel` becomes true (finished
// reviews are kept). Individual review failures are counted, not fatal.
Result<BenchRunSummary> run_bench_reviews(llm::LlmClient& client, const BenchRunOptions& options,
                                          const std::atomic<bool>* cancel = nullptr);

// The reviews TSV line for a review (columns as in the corpus: paper_id, Soundness,
// Presentation, Contribution, Overall, Confidence, Originality, Quality, Clarity,
// Significance, Decision) and its header.
std::string reviews_tsv_header();
std::string reviews_tsv_row(const std::string& paper_id, const Review& review);

}  // namespace sci::review
