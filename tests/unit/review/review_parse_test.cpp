// The review parser on messy model replies: lists as strings, prose booleans, word and
// fractional scores, out-of-range scores, missing fields, fences and trailing commas.
#include <gtest/gtest.h>

#include "review/review.h"

namespace sci::review {
namespace {

const char* kClean = R"(THOUGHT:
The paper is fine but thin.

REVIEW JSON:
```json
{
  "Summary": "Proposes X and tests it on Y.",
  "Strengths": ["Simple method (Section 2)."],
  "Weaknesses": ["Table 1 has a single seed.", "The claim \"always better\" is not supported."],
  "Originality": 2, "Quality": 2, "Clarity": 3, "Significance": 2,
  "Questions": ["How many seeds?"],
  "Limitations": ["One dataset."],
  "Ethical Concerns": false,
  "Soundness": 2, "Presentation": 3, "Contribution": 2,
  "Overall": 4, "Confidence": 4, "Decision": "Reject"
}
```)";

TEST(ReviewParse, CleanReplyParsesEveryField) {
  auto p = parse_review(kClean);
  ASSERT_TRUE(p.ok()) << p.problems[0];
  EXPECT_EQ(p.review.summary, "Proposes X and tests it on Y.");
  EXPECT_EQ(p.review.weaknesses.size(), 2u);
  EXPECT_EQ(p.review.overall, 4);
  EXPECT_EQ(p.review.clarity, 3);
  EXPECT_EQ(p.review.decision, Decision::kReject);
  EXPECT_FALSE(p.review.ethical_concerns);
  EXPECT_TRUE(p.repairs.empty());
  EXPECT_TRUE(p.notes.empty());  // both weaknesses point to a passage
}

TEST(ReviewParse, ListsWrittenAsStringsAreSplitAtBullets) {
  std::string reply = R"({"Summary": "s", "Strengths": "- fast (Section 3)\n- simple\n  and short", "Weaknesses": "1. Table 2 lacks error bars\n2. Section 4 overclaims",
    "Originality": 2, "Quality": 2, "Clarity": 2, "Significance": 2, "Questions": "Why this loss?",
    "Limitations": "None stated.", "Ethical Concerns": "No", "Soundness": 2, "Presentation": 2, "Contribution": 2,
    "Overall": 5, "Confidence": 3, "Decision": "Reject"})";
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok()) << p.problems[0];
  ASSERT_EQ(p.review.strengths.size(), 2u);
  EXPECT_EQ(p.review.strengths[1], "simple and short");
  ASSERT_EQ(p.review.weaknesses.size(), 2u);
  EXPECT_EQ(p.review.weaknesses[0], "Table 2 lacks error bars");
  EXPECT_EQ(p.review.questions, std::vector<std::string>{"Why this loss?"});
  EXPECT_FALSE(p.review.ethical_concerns);
  EXPECT_GE(p.repairs.size(), 3u);
}

TEST(ReviewParse, ProseBooleansAreRead) {
  auto with = [](const std::string& value) {
    std::string reply = std::string(kClean);
    auto pos = reply.find("false");
    reply.replace(pos, 5, value);
    return parse_review(reply);
  };
  EXPECT_FALSE(with("\"No ethical concerns.\"").review.ethical_concerns);
  EXPECT_FALSE(with("\"None\"").review.ethical_concerns);
  EXPECT_FALSE(with("\"N/A\"").review.ethical_concerns);
  EXPECT_TRUE(with("\"Yes\"").review.ethical_concerns);
  EXPECT_TRUE(with("\"The dataset contains faces collected without consent.\"").review.ethical_concerns);
  EXPECT_TRUE(with("true").review.ethical_concerns);
}

TEST(ReviewParse, FractionalScoreIsRoundedAndNoted) {
  // The corpus has a real 3.5 Clarity (Sonnet, xS8AMYiEav3).
  std::string reply = kClean;
  reply.replace(reply.find("\"Clarity\": 3"), 12, "\"Clarity\": 3.5");
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.review.clarity, 4);
  ASSERT_EQ(p.repairs.size(), 1u);
  EXPECT_NE(p.repairs[0].find("Clarity 3.5 rounded to 4"), std::string::npos);
}

TEST(ReviewParse, OutOfRangeScoreIsAProblem) {
  // The corpus has Significance 5 on the 1-4 scale (GPT-4o-mini).
  std::string reply = kClean;
  reply.replace(reply.find("\"Significance\": 2"), 17, "\"Significance\": 5");
  auto p = parse_review(reply);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.problems[0].find("Significance 5 is outside its range 1-4"), std::string::npos);
}

TEST(ReviewParse, WordAndDecoratedScoresAreRead) {
  std::string reply = kClean;
  reply.replace(reply.find("\"Soundness\": 2"), 14, "\"Soundness\": \"3 (good)\"");
  reply.replace(reply.find("\"Presentation\": 3"), 17, "\"Presentation\": \"excellent\"");
  reply.replace(reply.find("\"Overall\": 4"), 12, "\"Overall\": \"6/10\"");
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok()) << p.problems[0];
  EXPECT_EQ(p.review.soundness, 3);
  EXPECT_EQ(p.review.presentation, 4);
  EXPECT_EQ(p.review.overall, 6);
}

TEST(ReviewParse, MissingFieldsAreListed) {
  auto p = parse_review(R"({"Summary": "x", "Overall": 5, "Decision": "Reject"})");
  ASSERT_FALSE(p.ok());
  std::string all;
  for (const auto& s : p.problems) all += s + "\n";
  EXPECT_NE(all.find("Strengths is missing"), std::string::npos);
  EXPECT_NE(all.find("Soundness is missing"), std::string::npos);
  EXPECT_EQ(all.find("Overall"), std::string::npos);
}

TEST(ReviewParse, MissingDecisionIsDerivedFromOverall) {
  std::string reply = kClean;
  const std::string decision = ", \"Decision\": \"Reject\"";
  reply.replace(reply.find(decision), decision.size(), "");
  reply.replace(reply.find("\"Overall\": 4"), 12, "\"Overall\": 7");
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok()) << p.problems[0];
  EXPECT_EQ(p.review.decision, Decision::kAccept);
}

TEST(ReviewParse, DecisionWordingVariants) {
  std::string reply = kClean;
  reply.replace(reply.find("\"Reject\""), 8, "\"Weak Accept\"");
  EXPECT_EQ(parse_review(reply).review.decision, Decision::kAccept);
}

TEST(ReviewParse, NoJsonIsAProblemNotACrash) {
  auto p = parse_review("I think this paper is great. 8/10.");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.problems[0].find("no JSON"), std::string::npos);
}

TEST(ReviewParse, TrailingCommaRawNewlinesAndLowercaseKeysAreTolerated) {
  std::string reply = "Here you go:\n{\"summary\": \"line one\nline two\", \"strengths\": [\"a (Sec. 2)\"], "
                      "\"weaknesses\": [\"Figure 3 is unreadable\",], \"originality\": 1, \"quality\": 1, "
                      "\"clarity\": 1, \"significance\": 1, \"soundness\": 1, \"presentation\": 1, "
                      "\"contribution\": 1, \"overall\": 2, \"confidence\": 5, \"ethical_concerns\": false, "
                      "\"decision\": \"reject\",}\nThanks.";
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok()) << p.problems[0];
  EXPECT_EQ(p.review.summary, "line one\nline two");
  EXPECT_EQ(p.review.confidence, 5);
}

TEST(ReviewParse, LastFencedBlockWinsAfterTheMarker) {
  std::string reply = "THOUGHT: earlier I wrote\n```json\n{\"Overall\": 9}\n```\nREVIEW JSON:\n" +
                      std::string(kClean).substr(std::string(kClean).find("```json"));
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.review.overall, 4);
}

TEST(ReviewParse, WeaknessWithoutAPassageIsNoted) {
  std::string reply = kClean;
  reply.replace(reply.find("Table 1 has a single seed."), 26, "The work is weak overall.");
  auto p = parse_review(reply);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("weakness 1"), std::string::npos);
}

TEST(ReviewParse, PassageReferences) {
  EXPECT_TRUE(has_passage_reference("Section 4.2 lacks baselines"));
  EXPECT_TRUE(has_passage_reference("In Sec. 3 the loss is undefined"));
  EXPECT_TRUE(has_passage_reference("see Table 2"));
  EXPECT_TRUE(has_passage_reference("Eq. (3) is wrong"));
  EXPECT_TRUE(has_passage_reference("the abstract overclaims"));
  EXPECT_TRUE(has_passage_reference("The phrase \u201cstate of the art on all tasks\u201d is unsupported"));
  EXPECT_FALSE(has_passage_reference("The method isn't novel and it's not clear why it works"));
}

TEST(ReviewParse, ReportJsonRoundTrips) {
  auto p = parse_review(kClean);
  ASSERT_TRUE(p.ok());
  ReviewReport rep;
  rep.review = p.review;
  rep.ensemble = {p.review, p.review};
  rep.spread = score_spread(rep.ensemble);
  rep.warnings = {"w"};
  rep.model = "m";
  auto back = parse_report_json(report_json(rep));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->review.weaknesses, p.review.weaknesses);
  EXPECT_EQ(back->ensemble.size(), 2u);
  EXPECT_EQ(back->spread.at("Overall").mean, 4);
  EXPECT_EQ(back->warnings, rep.warnings);
  EXPECT_NE(report_markdown(rep).find("## Weaknesses"), std::string::npos);
  EXPECT_NE(review_feedback_text(rep.review).find("1. Table 1 has a single seed."), std::string::npos);
}

TEST(ReviewParse, SpreadIsMeanMinMaxAndPopulationSd) {
  Review a, b;
  a.overall = 4;
  b.overall = 8;
  auto s = score_spread({a, b});
  EXPECT_EQ(s.at("Overall").mean, 6);
  EXPECT_EQ(s.at("Overall").min, 4);
  EXPECT_EQ(s.at("Overall").max, 8);
  EXPECT_EQ(s.at("Overall").stddev, 2);
  EXPECT_EQ(s.at("Overall").n, 2);
}

}  // namespace
}  // namespace sci::review
