// The tolerant JSON extractor on a corpus of messy model outputs, schema validation,
// and chat_json's single repair retry.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm/structured.h"
#include "support/scripted_llm.h"

namespace sci::llm {
namespace {

using nlohmann::json;

json extracted(std::string_view text) {
  auto r = extract_json(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n--- input:\n" << text;
  return r.ok() ? json::parse(*r) : json();
}

TEST(ExtractJsonTest, FencedJsonBlockWithProseAround) {
  auto j = extracted(
      "THOUGHT:\nI think the idea is promising because {it} is new.\n\nNEW IDEA JSON:\n```json\n"
      "{\n  \"Name\": \"adaptive_lr\",\n  \"Title\": \"Adaptive LR\",\n  \"Interestingness\": 7\n}\n```\n"
      "Let me know if you want changes.");
  EXPECT_EQ(j["Name"], "adaptive_lr");
  EXPECT_EQ(j["Interestingness"], 7);
}

TEST(ExtractJsonTest, FenceWithoutLanguageTag) {
  auto j = extracted("Here you go:\n```\n{\"Decision\": \"Reject\", \"Overall\": 4}\n```");
  EXPECT_EQ(j["Decision"], "Reject");
}

TEST(ExtractJsonTest, BareObjectFollowedByTrailingProse) {
  auto j = extracted("{\"Query\": \"grokking weight decay\"} I will look for papers on this topic next.");
  EXPECT_EQ(j["Query"], "grokking weight decay");
}

TEST(ExtractJsonTest, BracesInsideStringsDoNotConfuseTheScanner) {
  auto j = extracted("Result: {\"code\": \"if (x) { return \\\"}\\\"; }\", \"ok\": true} done");
  EXPECT_EQ(j["code"], "if (x) { return \"}\"; }");
  EXPECT_EQ(j["ok"], true);
}

TEST(ExtractJsonTest, RawNewlinesAndTabsInsideStrings) {
  auto j = extracted("```json\n{\"Summary\": \"line one\nline two\twith tab\", \"Score\": 5}\n```");
  EXPECT_EQ(j["Summary"], "line one\nline two\twith tab");
}

TEST(ExtractJsonTest, TrailingCommasInObjectsAndArrays) {
  auto j = extracted("{\"Strengths\": [\"clear\", \"novel\",], \"Weaknesses\": [\"small scale\"],}");
  ASSERT_EQ(j["Strengths"].size(), 2u);
  EXPECT_EQ(j["Weaknesses"][0], "small scale");
}

TEST(ExtractJsonTest, CommaInsideAStringIsKept) {
  auto j = extracted("{\"a\": \"x, }\", \"b\": 1}");
  EXPECT_EQ(j["a"], "x, }");
}

TEST(ExtractJsonTest, TopLevelArrayOfIdeas) {
  auto j = extracted("Ideas:\n[{\"Name\": \"a\"}, {\"Name\": \"b\"}]\nThat is all.");
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[1]["Name"], "b");
}

TEST(ExtractJsonTest, SkipsAnUnparsableBraceGroupBeforeTheRealObject) {
  auto j = extracted("The set {a, b} is small. Answer: {\"Novel\": false}");
  EXPECT_EQ(j["Novel"], false);
}

TEST(ExtractJsonTest, PrefersTheFencedBlockOverEarlierBraces) {
  auto j = extracted("I considered {\"draft\": 1} first.\n```json\n{\"final\": 2}\n```");
  EXPECT_EQ(j["final"], 2);
}

TEST(ExtractJsonTest, UnclosedFenceAtTheEndOfATruncatedReply) {
  auto j = extracted("```json\n{\"Name\": \"x\", \"Title\": \"y\"}\n");
  EXPECT_EQ(j["Title"], "y");
}

TEST(ExtractJsonTest, NestedObjectsAndUnicode) {
  auto j = extracted("{\"review\": {\"scores\": {\"Soundness\": 3}, \"note\": \"naïve → good\"}}");
  EXPECT_EQ(j["review"]["scores"]["Soundness"], 3);
  EXPECT_EQ(j["review"]["note"], "naïve → good");
}

TEST(ExtractJsonTest, NoJsonIsAParseErrorWithAReason) {
  auto r = extract_json("I am sorry, I cannot help with that.");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("no JSON object"), std::string::npos);
}

TEST(ExtractJsonTest, CutShortObjectIsAParseErrorSayingSo) {
  auto r = extract_json("{\"Name\": \"x\", \"Title\": \"unterminated");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("never close"), std::string::npos);
}

const char* kIdeaSchema = R"({
  "type": "object",
  "required": ["Name", "Title", "Interestingness"],
  "properties": {
    "Name": {"type": "string", "minLength": 1},
    "Title": {"type": "string"},
    "Interestingness": {"type": "integer", "minimum": 1, "maximum": 10},
    "Tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    "Decision": {"enum": ["Accept", "Reject"]}
  },
  "additionalProperties": false
})";

TEST(ValidateJsonTest, AcceptsAConformingObject) {
  EXPECT_TRUE(validate_json(R"({"Name":"a","Title":"b","Interestingness":7,"Tags":["x"]})", kIdeaSchema).ok());
  // 7.0 is an integer value.
  EXPECT_TRUE(validate_json(R"({"Name":"a","Title":"b","Interestingness":7.0})", kIdeaSchema).ok());
}

TEST(ValidateJsonTest, ReportsEachProblemWithItsPath) {
  auto st = validate_json(R"({"Name":"","Interestingness":11,"Tags":["a",2],"Extra":1,"Decision":"Maybe"})", kIdeaSchema);
  ASSERT_FALSE(st.ok());
  const std::string& m = st.error().message;
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("$: missing required field 'Title'"), std::string::npos) << m;
  EXPECT_NE(m.find("$.Interestingness: 11 is above the maximum 10"), std::string::npos) << m;
  EXPECT_NE(m.find("$.Tags[1]: must be string, got integer"), std::string::npos) << m;
  EXPECT_NE(m.find("unexpected field 'Extra'"), std::string::npos) << m;
  EXPECT_NE(m.find("$.Decision: must be one of"), std::string::npos) << m;
}

TEST(ChatJsonTest, ValidFirstReplyNeedsNoRepair) {
  testing::ScriptedLlm llm({"```json\n{\"Name\":\"a\",\"Title\":\"b\",\"Interestingness\":3}\n```"});
  ChatRequest req;
  req.json_schema = kIdeaSchema;
  req.messages = {{Role::kUser, "idea please", false}};
  auto r = chat_json(llm, req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(json::parse(r->json)["Name"], "a");
  EXPECT_EQ(llm.calls().size(), 1u);
}

TEST(ChatJsonTest, InvalidReplyIsRepairedOnceWithTheValidationErrorSentBack) {
  testing::ScriptedLlm llm({"{\"Name\":\"a\",\"Interestingness\":3}",
                            "{\"Name\":\"a\",\"Title\":\"fixed\",\"Interestingness\":3}"});
  ChatRequest req;
  req.json_schema = kIdeaSchema;
  req.tag.turn = 4;
  req.messages = {{Role::kUser, "idea please", false}};
  auto r = chat_json(llm, req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(json::parse(r->json)["Title"], "fixed");
  auto calls = llm.calls();
  ASSERT_EQ(calls.size(), 2u);
  ASSERT_EQ(calls[1].messages.size(), 3u);
  EXPECT_EQ(calls[1].messages[1].role, Role::kAssistant);
  EXPECT_NE(calls[1].messages[2].text.find("missing required field 'Title'"), std::string::npos);
  EXPECT_EQ(calls[1].tag.turn, 5);
}

TEST(ChatJsonTest, SecondFailureIsAParseErrorNamingTheProblem) {
  testing::ScriptedLlm llm({"no json here", "still none"});
  ChatRequest req;
  req.messages = {{Role::kUser, "x", false}};
  auto r = chat_json(llm, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("no JSON object"), std::string::npos);
  EXPECT_EQ(llm.calls().size(), 2u);
}

TEST(ChatJsonTest, AcceptCallbackErrorsAlsoTriggerTheRepair) {
  testing::ScriptedLlm llm({"{\"n\": -1}", "{\"n\": 2}"});
  ChatRequest req;
  req.messages = {{Role::kUser, "x", false}};
  int parsed = 0;
  auto r = chat_json(llm, req, [&](const std::string& text) -> Status {
    int n = json::parse(text)["n"];
    if (n < 0) return make_error(ErrorCode::kInvalidArgument, "n must be positive");
    parsed = n;
    return ok_status();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parsed, 2);
  EXPECT_NE(llm.last_user_message(1).find("n must be positive"), std::string::npos);
}

}  // namespace
}  // namespace sci::llm
