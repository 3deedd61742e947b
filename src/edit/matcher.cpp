// SEARCH matching and replacement; see matcher.h. Methods follow the applier that
// produced the published AI-Scientist runs, so the conformance checkpoints match byte
// for byte; nothing fuzzy is applied (only reported, via most_similar_lines).
#include "edit/matcher.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace sci::edit {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Lines with their '\n' (the caller guarantees the text ends in '\n' or is empty).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

bool blank_line(std::string_view l) {
  return std::all_of(l.begin(), l.end(), is_space);
}

std::string_view lstrip(std::string_view l) {
  size_t i = 0;
  while (i < l.size() && is_space(l[i])) ++i;
  return l.substr(i);
}

size_t leading_width(std::string_view l) { return l.size() - lstrip(l).size(); }

std::string with_final_newline(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

struct Found {
  size_t start = 0;  // line index
  std::string replacement;
};

// A3.1: first run of whole lines equal to `part`.
std::optional<size_t> find_exact(const std::vector<std::string_view>& whole,
                                 const std::vector<std::string_view>& part) {
  if (part.empty() || part.size() > whole.size()) return std::nullopt;
  for (size_t i = 0; i + part.size() <= whole.size(); ++i) {
    if (whole[i] != part[0]) continue;
    bool ok = true;
    for (size_t k = 1; k < part.size() && ok; ++k) ok = whole[i + k] == part[k];
    if (ok) return i;
  }
  return std::nullopt;
}

// A3.2: outdent `part` and `replace` by their common minimum indentation, then find
// the first run where every non-blank part line is P + line for one shared P.
std::optional<Found> find_indent_offset(const std::vector<std::string_view>& whole,
                                        const std::vector<std::string_view>& part_in,
                                        const std::vector<std::string_view>& replace_in) {
  size_t min_width = std::string::npos;
  for (const auto* v : {&part_in, &replace_in})
    for (std::string_view l : *v)
      if (!blank_line(l)) min_width = std::min(min_width, leading_width(l));
  if (min_width == std::string::npos) min_width = 0;
  auto outdent = [&](const std::vector<std::string_view>& v) {
    std::vector<std::string_view> out;
    for (std::string_view l : v) out.push_back(blank_line(l) ? l : l.substr(min_width));
    return out;
  };
  std::vector<std::string_view> part = outdent(part_in);
  std::vector<std::string_view> repl = outdent(replace_in);
  if (part.empty() || part.size() > whole.size()) return std::nullopt;
  for (size_t i = 0; i + part.size() <= whole.size(); ++i) {
    bool ok = true;
    std::optional<std::string_view> prefix;
    for (size_t k = 0; k < part.size() && ok; ++k) {
      std::string_view w = whole[i + k], p = part[k];
      if (lstrip(w) != lstrip(p)) { ok = false; break; }
      if (blank_line(p)) continue;  // lstrip equality made w blank too
      if (w.size() < p.size() || w.substr(w.size() - p.size()) != p) { ok = false; break; }
      std::string_view pre = w.substr(0, w.size() - p.size());
      if (prefix && *prefix != pre) ok = false;
      prefix = pre;
    }
    if (!ok || !prefix) continue;
    Found f;
    f.start = i;
    for (std::string_view r : repl) {
      if (!blank_line(r)) f.replacement += *prefix;
      f.replacement += r;
    }
    return f;
  }
  return std::nullopt;
}

std::optional<Found> find_exact_or_indent(const std::vector<std::string_view>& whole,
                                          const std::vector<std::string_view>& part,
                                          const std::vector<std::string_view>& repl,
                                          std::string_view replace_text, MatchMethod* method) {
  if (auto i = find_exact(whole, part)) {
    *method = MatchMethod::kExact;
    return Found{*i, std::string(replace_text)};
  }
  if (auto f = find_indent_offset(whole, part, repl)) {
    *method = MatchMethod::kIndentOffset;
    return f;
  }
  return std::nullopt;
}

// Word set of a line as sorted unique hashes, for the similarity score.
std::vector<size_t> word_hashes(std::string_view line) {
  std::vector<size_t> out;
  size_t i = 0;
  std::hash<std::string_view> h;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t b = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > b) out.push_back(h(line.substr(b, i - b)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double line_similarity(const std::vector<size_t>& a, const std::vector<size_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) { ++common; ++i; ++j; }
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size());
}

}  // namespace

const char* match_method_name(MatchMethod method) {
  switch (method) {
    case MatchMethod::kNone: return "none";
    case MatchMethod::kExact: return "exact";
    case MatchMethod::kIndentOffset: return "indent_offset";
    case MatchMethod::kLeadingBlankDropped: return "leading_blank_dropped";
    case MatchMethod::kCreated: return "created";
    case MatchMethod::kAppended: return "appended";
    case MatchMethod::kWholeFile: return "whole_file";
  }
  return "none";
}

std::string normalise_block_text(std::string_view text) {
  std::string out(text);
  if (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

bool is_blank_text(std::string_view text) { return blank_line(text); }

std::optional<Replacement> replace_first(std::string_view content_in, std::string_view search_in,
                                         std::string_view replace_in) {
  std::string content = with_final_newline(content_in);
  std::string search = with_final_newline(search_in);
  std::string replace = with_final_newline(replace_in);
  std::vector<std::string_view> whole = lines_of(content);
  std::vector<std::string_view> part = lines_of(search);
  std::vector<std::string_view> repl = lines_of(replace);

  MatchMethod method = MatchMethod::kNone;
  size_t matched_lines = part.size();
  auto found = find_exact_or_indent(whole, part, repl, replace, &method);
  if (!found && part.size() > 2 && blank_line(part[0])) {
    std::vector<std::string_view> rest(part.begin() + 1, part.end());
    found = find_exact_or_indent(whole, rest, repl, replace, &method);
    if (found) {
      method = MatchMethod::kLeadingBlankDropped;
      matched_lines = rest.size();
    }
  }
  if (!found) return std::nullopt;

  size_t begin = 0;
  for (size_t k = 0; k < found->start; ++k) begin += whole[k].size();
  size_t end = begin;
  for (size_t k = found->start; k < found->start + matched_lines; ++k) end += whole[k].size();
  Replacement r;
  r.method = method;
  r.first_line = static_cast<int>(found->start) + 1;
  r.line_count = static_cast<int>(matched_lines);
  r.content.reserve(content.size() - (end - begin) + found->replacement.size());
  r.content.append(content, 0, begin);
  r.content += found->replacement;
  r.content.append(content, end, std::string::npos);
  return r;
}

bool contains_lines(std::string_view content_in, std::string_view text_in) {
  if (is_blank_text(text_in)) return false;
  std::string content = with_final_newline(content_in);
  std::string text = with_final_newline(text_in);
  std::vector<std::string_view> whole = lines_of(content);
  std::vector<std::string_view> part = lines_of(text);
  MatchMethod method = MatchMethod::kNone;
  return find_exact_or_indent(whole, part, part, text, &method).has_value();
}

std::optional<SimilarLines> most_similar_lines(std::string_view content_in, std::string_view search_in,
                                               double min_score) {
  std::string content = with_final_newline(content_in);
  std::string search = with_final_newline(search_in);
  std::vector<std::string_view> whole = lines_of(content);
  std::vector<std::string_view> part = lines_of(search);
  if (whole.empty() || part.empty()) return std::nullopt;
  size_t window = std::min(part.size(), whole.size());
  std::vector<std::vector<size_t>> w_words, p_words;
  w_words.reserve(whole.size());
  for (auto l : whole) w_words.push_back(word_hashes(l));
  for (auto l : part) p_words.push_back(word_hashes(l));
  double best = -1;
  size_t best_i = 0;
  for (size_t i = 0; i + window <= whole.size(); ++i) {
    double sum = 0;
    for (size_t k = 0; k < window; ++k) sum += line_similarity(p_words[k], w_words[i + k]);
    double score = sum / static_cast<double>(part.size());
    if (score > best + 1e-12) {
      best = score;
      best_i = i;
    }
  }
  if (best < min_score) return std::nullopt;
  SimilarLines s;
  s.first_line = static_cast<int>(best_i) + 1;
  s.score = best;
  for (size_t k = best_i; k < best_i + window; ++k) s.text += whole[k];
  return s;
}

}  // namespace sci::edit
