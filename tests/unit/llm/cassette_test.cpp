// Record and replay (llm/cassette.h): a RecordingClient -> ReplayClient round trip
// (replies, usage and a re-recorded file are byte-identical), tag vs exact vs
// sequential matching, prompt drift tolerated and logged in tag mode, loud misses.
#include <algorithm>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/log.h"
#include "llm/cassette.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"

namespace sci::llm {
namespace {

namespace stdfs = std::filesystem;

ChatRequest request(const std::string& idea, const std::string& stage, int turn, const std::string& prompt) {
  ChatRequest r;
  r.model = "gpt-4o";
  r.system = "You are a careful scientist.";
  r.messages = {{Role::kUser, prompt, true}};
  r.temperature = 0.75;
  r.max_output_tokens = 512;
  r.tag = CallTag{idea, stage, "coder", turn};
  return r;
}

// Records `prompts` (one call each, turn = index) answered by `replies`.
stdfs::path record(const std::string& name, const std::vector<std::string>& prompts,
                   const std::vector<std::string>& replies) {
  auto path = testing::fresh_temp_dir("cassette_" + name) / "cassette.jsonl";
  auto inner = std::make_shared<testing::ScriptedLlm>(replies);
  RecordingClient recorder(inner, path);
  for (size_t i = 0; i < prompts.size(); ++i)
    EXPECT_TRUE(recorder.chat(request("idea_a", "experiment", static_cast<int>(i), prompts[i])).ok());
  return path;
}

std::shared_ptr<ReplayClient> open(const stdfs::path& path, ReplayMatch match) {
  auto replay = ReplayClient::open(path, match);
  EXPECT_TRUE(replay.ok()) << replay.error().to_string();
  return replay.ok() ? *replay : nullptr;
}

TEST(CassetteTest, RecordedCallsReplayWithTheSameTextAndUsage) {
  auto path = record("roundtrip", {"Run 1 please", "Run 2 please"}, {"first reply", "second reply"});
  auto replay = open(path, ReplayMatch::kTag);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->remaining(), 2u);
  auto a = replay->chat(request("idea_a", "experiment", 0, "Run 1 please"));
  auto b = replay->chat(request("idea_a", "experiment", 1, "Run 2 please"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->text, "first reply");
  EXPECT_EQ(b->text, "second reply");
  EXPECT_EQ(a->provider, "scripted");
  EXPECT_EQ(a->usage.input_tokens, 10);
  EXPECT_EQ(b->usage.output_tokens, static_cast<std::int64_t>(std::string("second reply").size() / 4));
  EXPECT_EQ(replay->remaining(), 0u);
}

TEST(CassetteTest, ReRecordingAReplayWithTheSamePromptsIsByteIdentical) {
  auto first = record("rerecord", {"Run 1 please", "Run 2 please"}, {"first reply", "second reply"});
  auto second = testing::fresh_temp_dir("cassette_rerecord2") / "cassette.jsonl";
  RecordingClient recorder(open(first, ReplayMatch::kExact), second);
  ASSERT_TRUE(recorder.chat(request("idea_a", "experiment", 0, "Run 1 please")).ok());
  ASSERT_TRUE(recorder.chat(request("idea_a", "experiment", 1, "Run 2 please")).ok());
  auto a = fs::read_file(first);
  auto b = fs::read_file(second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(std::count(a->begin(), a->end(), '\n'), 2);
}

TEST(CassetteTest, RecordedLinesNeverContainARegisteredKey) {
  const std::string key = "sk-cassette-test-secret-4242";
  log::register_secret(key);
  auto path = record("secret", {"my key is " + key}, {"echo " + key});
  auto text = fs::read_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find(key), std::string::npos) << *text;
  EXPECT_NE(text->find("[REDACTED]"), std::string::npos);
}

TEST(CassetteTest, TagModeServesADriftedPromptAndLogsTheDiff) {
  auto path = record("drift", {"Run 1 took 3.2 s\nmean loss 0.41"}, {"reply for run 1"});
  auto log_path = testing::fresh_temp_dir("cassette_drift_log") / "run.log";
  log::set_file(log_path);
  auto replay = open(path, ReplayMatch::kTag);
  ASSERT_TRUE(replay);
  auto r = replay->chat(request("idea_a", "experiment", 0, "Run 1 took 4.9 s\nmean loss 0.41"));
  log::set_file({});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->text, "reply for run 1");
  auto logged = fs::read_file(log_path);
  ASSERT_TRUE(logged.ok());
  EXPECT_NE(logged->find("prompt drift for idea_a/experiment/coder/0"), std::string::npos) << *logged;
  EXPECT_NE(logged->find("- Run 1 took 3.2 s"), std::string::npos) << *logged;
  EXPECT_NE(logged->find("+ Run 1 took 4.9 s"), std::string::npos) << *logged;
}

TEST(CassetteTest, ExactModeRefusesADriftedPromptNamingKeyAndFingerprint) {
  auto path = record("exact", {"Run 1 took 3.2 s"}, {"reply"});
  auto replay = open(path, ReplayMatch::kExact);
  ASSERT_TRUE(replay);
  auto drifted = request("idea_a", "experiment", 0, "Run 1 took 4.9 s");
  auto miss = replay->chat(drifted);
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().code, ErrorCode::kNotFound);
  EXPECT_NE(miss.error().message.find("idea_a/experiment/coder/0"), std::string::npos) << miss.error().message;
  EXPECT_NE(miss.error().message.find(request_fingerprint(drifted)), std::string::npos) << miss.error().message;
  // The identical request still matches.
  auto hit = replay->chat(request("idea_a", "experiment", 0, "Run 1 took 3.2 s"));
  ASSERT_TRUE(hit.ok()) << hit.error().to_string();
  EXPECT_EQ(hit->text, "reply");
}

TEST(CassetteTest, SameKeyEntriesAreServedInFileOrder) {
  auto path = testing::fresh_temp_dir("cassette_order") / "c.jsonl";
  std::string lines;
  for (const char* text : {"one", "two"})
    lines += std::string(R"({"scripted":true,"tag":{"idea":"","stage":"ideas","role":"ideas","turn":0},)") +
             R"("response":{"text":")" + text + "\"}}\n";
  ASSERT_TRUE(fs::write_file_atomic(path, "# scripted\n" + lines).ok());
  for (ReplayMatch match : {ReplayMatch::kTag, ReplayMatch::kExact}) {
    auto replay = open(path, match);
    ASSERT_TRUE(replay);
    ChatRequest r;
    r.tag = CallTag{"", "ideas", "ideas", 0};
    EXPECT_EQ(replay->chat(r)->text, "one");
    EXPECT_EQ(replay->chat(r)->text, "two");
    auto third = replay->chat(r);
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, ErrorCode::kNotFound);
  }
}

TEST(CassetteTest, SequentialModeIgnoresTagsAndSaysWhenExhausted) {
  auto path = record("sequential", {"a", "b"}, {"reply a", "reply b"});
  auto replay = open(path, ReplayMatch::kSequential);
  ASSERT_TRUE(replay);
  ChatRequest untagged;
  untagged.messages = {{Role::kUser, "anything", false}};
  EXPECT_EQ(replay->chat(untagged)->text, "reply a");
  EXPECT_EQ(replay->chat(untagged)->text, "reply b");
  auto done = replay->chat(untagged);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, ErrorCode::kNotFound);
  EXPECT_NE(done.error().message.find("exhausted"), std::string::npos) << done.error().message;
}

TEST(CassetteTest, AMissIsLoudAndNamesTheKeyTheCassetteAndNearbyEntries) {
  auto path = record("miss", {"Run 1"}, {"reply"});
  auto replay = open(path, ReplayMatch::kTag);
  ASSERT_TRUE(replay);
  auto miss = replay->chat(request("idea_a", "experiment", 7, "Run 8"));
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().code, ErrorCode::kNotFound);
  const std::string& m = miss.error().message;
  EXPECT_NE(m.find("idea_a/experiment/coder/7"), std::string::npos) << m;
  EXPECT_NE(m.find(path.string()), std::string::npos) << m;
  EXPECT_NE(m.find("idea_a/experiment/coder/0"), std::string::npos) << "lists the turns it has: " << m;
}

TEST(CassetteTest, AMalformedLineIsAParseErrorNamingTheLine) {
  auto path = testing::fresh_temp_dir("cassette_bad") / "c.jsonl";
  ASSERT_TRUE(fs::write_file_atomic(path, "\n{\"tag\": {\"idea\": \"\"}, \"response\": {\"text\": \"ok\"}}\n{broken\n").ok());
  auto replay = ReplayClient::open(path, ReplayMatch::kTag);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, ErrorCode::kParse);
  EXPECT_NE(replay.error().to_string().find("line 3"), std::string::npos) << replay.error().to_string();
  auto missing = ReplayClient::open(path.parent_path() / "nope.jsonl", ReplayMatch::kTag);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sci::llm
