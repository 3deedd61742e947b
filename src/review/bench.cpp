// review-bench metrics; see bench.h. The formulas follow
// ../shared/corpus/review_bench/README.md §3 literally so the published numbers are
// reproduced to a few ulps.
#include "review/bench.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"

namespace sci::review {
namespace {

Result<double> parse_double_cell(std::string_view cell) {
  cell = str::trim(cell);
  double v = 0;
  auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  if (ec != std::errc() || ptr != cell.data() + cell.size() || !std::isfinite(v))
    return make_error(ErrorCode::kParse, fmt::format("'{}' is not a number", cell));
  return v;
}

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_numbers;  // 1-based source line of each row
};

Result<Table> read_tsv(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  Table table;
  auto lines = str::split_lines(text);
  int line_no = 0;
  for (auto& line : lines) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (str::trim(line).empty()) continue;
    auto cells = str::split(line, '\t');
    if (table.header.empty()) {
      for (auto& c : cells) c = std::string(str::trim(c));
      table.header = std::move(cells);
      continue;
    }
    table.rows.push_back(std::move(cells));
    table.line_numbers.push_back(line_no);
  }
  if (table.header.empty())
    return make_error(ErrorCode::kParse, fmt::format("{}: empty file, expected a header row", path.string()));
  return table;
}

Result<size_t> column(const Table& t, const std::string& name, const std::filesystem::path& path) {
  for (size_t i = 0; i < t.header.size(); ++i)
    if (t.header[i] == name) return i;
  return make_error(ErrorCode::kParse,
                    fmt::format("{}: line 1: missing column '{}' (have: {})", path.string(), name,
                                str::join(t.header, ", ")));
}

Result<std::string> cell(const Table& t, size_t row, size_t col, const std::string& name,
                         const std::filesystem::path& path) {
  if (col >= t.rows[row].size())
    return make_error(ErrorCode::kParse, fmt::format("{}: line {}: column '{}' is missing in this row",
                                                     path.string(), t.line_numbers[row], name));
  return std::string(str::trim(t.rows[row][col]));
}

double safe_div(double num, double den) { return den == 0 ? 0.0 : num / den; }

// Percentile with linear interpolation between order statistics (numpy's default).
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

nlohmann::json metrics_json(const BinaryMetrics& m) {
  return nlohmann::json{{"tp", m.tp},           {"fp", m.fp},
                        {"tn", m.tn},           {"fn", m.fn},
                        {"accuracy", m.accuracy}, {"balanced_accuracy", m.balanced_accuracy},
                        {"f1", m.f1},           {"fpr", m.fpr},
                        {"fnr", m.fnr}};
}

}  // namespace

double HumanDecision::mean_rating() const {
  if (ratings.empty()) return 0;
  double sum = 0;
  for (double r : ratings) sum += r;
  return sum / static_cast<double>(ratings.size());
}

Result<std::vector<HumanDecision>> read_decisions_tsv(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(Table t, read_tsv(path));
  SCI_ASSIGN_OR_RETURN(size_t c_id, column(t, "paper_id", path));
  SCI_ASSIGN_OR_RETURN(size_t c_dec, column(t, "decision", path));
  SCI_ASSIGN_OR_RETURN(size_t c_rat, column(t, "ratings", path));
  std::vector<HumanDecision> out;
  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    HumanDecision d;
    SCI_ASSIGN_OR_RETURN(d.paper_id, cell(t, r, c_id, "paper_id", path));
    SCI_ASSIGN_OR_RETURN(std::string dec, cell(t, r, c_dec, "decision", path));
    SCI_ASSIGN_OR_RETURN(std::string ratings, cell(t, r, c_rat, "ratings", path));
    if (!seen.insert(d.paper_id).second)
      return make_error(ErrorCode::kParse, fmt::format("{}: line {}: duplicate paper_id '{}'", path.string(),
                                                       t.line_numbers[r], d.paper_id));
    d.accept = dec == "Accept";
    for (const auto& part : str::split(ratings, ',')) {
      if (str::trim(part).empty()) continue;
      auto v = parse_double_cell(part);
      if (!v.ok())
        return make_error(ErrorCode::kParse, fmt::format("{}: line {}: column 'ratings': {}", path.string(),
                                                         t.line_numbers[r], v.error().message));
      d.ratings.push_back(*v);
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<LlmVerdict>> read_reviews_tsv(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(Table t, read_tsv(path));
  SCI_ASSIGN_OR_RETURN(size_t c_id, column(t, "paper_id", path));
  SCI_ASSIGN_OR_RETURN(size_t c_overall, column(t, "Overall", path));
  SCI_ASSIGN_OR_RETURN(size_t c_dec, column(t, "Decision", path));
  std::vector<LlmVerdict> out;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    LlmVerdict v;
    SCI_ASSIGN_OR_RETURN(v.paper_id, cell(t, r, c_id, "paper_id", path));
    SCI_ASSIGN_OR_RETURN(std::string overall, cell(t, r, c_overall, "Overall", path));
    SCI_ASSIGN_OR_RETURN(std::string dec, cell(t, r, c_dec, "Decision", path));
    auto num = parse_double_cell(overall);
    if (!num.ok())
      return make_error(ErrorCode::kParse, fmt::format("{}: line {}: column 'Overall': {}", path.string(),
                                                       t.line_numbers[r], num.error().message));
    v.overall = *num;
    v.decision_accept = dec == "Accept";
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::vector<BenchItem>> join_bench(const std::vector<HumanDecision>& decisions,
                                          const std::vector<LlmVerdict>& reviews, size_t* missing) {
  std::unordered_map<std::string, const LlmVerdict*> by_id;
  for (const auto& r : reviews) by_id[r.paper_id] = &r;
  std::set<std::string> known;
  for (const auto& d : decisions) known.insert(d.paper_id);
  for (const auto& r : reviews)
    if (!known.count(r.paper_id))
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("review for unknown paper '{}' (not in the decisions file)", r.paper_id));
  std::vector<BenchItem> items;
  size_t miss = 0;
  for (const auto& d : decisions) {
    auto it = by_id.find(d.paper_id);
    if (it == by_id.end()) {
      ++miss;
      continue;
    }
    BenchItem item;
    item.label_accept = d.accept;
    item.overall = it->second->overall;
    item.decision_accept = it->second->decision_accept;
    item.human_mean = d.mean_rating();
    items.push_back(item);
  }
  if (missing) *missing = miss;
  return items;
}

BinaryMetrics binary_metrics(const std::vector<bool>& label, const std::vector<bool>& pred) {
  BinaryMetrics m;
  size_t n = std::min(label.size(), pred.size());
  for (size_t i = 0; i < n; ++i) {
    if (label[i] && pred[i]) ++m.tp;
    else if (!label[i] && pred[i]) ++m.fp;
    else if (!label[i] && !pred[i]) ++m.tn;
    else ++m.fn;
  }
  double tp = static_cast<double>(m.tp), fp = static_cast<double>(m.fp), tn = static_cast<double>(m.tn),
         fn = static_cast<double>(m.fn);
  m.accuracy = safe_div(tp + tn, static_cast<double>(n));
  double tpr = safe_div(tp, tp + fn), tnr = safe_div(tn, tn + fp);
  m.balanced_accuracy = (tpr + tnr) / 2;
  m.f1 = safe_div(2 * tp, 2 * tp + fp + fn);
  m.fpr = safe_div(fp, fp + tn);
  m.fnr = safe_div(fn, fn + tp);
  return m;
}

double roc_auc(const std::vector<bool>& label, const std::vector<double>& score) {
  // Rank-based Mann-Whitney: sort by score, count for each negative group how many
  // positives lie strictly above it and how many tie. Counts are integers (halves are
  // kept as doubled counts) so the only rounding is the final division.
  size_t n = std::min(label.size(), score.size());
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  std::int64_t pos = 0, neg = 0;
  for (size_t i = 0; i < n; ++i) (label[i] ? pos : neg)++;
  if (pos == 0 || neg == 0) return 0.5;
  // twice_u = 2 * (#pos > neg) + #ties
  std::int64_t twice_u = 0, neg_below = 0;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    std::int64_t gpos = 0, gneg = 0;
    while (j < n && score[idx[j]] == score[idx[i]]) {
      (label[idx[j]] ? gpos : gneg)++;
      ++j;
    }
    twice_u += 2 * gpos * neg_below + gpos * gneg;
    neg_below += gneg;
    i = j;
  }
  return static_cast<double>(twice_u) / (2.0 * static_cast<double>(pos) * static_cast<double>(neg));
}

double pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

namespace {

struct Columns {
  std::vector<bool> label, decision;
  std::vector<double> overall, human;
};

Columns columns_of(const std::vector<BenchItem>& items, const std::vector<size_t>* pick) {
  Columns c;
  size_t n = pick ? pick->size() : items.size();
  c.label.reserve(n);
  for (size_t k = 0; k < n; ++k) {
    const BenchItem& it = items[pick ? (*pick)[k] : k];
    c.label.push_back(it.label_accept);
    c.decision.push_back(it.decision_accept);
    c.overall.push_back(it.overall);
    c.human.push_back(it.human_mean);
  }
  return c;
}

std::vector<bool> threshold_pred(const std::vector<double>& overall, double t) {
  std::vector<bool> p;
  p.reserve(overall.size());
  for (double o : overall) p.push_back(o >= t);
  return p;
}

}  // namespace

Result<BenchReport> score_bench(const std::vector<BenchItem>& items, const BenchOptions& options) {
  if (items.empty())
    return make_error(ErrorCode::kInvalidArgument, "review-bench: no paper has both a decision and a review");
  if (!std::isfinite(options.threshold) || options.threshold < 1 || options.threshold > 10)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("review-bench: --threshold {} is outside the Overall scale 1..10", options.threshold));
  if (options.bootstrap < 0 || options.bootstrap > 1000000)
    return make_error(ErrorCode::kInvalidArgument, "review-bench: --bootstrap must be between 0 and 1000000");
  if (!(options.ci_level > 0 && options.ci_level < 1))
    return make_error(ErrorCode::kInvalidArgument, "review-bench: the CI level must be in (0, 1)");

  BenchReport rep;
  Columns c = columns_of(items, nullptr);
  rep.n = items.size();
  for (bool l : c.label) (l ? rep.n_accept : rep.n_reject)++;
  rep.decision_field = binary_metrics(c.label, c.decision);
  std::vector<double> ts = {5, 6, 7, 8};
  if (std::find(ts.begin(), ts.end(), options.threshold) == ts.end()) ts.push_back(options.threshold);
  for (double t : ts) rep.overall_threshold.push_back({t, binary_metrics(c.label, threshold_pred(c.overall, t))});
  rep.auc_overall = roc_auc(c.label, c.overall);
  rep.pearson_r_overall_vs_human_mean = pearson_r(c.overall, c.human);
  double so = 0, sh = 0;
  for (size_t i = 0; i < rep.n; ++i) {
    so += c.overall[i];
    sh += c.human[i];
  }
  rep.mean_overall = so / static_cast<double>(rep.n);
  rep.mean_human_rating = sh / static_cast<double>(rep.n);
  rep.chosen_threshold = options.threshold;
  rep.bootstrap = options.bootstrap;
  rep.ci_level = options.ci_level;

  if (options.bootstrap > 0) {
    // Paired percentile bootstrap: resample papers with replacement, recompute every
    // metric on the same resample. mt19937_64 with explicit modulo-free index draws
    // keeps the result identical across standard libraries.
    std::mt19937_64 rng(options.seed);
    auto draw = [&](size_t n) {
      // Rejection sampling for an unbiased index in [0, n).
      std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
      std::uint64_t v;
      do v = rng();
      while (v >= limit);
      return static_cast<size_t>(v % n);
    };
    std::map<std::string, std::vector<double>> samples;
    std::vector<size_t> pick(rep.n);
    for (int b = 0; b < options.bootstrap; ++b) {
      for (auto& p : pick) p = draw(rep.n);
      Columns s = columns_of(items, &pick);
      BinaryMetrics m = binary_metrics(s.label, threshold_pred(s.overall, options.threshold));
      samples["accuracy"].push_back(m.accuracy);
      samples["balanced_accuracy"].push_back(m.balanced_accuracy);
      samples["f1"].push_back(m.f1);
      samples["fpr"].push_back(m.fpr);
      samples["fnr"].push_back(m.fnr);
      samples["auc_overall"].push_back(roc_auc(s.label, s.overall));
      samples["pearson_r"].push_back(pearson_r(s.overall, s.human));
    }
    double alpha = (1 - options.ci_level) / 2;
    for (auto& [name, v] : samples) rep.ci[name] = Interval{percentile(v, alpha), percentile(v, 1 - alpha)};
  }
  return rep;
}

std::string bench_report_json(const BenchReport& r) {
  nlohmann::json j;
  j["n"] = r.n;
  j["n_accept"] = r.n_accept;
  j["n_reject"] = r.n_reject;
  j["missing_reviews"] = r.missing_reviews;
  j["decision_field"] = metrics_json(r.decision_field);
  j["overall_threshold"] = nlohmann::json::array();
  for (const auto& t : r.overall_threshold) {
    nlohmann::json m = metrics_json(t.metrics);
    m["t"] = t.threshold;
    j["overall_threshold"].push_back(m);
  }
  j["auc_overall"] = r.auc_overall;
  j["pearson_r_overall_vs_human_mean"] = r.pearson_r_overall_vs_human_mean;
  j["mean_overall"] = r.mean_overall;
  j["mean_human_rating"] = r.mean_human_rating;
  j["threshold"] = r.chosen_threshold;
  j["bootstrap"] = r.bootstrap;
  if (r.bootstrap > 0) {
    j["ci_level"] = r.ci_level;
    nlohmann::json ci = nlohmann::json::object();
    for (const auto& [name, iv] : r.ci) ci[name] = {iv.lo, iv.hi};
    j["ci"] = ci;
  }
  return json::dump(j, 2);
}

std::string bench_report_text(const BenchReport& r) {
  std::string out;
  out += fmt::format("papers: {} ({} accept, {} reject){}\n", r.n, r.n_accept, r.n_reject,
                     r.missing_reviews ? fmt::format("; {} without a review were skipped", r.missing_reviews) : "");
  out += fmt::format(
      "mean LLM Overall {:.3f} vs mean human rating {:.3f} (the scales differ: compare rankings, AUC and r, "
      "not the means)\n",
      r.mean_overall, r.mean_human_rating);
  out += fmt::format("ROC AUC of Overall: {:.4f}    Pearson r with human mean: {:.4f}\n\n", r.auc_overall,
                     r.pearson_r_overall_vs_human_mean);
  out += fmt::format("{:<16} {:>4} {:>4} {:>4} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "prediction", "tp", "fp", "tn",
                     "fn", "acc", "bal_acc", "f1", "fpr", "fnr");
  auto row = [&](const std::string& name, const BinaryMetrics& m) {
    out += fmt::format("{:<16} {:>4} {:>4} {:>4} {:>4} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f} {:>8.4f}\n", name, m.tp,
                       m.fp, m.tn, m.fn, m.accuracy, m.balanced_accuracy, m.f1, m.fpr, m.fnr);
  };
  row("Decision field", r.decision_field);
  for (const auto& t : r.overall_threshold) row(fmt::format("Overall >= {:g}", t.threshold), t.metrics);
  if (r.bootstrap > 0) {
    out += fmt::format("\n{:.0f}% bootstrap intervals ({} resamples, Overall >= {:g}):\n", r.ci_level * 100,
                       r.bootstrap, r.chosen_threshold);
    for (const auto& [name, iv] : r.ci) out += fmt::format("  {:<18} [{:.4f}, {:.4f}]\n", name, iv.lo, iv.hi);
  }
  return out;
}

}  // namespace sci::review
