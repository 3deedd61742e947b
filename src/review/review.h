// The review form as a struct (NeurIPS-style fields), the tolerant parser that turns a
// model's reply into it (lists given as strings, prose booleans, word or fractional
// scores are repaired; missing or out-of-range fields are reported as problems), and
// the renderers for review.json / review.md / the improvement feedback text.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sci::review {

enum class Decision { kAccept, kReject };
const char* decision_name(Decision d);  // "Accept" / "Reject"

// One review. Scores are doubles because an aggregated review holds ensemble means;
// a single parsed review always holds integers in range.
struct Review {
  std::string summary;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;  // each should quote or point to its passage
  double originality = 0, quality = 0, clarity = 0, significance = 0;  // 1-4
  std::vector<std::string> questions;
  std::vector<std::string> limitations;
  bool ethical_concerns = false;
  double soundness = 0, presentation = 0, contribution = 0;  // 1-4
  double overall = 0;     // 1-10
  double confidence = 0;  // 1-5
  Decision decision = Decision::kReject;
};

// The numeric fields of the form: name as in the form ("Overall"), range, accessor.
struct ScoreField {
  const char* name;
  int min, max;
  double Review::*member;
};
const std::vector<ScoreField>& score_fields();

struct ParsedReview {
  Review review;
  std::vector<std::string> repairs;   // what was fixed silently ("Clarity 3.5 rounded to 4")
  std::vector<std::string> problems;  // what makes it invalid; empty = valid
  std::vector<std::string> notes;     // soft issues (a weakness without a reference)
  bool ok() const { return problems.empty(); }
};

// Finds the review JSON in a model reply ("REVIEW JSON:" + ```json fence, any fence,
// or the last balanced {...} object) and validates it against the form. Never fails:
// a reply without JSON gives problems = {"no JSON object found ..."}.
// Repairs: a list written as one string is split at bullets/newlines; prose booleans
// ("No ethical concerns.") are read; "3 (good)", "3/4", "good" become 3; a fractional
// score is rounded half up; Decision missing or unclear is derived from Overall >= 6.
// Problems: a required field missing, a score outside its range or not a number.
ParsedReview parse_review(std::string_view reply);

// True when `weakness` quotes the paper ("...") or names a place in it (Section 3,
// Sec. 4.2, §2, Table 1, Figure 3, Eq. (2), Appendix B, Abstract, page 4, line 12,
// Algorithm 1, Introduction, Conclusion...).
bool has_passage_reference(std::string_view weakness);

// Spread of one numeric field across an ensemble.
struct Spread {
  double mean = 0, min = 0, max = 0, stddev = 0;  // population stddev
  int n = 0;
};

// Everything a review run produced.
struct ReviewReport {
  Review review;                        // the final review (meta-review + reflections)
  std::vector<Review> ensemble;         // the individual members (one when no ensemble)
  std::map<std::string, Spread> spread; // per score field ("Overall") across the ensemble
  int reflections_done = 0;
  bool stopped_early = false;           // the model said it was done before the last round
  std::vector<std::string> warnings;    // injection attempts, dropped members, unreferenced weaknesses
  std::string model;
  std::string source;                   // the reviewed file
  int llm_calls = 0;
  double cost_usd = 0;
};

// JSON of a single review with the form's field names (Summary, Strengths, ...,
// Decision). `review.json` holds {"review": <this>, "ensemble": [...], "spread": {...},
// "reflections_done", "stopped_early", "warnings", "model", "source", "llm_calls",
// "cost_usd"}.
std::string review_json(const Review& review);
std::string report_json(const ReviewReport& report);
// Parses review.json back (report or bare review). kParse on malformed input.
Result<ReviewReport> parse_report_json(std::string_view text);
// Readable markdown (review.md).
std::string report_markdown(const ReviewReport& report);
// Feedback text for the writer in the improvement round: scores, weaknesses with
// their passages, questions and limitations, as plain text.
std::string review_feedback_text(const Review& review);
// One line: "Overall 6.2 (5-8 over 5 reviews), Decision Reject, Soundness 3.0, ...".
std::string score_line(const ReviewReport& report);

// Mean and spread of each score field over `reviews` (empty map for none).
std::map<std::string, Spread> score_spread(const std::vector<Review>& reviews);

}  // namespace sci::review
