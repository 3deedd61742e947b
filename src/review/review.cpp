// Review form parsing, validation and rendering; see review.h. Models write reviews in
// many shapes, so the parser is tolerant about form and strict about meaning: it
// repairs what has one reading and reports what does not.
#include "review/review.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/strings.h"

namespace sci::review {
namespace {

using Json = nlohmann::json;

// "Ethical Concerns" / "ethical_concerns" / "EthicalConcerns" -> "ethicalconcerns".
std::string norm_key(std::string_view k) {
  std::string out;
  for (char c : k)
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Json* find_field(const Json& obj, std::initializer_list<const char*> names) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    std::string k = norm_key(it.key());
    for (const char* n : names)
      if (k == n) return &it.value();
  }
  return nullptr;
}

// Balanced-brace scan from `start` (a '{'), respecting JSON strings.
size_t match_brace(std::string_view s, size_t start) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Drops trailing commas before } or ] (outside strings), a common model slip.
std::string drop_trailing_commas(std::string_view s) {
  std::string out;
  bool in_str = false, esc = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      out += c;
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == ',') {
      size_t j = i + 1;
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && (s[j] == '}' || s[j] == ']')) continue;
    }
    out += c;
  }
  return out;
}

// Raw control characters inside strings (newlines in a Summary) are invalid JSON.
std::string escape_controls_in_strings(std::string_view s) {
  std::string out;
  bool in_str = false, esc = false;
  for (char c : s) {
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
      else if (static_cast<unsigned char>(c) < 0x20) {
        out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : " ";
        continue;
      }
    } else if (c == '"') {
      in_str = true;
    }
    out += c;
  }
  return out;
}

std::optional<Json> try_parse_object(std::string_view candidate) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string text = attempt == 0 ? std::string(candidate)
                                    : drop_trailing_commas(escape_controls_in_strings(candidate));
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) return j;
  }
  return std::nullopt;
}

std::optional<Json> extract_json(std::string_view reply) {
  // 1. After the "REVIEW JSON:" marker (the form's reply format), else anywhere.
  std::vector<size_t> starts;
  size_t marker = reply.rfind("REVIEW JSON");
  if (marker != std::string_view::npos) starts.push_back(marker);
  starts.push_back(0);
  for (size_t from : starts) {
    std::string_view tail = reply.substr(from);
    // Fenced blocks first, last one wins (a reflection may quote an earlier review).
    std::vector<std::string_view> fenced;
    size_t pos = 0;
    while ((pos = tail.find("```", pos)) != std::string_view::npos) {
      size_t body = tail.find('\n', pos);
      if (body == std::string_view::npos) break;
      size_t end = tail.find("```", body);
      if (end == std::string_view::npos) break;
      fenced.push_back(tail.substr(body + 1, end - body - 1));
      pos = end + 3;
    }
    for (auto it = fenced.rbegin(); it != fenced.rend(); ++it) {
      size_t b = it->find('{');
      if (b == std::string_view::npos) continue;
      size_t e = match_brace(*it, b);
      if (auto j = try_parse_object(it->substr(b, e == std::string_view::npos ? it->size() - b : e - b + 1))) return j;
    }
    // Bare objects: the last parsable top-level one.
    std::optional<Json> last;
    for (size_t b = tail.find('{'); b != std::string_view::npos;) {
      size_t e = match_brace(tail, b);
      if (e == std::string_view::npos) break;
      if (auto j = try_parse_object(tail.substr(b, e - b + 1))) last = std::move(j);
      b = tail.find('{', e + 1);
    }
    if (last) return last;
  }
  return std::nullopt;
}

std::string text_of(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v) parts.push_back(text_of(e));
    return str::join(parts, "\n");
  }
  return v.dump();
}

// A list field: an array of strings, or one string with bullets / numbered lines.
std::vector<std::string> list_of(const Json& v, const std::string& field, std::vector<std::string>* repairs) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& e : v) {
      std::string s(str::trim(text_of(e)));
      if (!s.empty()) out.push_back(s);
    }
    return out;
  }
  std::string s(str::trim(text_of(v)));
  if (s.empty()) return out;
  static const std::regex kBullet(R"(^\s*(?:[-*]|•|\(?\d+[.)]|\(?[a-z][.)])\s+)");
  auto lines = str::split_lines(s);
  bool bulleted = false;
  for (const auto& l : lines)
    if (std::regex_search(l, kBullet)) bulleted = true;
  if (bulleted) {
    for (const auto& l : lines) {
      std::string item(str::trim(l));
      if (item.empty()) continue;
      if (std::regex_search(item, kBullet) || out.empty()) {
        out.push_back(std::regex_replace(item, kBullet, ""));
      } else {
        out.back() += " " + item;  // continuation line
      }
    }
  } else {
    for (const auto& l : lines)
      if (!str::trim(l).empty()) out.emplace_back(str::trim(l));
  }
  repairs->push_back(fmt::format("{} was a string; read as a list of {}", field, out.size()));
  return out;
}

// Prose booleans: "No", "None.", "No ethical concerns", "N/A" -> false; "Yes", "true",
// or a sentence describing a concern -> true.
bool bool_of(const Json& v, std::vector<std::string>* repairs) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  std::string s = str::to_lower(str::trim(text_of(v)));
  static const char* kFalse[] = {"no", "none", "false", "n/a", "na", "nil", "not applicable", "0", ""};
  for (const char* f : kFalse)
    if (s == f || (str::starts_with(s, f) && s.size() > std::string_view(f).size() && std::string_view(f).size() > 1 &&
                   !std::isalnum(static_cast<unsigned char>(s[std::string_view(f).size()]))))
      return repairs->push_back(fmt::format("Ethical Concerns '{}' read as false", text_of(v))), false;
  if (s.find("no ethical") != std::string::npos || s.find("no concern") != std::string::npos ||
      s.find("not raise") != std::string::npos || s.find("no obvious ethical") != std::string::npos)
    return repairs->push_back(fmt::format("Ethical Concerns '{}' read as false", text_of(v))), false;
  repairs->push_back(fmt::format("Ethical Concerns '{}' read as true", str::tail_utf8(text_of(v), 80)));
  return true;
}

// A score: a number, or "3", "3/4", "3 (good)", "good". nullopt when unreadable.
std::optional<double> number_of(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  std::string s = str::to_lower(str::trim(v.get<std::string>()));
  static const std::regex kLead(R"(^([+-]?\d+(?:\.\d+)?)\b)");
  std::smatch m;
  if (std::regex_search(s, m, kLead)) return std::stod(m[1].str());
  static const std::map<std::string, double> kWords = {
      {"poor", 1}, {"low", 1}, {"fair", 2}, {"medium", 2}, {"good", 3}, {"high", 3}, {"excellent", 4}, {"very high", 4}};
  if (auto it = kWords.find(s); it != kWords.end()) return it->second;
  return std::nullopt;
}

}  // namespace

const char* decision_name(Decision d) { return d == Decision::kAccept ? "Accept" : "Reject"; }

const std::vector<ScoreField>& score_fields() {
  static const std::vector<ScoreField> kFields = {
      {"Originality", 1, 4, &Review::originality}, {"Quality", 1, 4, &Review::quality},
      {"Clarity", 1, 4, &Review::clarity},         {"Significance", 1, 4, &Review::significance},
      {"Soundness", 1, 4, &Review::soundness},     {"Presentation", 1, 4, &Review::presentation},
      {"Contribution", 1, 4, &Review::contribution}, {"Overall", 1, 10, &Review::overall},
      {"Confidence", 1, 5, &Review::confidence},
  };
  return kFields;
}

bool has_passage_reference(std::string_view weakness) {
  // Curly quotes become straight ones first: std::regex works on bytes, not UTF-8.
  std::string w(weakness);
  for (const char* q : {"\u201c", "\u201d"}) w = str::replace_all(w, q, "\"");
  // A quotation of at least 8 characters (single quotes are too often apostrophes).
  static const std::regex kQuote(R"((["`])[^"`]{8,}(["`]))");
  if (std::regex_search(w, kQuote)) return true;
  // A numbered place: "Section 3", "Sec. 4.2", "Table 1", "Fig. 2", "Eq. (3)", "page 4".
  static const std::regex kPlace(
      R"(\b(sec(tion|\.)?|sections|table|tab\.|fig(ure|\.)?|figures|eq(uation|n|\.)?|algorithm|alg\.|page|pp?\.|lines?|paragraph|para\.|footnote|theorem|lemma|definition|listing)\s*\(?\d|\b(appendix|app\.)\s*[A-Z0-9]|§\s*\d)",
      std::regex::icase);
  // A named section: capitalised ("the Method"), or "the abstract" / "the methods section".
  static const std::regex kNamed(
      R"(\b(Abstract|Introduction|Related Work|Background|Method|Methods|Methodology|Experiments|Experimental Setup|Results|Discussion|Conclusions?|Evaluation|Limitations)\b)");
  static const std::regex kNamedLower(
      R"(\b(the|in|of)\s+(abstract|introduction|conclusions?|related work)\b|\b(abstract|introduction|related work|background|methods?|methodology|experiments?|results|discussion|conclusions?|evaluation|limitations)\s+section\b)",
      std::regex::icase);
  return std::regex_search(w, kPlace) || std::regex_search(w, kNamed) || std::regex_search(w, kNamedLower);
}

ParsedReview parse_review(std::string_view reply) {
  ParsedReview out;
  auto found = extract_json(reply);
  if (!found) {
    out.problems.push_back(
        "no JSON object found: reply with THOUGHT, then REVIEW JSON and one ```json block holding every field");
    return out;
  }
  Json j = std::move(*found);
  // Some models nest the form: {"review": {...}}.
  if (const Json* inner = find_field(j, {"review"}); inner && inner->is_object()) j = *inner;
  Review& r = out.review;

  if (const Json* v = find_field(j, {"summary"})) r.summary = std::string(str::trim(text_of(*v)));
  if (r.summary.empty()) out.problems.push_back("Summary is missing or empty");

  struct ListSpec {
    const char* name;
    std::initializer_list<const char*> keys;
    std::vector<std::string>* dest;
    bool required;
  };
  ListSpec lists[] = {{"Strengths", {"strengths"}, &r.strengths, true},
                      {"Weaknesses", {"weaknesses"}, &r.weaknesses, true},
                      {"Questions", {"questions"}, &r.questions, false},
                      {"Limitations", {"limitations"}, &r.limitations, false}};
  for (auto& l : lists) {
    const Json* v = find_field(j, l.keys);
    if (v) *l.dest = list_of(*v, l.name, &out.repairs);
    if (l.required && l.dest->empty()) out.problems.push_back(fmt::format("{} is missing or empty", l.name));
  }

  if (const Json* v = find_field(j, {"ethicalconcerns", "ethicsconcerns", "ethics", "ethicalconcern"}))
    r.ethical_concerns = bool_of(*v, &out.repairs);

  bool have_overall = false;
  for (const auto& f : score_fields()) {
    std::string key = norm_key(f.name);
    const Json* v = find_field(j, {key.c_str()});
    if (!v) {
      out.problems.push_back(fmt::format("{} is missing (an integer {}-{})", f.name, f.min, f.max));
      continue;
    }
    auto num = number_of(*v);
    if (!num || !std::isfinite(*num)) {
      out.problems.push_back(fmt::format("{} '{}' is not a number (an integer {}-{})", f.name, text_of(*v), f.min, f.max));
      continue;
    }
    double x = *num;
    if (x != std::floor(x)) {
      double rounded = std::floor(x + 0.5);
      out.repairs.push_back(fmt::format("{} {:g} rounded to {:g}", f.name, x, rounded));
      x = rounded;
    }
    if (x < f.min || x > f.max) {
      out.problems.push_back(fmt::format("{} {:g} is outside its range {}-{}", f.name, x, f.min, f.max));
      continue;
    }
    r.*(f.member) = x;
    if (f.member == &Review::overall) have_overall = true;
  }

  const Json* d = find_field(j, {"decision"});
  std::string dec = d ? str::to_lower(str::trim(text_of(*d))) : "";
  bool says_accept = dec.find("accept") != std::string::npos;
  bool says_reject = dec.find("reject") != std::string::npos;
  if (says_accept != says_reject) {
    r.decision = says_accept ? Decision::kAccept : Decision::kReject;
    if (dec != "accept" && dec != "reject")
      out.repairs.push_back(fmt::format("Decision '{}' read as {}", text_of(*d), decision_name(r.decision)));
  } else if (have_overall) {
    r.decision = r.overall >= 6 ? Decision::kAccept : Decision::kReject;
    out.repairs.push_back(fmt::format("Decision {} derived from Overall {:g} (>= 6 is Accept)",
                                      d ? "'" + text_of(*d) + "' unclear;" : "missing;", r.overall));
  } else {
    out.problems.push_back("Decision is missing (Accept or Reject)");
  }

  for (size_t i = 0; i < r.weaknesses.size(); ++i)
    if (!has_passage_reference(r.weaknesses[i]))
      out.notes.push_back(fmt::format("weakness {} does not quote or point to a passage (section, table, figure or a "
                                      "short quote): \"{}\"",
                                      i + 1, str::tail_utf8(r.weaknesses[i], 120)));
  return out;
}

std::map<std::string, Spread> score_spread(const std::vector<Review>& reviews) {
  std::map<std::string, Spread> out;
  if (reviews.empty()) return out;
  for (const auto& f : score_fields()) {
    Spread s;
    s.n = static_cast<int>(reviews.size());
    s.min = s.max = reviews[0].*(f.member);
    double sum = 0;
    for (const auto& r : reviews) {
      double v = r.*(f.member);
      sum += v;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
    s.mean = sum / s.n;
    double ss = 0;
    for (const auto& r : reviews) ss += (r.*(f.member) - s.mean) * (r.*(f.member) - s.mean);
    s.stddev = std::sqrt(ss / s.n);
    out[f.name] = s;
  }
  return out;
}

namespace {

Json review_to_json(const Review& r) {
  Json j = Json::object();
  j["Summary"] = r.summary;
  j["Strengths"] = r.strengths;
  j["Weaknesses"] = r.weaknesses;
  j["Originality"] = r.originality;
  j["Quality"] = r.quality;
  j["Clarity"] = r.clarity;
  j["Significance"] = r.significance;
  j["Questions"] = r.questions;
  j["Limitations"] = r.limitations;
  j["Ethical Concerns"] = r.ethical_concerns;
  j["Soundness"] = r.soundness;
  j["Presentation"] = r.presentation;
  j["Contribution"] = r.contribution;
  j["Overall"] = r.overall;
  j["Confidence"] = r.confidence;
  j["Decision"] = decision_name(r.decision);
  return j;
}

std::vector<std::string> string_list(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (const auto& e : j[key])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

Result<Review> review_from_json(const Json& j) {
  if (!j.is_object()) return make_error(ErrorCode::kParse, "review is not a JSON object");
  Review r;
  r.summary = j.value("Summary", "");
  r.strengths = string_list(j, "Strengths");
  r.weaknesses = string_list(j, "Weaknesses");
  r.questions = string_list(j, "Questions");
  r.limitations = string_list(j, "Limitations");
  r.ethical_concerns = j.contains("Ethical Concerns") && j["Ethical Concerns"].is_boolean() &&
                       j["Ethical Concerns"].get<bool>();
  for (const auto& f : score_fields()) {
    if (!j.contains(f.name) || !j[f.name].is_number())
      return make_error(ErrorCode::kParse, fmt::format("review field '{}' missing or not a number", f.name));
    r.*(f.member) = j[f.name].get<double>();
  }
  r.decision = j.value("Decision", "") == "Accept" ? Decision::kAccept : Decision::kReject;
  return r;
}

std::string fmt_score(double v) { return v == std::floor(v) ? fmt::format("{:g}", v) : fmt::format("{:.2f}", v); }

}  // namespace

std::string review_json(const Review& review) { return json::dump(review_to_json(review), 2); }

std::string report_json(const ReviewReport& rep) {
  Json j = Json::object();
  j["format"] = "scientist-review/1";
  j["review"] = review_to_json(rep.review);
  j["ensemble"] = Json::array();
  for (const auto& r : rep.ensemble) j["ensemble"].push_back(review_to_json(r));
  Json spread = Json::object();
  for (const auto& [name, s] : rep.spread)
    spread[name] = {{"mean", s.mean}, {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}, {"n", s.n}};
  j["spread"] = spread;
  j["reflections_done"] = rep.reflections_done;
  j["stopped_early"] = rep.stopped_early;
  j["warnings"] = rep.warnings;
  j["model"] = rep.model;
  j["source"] = rep.source;
  j["llm_calls"] = rep.llm_calls;
  j["cost_usd"] = rep.cost_usd;
  return json::dump(j, 2);
}

Result<ReviewReport> parse_report_json(std::string_view text) {
  SCI_ASSIGN_OR_RETURN(Json j, json::parse(text, "review.json"));
  ReviewReport rep;
  if (!j.contains("review")) {
    SCI_ASSIGN_OR_RETURN(rep.review, review_from_json(j));
    rep.ensemble = {rep.review};
    return rep;
  }
  SCI_ASSIGN_OR_RETURN(rep.review, review_from_json(j["review"]));
  if (j.contains("ensemble") && j["ensemble"].is_array())
    for (const auto& e : j["ensemble"]) {
      SCI_ASSIGN_OR_RETURN(Review r, review_from_json(e));
      rep.ensemble.push_back(std::move(r));
    }
  if (j.contains("spread") && j["spread"].is_object())
    for (auto it = j["spread"].begin(); it != j["spread"].end(); ++it) {
      Spread s;
      s.mean = it.value().value("mean", 0.0);
      s.min = it.value().value("min", 0.0);
      s.max = it.value().value("max", 0.0);
      s.stddev = it.value().value("stddev", 0.0);
      s.n = it.value().value("n", 0);
      rep.spread[it.key()] = s;
    }
  rep.reflections_done = j.value("reflections_done", 0);
  rep.stopped_early = j.value("stopped_early", false);
  rep.warnings = string_list(j, "warnings");
  rep.model = j.value("model", "");
  rep.source = j.value("source", "");
  rep.llm_calls = j.value("llm_calls", 0);
  rep.cost_usd = j.value("cost_usd", 0.0);
  return rep;
}

std::string score_line(const ReviewReport& rep) {
  const Review& r = rep.review;
  std::string overall = "Overall " + fmt_score(r.overall);
  if (auto it = rep.spread.find("Overall"); it != rep.spread.end() && it->second.n > 1)
    overall += fmt::format(" (ensemble mean {:.2f}, range {:g}-{:g}, sd {:.2f}, n={})", it->second.mean, it->second.min,
                           it->second.max, it->second.stddev, it->second.n);
  return fmt::format("{}, Decision {}, Soundness {}, Presentation {}, Contribution {}, Confidence {}", overall,
                     decision_name(r.decision), fmt_score(r.soundness), fmt_score(r.presentation),
                     fmt_score(r.contribution), fmt_score(r.confidence));
}

std::string report_markdown(const ReviewReport& rep) {
  const Review& r = rep.review;
  std::string md = "# Review\n\n";
  if (!rep.source.empty()) md += fmt::format("Paper: `{}`  \n", rep.source);
  if (!rep.model.empty()) md += fmt::format("Model: `{}`  \n", rep.model);
  md += fmt::format("Ensemble: {} review(s); reflection rounds: {}{}\n\n", rep.ensemble.size(), rep.reflections_done,
                    rep.stopped_early ? " (stopped early)" : "");
  md += fmt::format("**Decision: {}** — Overall {} / 10, Confidence {} / 5\n\n", decision_name(r.decision),
                    fmt_score(r.overall), fmt_score(r.confidence));
  md += "> Automated scores run higher than human ones; calibrate with `scientist review-bench` before trusting "
        "a threshold.\n\n";
  md += "## Summary\n\n" + r.summary + "\n\n";
  auto list = [&](const char* title, const std::vector<std::string>& items) {
    md += fmt::format("## {}\n\n", title);
    if (items.empty()) md += "(none)\n";
    for (const auto& s : items) md += "- " + s + "\n";
    md += "\n";
  };
  list("Strengths", r.strengths);
  list("Weaknesses", r.weaknesses);
  list("Questions", r.questions);
  list("Limitations", r.limitations);
  md += fmt::format("Ethical concerns: {}\n\n", r.ethical_concerns ? "yes" : "no");
  md += "## Scores\n\n| field | score | range | ensemble mean | min | max | sd |\n|---|---|---|---|---|---|---|\n";
  for (const auto& f : score_fields()) {
    auto it = rep.spread.find(f.name);
    if (it != rep.spread.end())
      md += fmt::format("| {} | {} | {}-{} | {:.2f} | {:g} | {:g} | {:.2f} |\n", f.name, fmt_score(r.*(f.member)), f.min,
                        f.max, it->second.mean, it->second.min, it->second.max, it->second.stddev);
    else
      md += fmt::format("| {} | {} | {}-{} | | | | |\n", f.name, fmt_score(r.*(f.member)), f.min, f.max);
  }
  if (!rep.warnings.empty()) {
    md += "\n## Warnings\n\n";
    for (const auto& w : rep.warnings) md += "- " + w + "\n";
  }
  return md;
}

std::string review_feedback_text(const Review& r) {
  std::string t;
  t += fmt::format("Reviewer decision: {} (Overall {} of 10; Soundness {}, Presentation {}, Contribution {} of 4).\n\n",
                   decision_name(r.decision), fmt_score(r.overall), fmt_score(r.soundness), fmt_score(r.presentation),
                   fmt_score(r.contribution));
  t += "Summary of the paper as the reviewer read it:\n" + r.summary + "\n\n";
  auto list = [&](const char* title, const std::vector<std::string>& items) {
    if (items.empty()) return;
    t += std::string(title) + ":\n";
    for (size_t i = 0; i < items.size(); ++i) t += fmt::format("{}. {}\n", i + 1, items[i]);
    t += "\n";
  };
  list("Weaknesses to address (each names the passage it is about)", r.weaknesses);
  list("Questions to answer in the text", r.questions);
  list("Limitations to state", r.limitations);
  list("Strengths to keep", r.strengths);
  return t;
}

}  // namespace sci::review
