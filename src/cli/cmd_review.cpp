// `scientist review PATH ...`, `scientist review-bench --decisions --reviews ...` and
// `scientist review-bench run --papers --decisions --model ...`.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "llm/factory.h"
#include "llm/model_ref.h"
#include "review/bench.h"
#include "review/bench_run.h"
#include "review/reviewer.h"

namespace sci::cli {
namespace {

namespace stdfs = std::filesystem;

// The reviewer's LlmClient from the configuration (llm.model_reviewer, else llm.model;
// llm.replay answers from a cassette). Metered: review reports carry the cost.
Result<std::shared_ptr<llm::LlmClient>> reviewer_client(Context& ctx, std::string* model_out,
                                                        const std::atomic<bool>* cancel) {
  llm::ClientOptions co;
  co.cancel = cancel;
  SCI_ASSIGN_OR_RETURN(auto client, llm::make_client_for_role(ctx.config, "reviewer", co));
  auto reference = llm::model_reference_for_role(ctx.config, "reviewer");
  *model_out = reference.ok() ? *reference : std::string("replay");
  return client;
}

struct ReviewFlags {
  int ensemble = 0, reflections = 0, few_shot = 0, max_pages = 0;
  double temperature = 0;
  std::string examples_dir;
};

void add_reviewer_flags(CLI::App& app, Context& ctx, ReviewFlags& f) {
  f.ensemble = static_cast<int>(ctx.config.get_int("review.ensemble"));
  f.reflections = static_cast<int>(ctx.config.get_int("review.reflections"));
  f.few_shot = static_cast<int>(ctx.config.get_int("review.few_shot"));
  f.temperature = ctx.config.get_double("review.temperature");
  bind_config_flag(app, ctx, "--model", "llm.model_reviewer", "reviewer model (provider:model or a bare name)");
  bind_config_flag(app, ctx, "--base-url", "llm.base_url", "override the provider's base URL");
  app.add_option("--ensemble", f.ensemble, "independent reviews, then an area-chair meta-review (review.ensemble)");
  app.add_option("--reflections", f.reflections, "reflection rounds after the review (review.reflections)");
  app.add_option("--few-shot", f.few_shot, "example reviews shown to the model (review.few_shot)");
  app.add_option("--temperature", f.temperature, "reviewer temperature (review.temperature)");
  app.add_option("--examples", f.examples_dir, "directory of your own examples: NAME.json review + NAME.txt/.tex/.pdf");
  app.add_option("--max-pages", f.max_pages, "review only the first N pages of a PDF (0 = all)");
}

Result<review::ReviewerOptions> reviewer_options(Context& ctx, const ReviewFlags& f, const std::string& model) {
  review::ReviewerOptions o;
  o.model = "";  // the metered client fills in the resolved model
  o.model_label = model;
  o.ensemble = f.ensemble;
  o.reflections = f.reflections;
  o.few_shot = f.few_shot;
  o.temperature = f.temperature;
  o.ensemble_temperature = ctx.config.get_double("review.ensemble_temperature");
  o.max_output_tokens = static_cast<int>(ctx.config.get_int("llm.max_output_tokens"));
  if (!f.examples_dir.empty()) {
    SCI_ASSIGN_OR_RETURN(o.user_examples, review::load_examples(f.examples_dir));
  }
  return o;
}

}  // namespace

int cmd_review(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Review a paper (PDF, .tex, .txt or an idea directory) with the NeurIPS-style form", "review");
  std::string path, out_dir;
  bool json = false;
  ReviewFlags flags;
  app.add_option("PATH", path, "paper file or idea directory")->required();
  add_reviewer_flags(app, ctx, flags);
  app.add_option("--out", out_dir, "where review.json/.md/.txt go (default: the idea dir or the paper's folder)");
  app.add_flag("--json", json, "print review.json instead of the score table");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  review::PaperOptions po;
  po.max_pages = flags.max_pages;
  auto paper = review::load_paper(path, po);
  if (!paper.ok()) return report_error(paper.error());
  for (const auto& n : paper->notes) log::info("review: {}", n);

  auto& cancel = install_cancel_handlers();
  std::string model;
  auto client = reviewer_client(ctx, &model, &cancel);
  if (!client.ok()) return report_error(client.error());
  auto options = reviewer_options(ctx, flags, model);
  if (!options.ok()) return report_error(options.error());
  options->idea = paper->kind == review::InputKind::kIdeaDir ? stdfs::path(path).filename().string() : "";

  review::Reviewer reviewer(**client, *options);
  auto report = reviewer.review(*paper);
  if (!report.ok()) return report_error(report.error());

  stdfs::path dir = !out_dir.empty() ? stdfs::path(out_dir)
                    : paper->kind == review::InputKind::kIdeaDir ? stdfs::path(path)
                                                                 : stdfs::absolute(paper->source).parent_path();
  if (auto st = review::write_review_files(*report, dir); !st.ok()) return report_error(st.error());

  if (json) {
    std::printf("%s\n", review::report_json(*report).c_str());
  } else {
    std::printf("%s\n", review::score_line(*report).c_str());
    for (const auto& w : report->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    std::printf("wrote %s (+ review.md, review.txt)\n", (dir / "review.json").string().c_str());
  }
  return kExitOk;
}

int cmd_review_bench(Context& /*ctx*/, std::vector<std::string> args) {
  CLI::App app("Score automated reviews against real accept/reject decisions", "review-bench");
  std::string decisions, reviews;
  bool json = false;
  review::BenchOptions o;
  app.add_option("--decisions", decisions, "TSV with paper_id, decision, ratings")->required();
  app.add_option("--reviews", reviews, "TSV with paper_id, Overall, Decision")->required();
  app.add_option("--threshold", o.threshold, "predict Accept when Overall >= T (default 6)");
  app.add_option("--bootstrap", o.bootstrap, "bootstrap resamples for confidence intervals (0 = none)");
  app.add_option("--seed", o.seed, "bootstrap seed");
  app.add_option("--ci-level", o.ci_level, "confidence level of the intervals (default 0.95)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto d = review::read_decisions_tsv(decisions);
  if (!d.ok()) return report_error(d.error());
  auto r = review::read_reviews_tsv(reviews);
  if (!r.ok()) return report_error(r.error());
  size_t missing = 0;
  auto items = review::join_bench(*d, *r, &missing);
  if (!items.ok()) return report_error(items.error());
  auto report = review::score_bench(*items, o);
  if (!report.ok()) return report_error(report.error());
  report->missing_reviews = missing;
  std::printf("%s\n", json ? review::bench_report_json(*report).c_str() : review::bench_report_text(*report).c_str());
  return kExitOk;
}

int cmd_review_bench_run(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Review a folder of papers with one model, then score against the decisions", "review-bench run");
  review::BenchRunOptions o;
  std::string papers, decisions, out = "review-bench-out";
  bool json = false;
  ReviewFlags flags;
  review::BenchOptions bo;
  app.add_option("--papers", papers, "folder of <paper_id>.txt/.tex/.pdf")->required();
  app.add_option("--decisions", decisions, "TSV with paper_id, decision, ratings")->required();
  app.add_option("--out", out, "output folder (reviews/<id>.json, reviews.tsv); reused to resume");
  app.add_option("--parallel", o.parallel, "papers reviewed at once");
  app.add_option("--max-cost-usd", o.max_cost_usd, "stop starting papers once this much is spent (0 = no cap)");
  app.add_option("--limit", o.limit, "review at most N papers (0 = all)");
  app.add_option("--threshold", bo.threshold, "predict Accept when Overall >= T (default 6)");
  app.add_option("--bootstrap", bo.bootstrap, "bootstrap resamples for confidence intervals");
  app.add_flag("--json", json, "machine-readable output");
  add_reviewer_flags(app, ctx, flags);
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  auto& cancel = install_cancel_handlers();
  std::string model;
  auto client = reviewer_client(ctx, &model, &cancel);
  if (!client.ok()) return report_error(client.error());
  auto ro = reviewer_options(ctx, flags, model);
  if (!ro.ok()) return report_error(ro.error());
  o.reviewer = *ro;
  o.papers_dir = papers;
  o.decisions_tsv = decisions;
  o.out_dir = out;
  o.paper.max_pages = flags.max_pages;
  auto summary = review::run_bench_reviews(**client, o, &cancel);
  if (!summary.ok()) return report_error(summary.error());
  std::fprintf(stderr, "reviewed %zu, reused %zu, failed %zu, no paper %zu, skipped for cost %zu; spent $%.4f\n",
               summary->reviewed, summary->reused, summary->failed, summary->no_paper, summary->skipped_for_cost,
               summary->cost_usd);
  for (const auto& f : summary->failures) std::fprintf(stderr, "failed: %s\n", f.c_str());

  auto d = review::read_decisions_tsv(decisions);
  if (!d.ok()) return report_error(d.error());
  auto r = review::read_reviews_tsv(summary->reviews_tsv);
  if (!r.ok()) return report_error(r.error());
  size_t missing = 0;
  auto items = review::join_bench(*d, *r, &missing);
  if (!items.ok()) return report_error(items.error());
  auto report = review::score_bench(*items, bo);
  if (!report.ok()) return report_error(report.error());
  report->missing_reviews = missing;
  std::printf("%s\n", json ? review::bench_report_json(*report).c_str() : review::bench_report_text(*report).c_str());
  return summary->failed > 0 || summary->skipped_for_cost > 0 ? kExitPartial : kExitOk;
}

}  // namespace sci::cli
