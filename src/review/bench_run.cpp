// review-bench run; see bench_run.h. Workers pull paper indices from a shared counter;
// each worker owns its Reviewer (Reviewer is not thread-safe, the client is).
#include "review/bench_run.h"

#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/log.h"
#include "review/bench.h"

namespace sci::review {
namespace {

namespace stdfs = std::filesystem;

std::optional<stdfs::path> paper_file(const stdfs::path& dir, const std::string& id) {
  std::error_code ec;
  for (const char* ext : {".txt", ".md", ".tex", ".pdf"}) {
    stdfs::path p = dir / (id + ext);
    if (stdfs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

}  // namespace

std::string reviews_tsv_header() {
  return "paper_id\tSoundness\tPresentation\tContribution\tOverall\tConfidence\tOriginality\tQuality\tClarity\t"
         "Significance\tDecision";
}

std::string reviews_tsv_row(const std::string& id, const Review& r) {
  return fmt::format("{}\t{:g}\t{:g}\t{:g}\t{:g}\t{:g}\t{:g}\t{:g}\t{:g}\t{:g}\t{}", id, r.soundness, r.presentation,
                     r.contribution, r.overall, r.confidence, r.originality, r.quality, r.clarity, r.significance,
                     decision_name(r.decision));
}

Result<BenchRunSummary> run_bench_reviews(llm::LlmClient& client, const BenchRunOptions& options,
                                          const std::atomic<bool>* cancel) {
  if (options.parallel < 1 || options.parallel > 64)
    return make_error(ErrorCode::kInvalidArgument, "review-bench run: --parallel must be between 1 and 64");
  if (options.max_cost_usd < 0)
    return make_error(ErrorCode::kInvalidArgument, "review-bench run: --max-cost-usd must be 0 or more");
  std::error_code ec;
  if (!stdfs::is_directory(options.papers_dir, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{}: papers directory not found", options.papers_dir.string()));
  SCI_ASSIGN_OR_RETURN(auto decisions, read_decisions_tsv(options.decisions_tsv));
  if (options.limit > 0 && decisions.size() > static_cast<size_t>(options.limit)) decisions.resize(options.limit);

  stdfs::path reviews_dir = options.out_dir / "reviews";
  stdfs::create_directories(reviews_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("{}: {}", reviews_dir.string(), ec.message()));

  BenchRunSummary summary;
  std::vector<std::optional<Review>> done(decisions.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const auto& id = decisions[i].paper_id;
    auto existing = fs::read_file(reviews_dir / (id + ".json"));
    if (existing.ok()) {
      auto rep = parse_report_json(*existing);
      if (rep.ok()) {
        done[i] = rep->review;
        ++summary.reused;
        continue;
      }
      log::warn("review-bench: {}: unreadable earlier review, reviewing again", id);
    }
    if (!paper_file(options.papers_dir, id)) {
      ++summary.no_paper;
      continue;
    }
    todo.push_back(i);
  }

  std::mutex mu;
  std::atomic<size_t> next{0};
  bool cancelled = false;
  auto worker = [&] {
    Reviewer reviewer(client, options.reviewer);
    while (true) {
      size_t k = next.fetch_add(1);
      if (k >= todo.size()) return;
      size_t i = todo[k];
      const std::string& id = decisions[i].paper_id;
      {
        std::lock_guard l(mu);
        if (cancel && cancel->load()) {
          cancelled = true;
          return;
        }
        if (options.max_cost_usd > 0 && summary.cost_usd >= options.max_cost_usd) {
          ++summary.skipped_for_cost;
          continue;
        }
      }
      auto file = paper_file(options.papers_dir, id);
      auto paper = load_paper(*file, options.paper);
      Result<ReviewReport> rep = paper.ok() ? reviewer.review(*paper) : Result<ReviewReport>(paper.error());
      std::lock_guard l(mu);
      if (rep.ok()) {
        summary.cost_usd += rep->cost_usd;
        auto written = fs::write_file_atomic(reviews_dir / (id + ".json"), report_json(*rep) + "\n");
        if (!written.ok()) {
          ++summary.failed;
          summary.failures.push_back(id + ": " + written.error().to_string());
          continue;
        }
        done[i] = rep->review;
        ++summary.reviewed;
        log::info("review-bench: {} Overall {:g} {} ({}/{})", id, rep->review.overall,
                  decision_name(rep->review.decision), summary.reviewed + summary.failed, todo.size());
      } else {
        ++summary.failed;
        summary.failures.push_back(id + ": " + rep.error().to_string());
        log::warn("review-bench: {}: {}", id, rep.error().to_string());
        if (rep.error().code == ErrorCode::kBudgetExceeded || rep.error().code == ErrorCode::kAuth) {
          next.store(todo.size());  // no later call can succeed either
        }
      }
    }
  };
  std::vector<std::thread> threads;
  int n_threads = std::min<int>(options.parallel, std::max<size_t>(1, todo.size()));
  for (int t = 0; t < n_threads; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  std::string tsv = reviews_tsv_header() + "\n";
  for (size_t i = 0; i < decisions.size(); ++i)
    if (done[i]) tsv += reviews_tsv_row(decisions[i].paper_id, *done[i]) + "\n";
  summary.reviews_tsv = options.out_dir / "reviews.tsv";
  SCI_TRY(fs::write_file_atomic(summary.reviews_tsv, tsv));
  if (cancelled) return make_error(ErrorCode::kCancelled, "review-bench run interrupted; run it again to resume");
  return summary;
}

}  // namespace sci::review
