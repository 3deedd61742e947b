// The novelty loop with a scripted LLM and a fake engine: decisions with evidence,
// zero hits never mean novel, engine outages end in unknown, bad replies are repaired.
#include <gtest/gtest.h>

#include "base/json.h"
#include "novelty/novelty.h"
#include "support/novelty_fake_literature.h"
#include "support/scripted_llm.h"

namespace sci::novelty {
namespace {

using testing::NoveltyFakeLiterature;
using testing::ScriptedLlm;

const IdeaForCheck kIdea{"lr_warmup", "Warmup and grokking", R"({"Name": "lr_warmup", "Title": "Warmup and grokking"})"};

std::string query(const std::string& q) { return "THOUGHT:\nLet me search.\n\nRESPONSE:\n```json\n{\"Query\": \"" + q + "\"}\n```"; }
std::string decide(const std::string& d, const std::string& closest = "") {
  return "THOUGHT:\nI have seen enough.\n\nRESPONSE:\n```json\n{\"Decision\": \"" + d + "\", \"Closest\": [" + closest +
         "], \"Reason\": \"because\"}\n```";
}

NoveltyOptions options(int rounds) {
  NoveltyOptions o;
  o.rounds = rounds;
  o.model = "m";
  o.task_description = "Grokking study.";
  return o;
}

TEST(NoveltyTest, NotNovelWithClosestPapersAndEvidence) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return std::vector<literature::Paper>{NoveltyFakeLiterature::paper("P1", "Warmup causes grokking"),
                                          NoveltyFakeLiterature::paper("P2", "Unrelated")};
  });
  ScriptedLlm llm({query("warmup grokking"), decide("not novel", "\"P1\"")});
  auto v = check_novelty(llm, lit, kIdea, options(5));
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->status, kNotNovel);
  EXPECT_EQ(v->reason, "because");
  ASSERT_EQ(v->closest.size(), 1u);
  EXPECT_EQ(v->closest[0].id, "P1");
  EXPECT_EQ(lit.queries(), std::vector<std::string>{"warmup grokking"});
  ASSERT_EQ(v->rounds.size(), 2u);
  EXPECT_EQ(v->rounds[0].results.size(), 2u);
  // The second prompt shows the results with title, authors, venue, year, citations.
  std::string second = llm.last_user_message(1);
  EXPECT_NE(second.find("Warmup causes grokking. Ada Lovelace. ICLR, 2021. Citations: 12."), std::string::npos);
  auto calls = llm.calls();
  EXPECT_EQ(calls[1].tag.idea, "lr_warmup");
  EXPECT_EQ(calls[1].tag.stage, "novelty");
  EXPECT_EQ(calls[1].tag.turn, 1);
  auto evidence = json::parse(verdict_to_json(kIdea, *v), "evidence");
  ASSERT_TRUE(evidence.ok());
  EXPECT_EQ((*evidence)["status"], "not_novel");
  EXPECT_EQ((*evidence)["rounds"][0]["query"], "warmup grokking");
  EXPECT_EQ((*evidence)["closest"][0]["title"], "Warmup causes grokking");
}

TEST(NoveltyTest, ZeroHitsEveryRoundIsUnknownEvenWhenTheModelSaysNovel) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return std::vector<literature::Paper>{};
  });
  ScriptedLlm llm({query("a"), query("b"), decide("novel")});
  auto v = check_novelty(llm, lit, kIdea, options(5));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, kUnknown);
  EXPECT_NE(v->reason.find("zero results"), std::string::npos);
  EXPECT_NE(llm.last_user_message(1).find("No papers found."), std::string::npos);

  ScriptedLlm searching({query("a"), query("b"), query("c")});
  auto v2 = check_novelty(searching, lit, kIdea, options(3));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->status, kUnknown);
  EXPECT_EQ(v2->rounds.size(), 3u);
}

TEST(NoveltyTest, NovelAfterSeeingRelevantResults) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return std::vector<literature::Paper>{NoveltyFakeLiterature::paper("P9", "Something adjacent")};
  });
  ScriptedLlm llm({query("warmup"), decide("novel")});
  auto v = check_novelty(llm, lit, kIdea, options(5));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, kNovel);
  EXPECT_EQ(v->total_results, 1);
}

TEST(NoveltyTest, EngineOutageEndsInUnknownWithTheReason) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return make_error(ErrorCode::kRateLimited, "Semantic Scholar kept answering HTTP 429: set S2_API_KEY");
  });
  ScriptedLlm llm({query("a"), query("b"), decide("novel")});
  auto v = check_novelty(llm, lit, kIdea, options(5));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, kUnknown);
  EXPECT_NE(v->reason.find("S2_API_KEY"), std::string::npos);
  EXPECT_EQ(llm.remaining(), 1u);  // stopped after two failed searches
}

TEST(NoveltyTest, BadRepliesGetOneRepairAndLlmErrorsPropagate) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return std::vector<literature::Paper>{NoveltyFakeLiterature::paper("P1", "x")};
  });
  ScriptedLlm llm({"no json here", query("fixed"), "```json\n{\"Decision\": \"maybe\"}\n```", "still nothing",
                   decide("not_novel")});
  auto v = check_novelty(llm, lit, kIdea, options(5));
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->status, kNotNovel);
  EXPECT_EQ(lit.queries(), std::vector<std::string>{"fixed"});
  EXPECT_NE(llm.last_user_message(1).find("no JSON object"), std::string::npos);
  EXPECT_NE(llm.last_user_message(3).find("maybe"), std::string::npos);

  ScriptedLlm failing;
  failing.push_error(make_error(ErrorCode::kBudgetExceeded, "budget reached"));
  auto e = check_novelty(failing, lit, kIdea, options(5));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kBudgetExceeded);
}

TEST(NoveltyTest, OriginalPlainTextDecisionIsAccepted) {
  NoveltyFakeLiterature lit([](const std::string&) -> Result<std::vector<literature::Paper>> {
    return std::vector<literature::Paper>{NoveltyFakeLiterature::paper("P1", "x")};
  });
  ScriptedLlm llm({query("q"), "THOUGHT: clearly done.\nDecision made: not novel."});
  auto v = check_novelty(llm, lit, kIdea, options(3));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->status, kNotNovel);
}

}  // namespace
}  // namespace sci::novelty
