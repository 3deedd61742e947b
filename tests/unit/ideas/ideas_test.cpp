// The idea validator, de-duplication, reply parsing and the generation loop with a
// scripted LLM: bad replies, repair retries, reflections, atomic archive, resume.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "ideas/ideas.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"

namespace sci::ideas {
namespace {

std::string idea_json(const std::string& name, const std::string& title, const std::string& experiment, int i = 7,
                      int f = 8, int n = 6) {
  return "{\"Name\": \"" + name + "\", \"Title\": \"" + title + "\", \"Experiment\": \"" + experiment +
         "\", \"Interestingness\": " + std::to_string(i) + ", \"Feasibility\": " + std::to_string(f) +
         ", \"Novelty\": " + std::to_string(n) + "}";
}

std::string reply(const std::string& json, const std::string& extra = "") {
  return "THOUGHT:\nSome reasoning.\n" + extra + "\nNEW IDEA JSON:\n```json\n" + json + "\n```\n";
}

TEST(ValidateIdeaTest, AcceptsAGoodIdeaAndNormalisesTheName) {
  auto r = validate_idea(idea_json("../Etc Passwd!", "Weight decay schedules", "Vary the decay."), {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->name, "etc_passwd");
  EXPECT_EQ(r->interestingness, 7);
  EXPECT_EQ(r->novelty_status, "unchecked");
}

TEST(ValidateIdeaTest, RejectsMissingFieldsBadRatingsAndUnusableNames) {
  struct Case {
    std::string json;
    std::string needle;
  } cases[] = {
      {R"({"Title": "t", "Experiment": "e", "Interestingness": 1, "Feasibility": 1, "Novelty": 1})", "\"Name\""},
      {idea_json("a", "t", "e", 11), "\"Interestingness\" must be an integer 1-10"},
      {idea_json("a", "t", "e", 5, 0), "\"Feasibility\""},
      {R"({"Name": "a", "Title": "t", "Experiment": "e", "Interestingness": 7.5, "Feasibility": 1, "Novelty": 1})",
       "7.5"},
      {R"({"Name": "a", "Title": "t", "Experiment": "e", "Interestingness": "high", "Feasibility": 1, "Novelty": 1})",
       "high"},
      {idea_json("../..", "t", "e"), "no usable letters"},
      {"{\"Name\": \"a\", \"Title\": ", "not valid JSON"},
      {"[1, 2]", "not a JSON object"},
  };
  for (const auto& c : cases) {
    auto r = validate_idea(c.json, {});
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
  }
  // Numeric strings are accepted: models often quote numbers.
  auto q = validate_idea(
      R"({"Name": "a", "Title": "t", "Experiment": "e", "Interestingness": "8", "Feasibility": 2, "Novelty": 3})", {});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->interestingness, 8);
}

TEST(DuplicateTest, SameNameOrNearlyTheSameTextIsADuplicate) {
  Idea a{"adaptive_lr", "Adaptive learning rates for grokking", "Train with a cosine schedule and compare.", 5, 5, 5, "unchecked", ""};
  std::vector<Idea> archive = {a};
  Idea same_name = a;
  same_name.title = "Something else";
  same_name.experiment = "Different";
  EXPECT_TRUE(find_duplicate(same_name, archive).has_value());
  Idea similar_title{"other", "Adaptive learning rates for the grokking", "Unrelated text here.", 5, 5, 5, "unchecked", ""};
  auto d = find_duplicate(similar_title, archive);
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(d->find("adaptive_lr"), std::string::npos);
  Idea similar_exp{"third", "A new title", "Train with a cosine schedule and then compare.", 5, 5, 5, "unchecked", ""};
  EXPECT_TRUE(find_duplicate(similar_exp, archive).has_value());
  Idea different{"fourth", "Data augmentation for modular arithmetic", "Add noise tokens to inputs.", 5, 5, 5, "unchecked", ""};
  EXPECT_FALSE(find_duplicate(different, archive).has_value());
}

TEST(ExtractJsonTest, PrefersTheLastFencedBlockAndFallsBackToBraces) {
  EXPECT_EQ(*extract_json_object("x ```json\n{\"a\": 1}\n``` y ```json\n{\"b\": 2}\n```"), "{\"b\": 2}");
  EXPECT_EQ(*extract_json_object("THOUGHT: {nested {\"}\"}} tail"), "{nested {\"}\"}}");
  EXPECT_FALSE(extract_json_object("no json at all").has_value());
}

TemplateInfo info_with_seed() {
  TemplateInfo info;
  info.name = "grokking";
  info.system = "You study grokking.";
  info.task_description = "Study grokking on modular arithmetic.";
  info.code = "print('train')\n";
  info.seeds = {Idea{"batch_size_grokking", "Batch size and grokking", "Vary the batch size.", 6, 9, 4, "unchecked", ""}};
  return info;
}

TEST(GenerateIdeasTest, ReflectsRepairsDropsAndArchivesAtomically) {
  auto dir = testing::fresh_temp_dir("ideas_generate");
  testing::ScriptedLlm llm({
      // attempt 1: good idea, one reflection improves it, second says done
      reply(idea_json("lr_warmup", "Learning rate warmup and grokking", "Sweep warmup steps.")),
      reply(idea_json("lr_warmup", "Warmup length controls grokking time", "Sweep warmup steps 0-1000.", 8)),
      reply(idea_json("lr_warmup", "Warmup length controls grokking time", "Sweep warmup steps 0-1000.", 8),
            "I am done"),
      // attempt 2: no JSON, then the repair gives out-of-range ratings: dropped
      "I have no idea what to say.",
      reply(idea_json("bad", "Bad ratings", "x", 42)),
      // attempt 3: duplicate of the seed, repaired into a new idea that is done at once
      reply(idea_json("batch_size_grokking", "Batch size and grokking", "Vary the batch size.")),
      reply(idea_json("label_noise", "Label noise delays grokking", "Flip 5% of labels."), "I am done"),
  });
  GenerateOptions o;
  o.num_ideas = 3;
  o.reflections = 3;
  o.model = "m";
  o.archive_path = dir / "ideas.json";
  std::vector<std::string> seen;
  auto r = generate_ideas(llm, info_with_seed(), o, [&](const Idea& i) { seen.push_back(i.name); });
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(seen, (std::vector<std::string>{"lr_warmup", "label_noise"}));
  ASSERT_EQ(r->archive.size(), 3u);
  EXPECT_EQ(r->archive[0].name, "batch_size_grokking");
  EXPECT_EQ(r->archive[1].title, "Warmup length controls grokking time");
  EXPECT_EQ(r->archive[1].interestingness, 8);
  ASSERT_EQ(r->dropped.size(), 1u);
  EXPECT_NE(r->dropped[0].find("Interestingness"), std::string::npos);
  EXPECT_EQ(llm.remaining(), 0u);
  auto calls = llm.calls();
  ASSERT_EQ(calls.size(), 7u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].tag.stage, "ideas");
    EXPECT_EQ(calls[i].tag.role, "ideas");
    EXPECT_EQ(calls[i].tag.turn, static_cast<int>(i));
  }
  // The first prompt shows the task, the code and the seed idea.
  const auto& first = calls[0].messages[0].text;
  EXPECT_NE(first.find("Study grokking on modular arithmetic."), std::string::npos);
  EXPECT_NE(first.find("print('train')"), std::string::npos);
  EXPECT_NE(first.find("batch_size_grokking"), std::string::npos);
  EXPECT_NE(calls[0].system.find("You study grokking."), std::string::npos);
  // The repair prompt names the problem.
  EXPECT_NE(llm.last_user_message(4).find("no JSON object"), std::string::npos);
  EXPECT_NE(llm.last_user_message(6).find("already in the archive"), std::string::npos);

  auto saved = load_archive(o.archive_path);
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 3u);
  EXPECT_EQ((*saved)[2].name, "label_noise");
  auto text = fs::read_file(o.archive_path);
  EXPECT_NE(text->find("\"Experiment\""), std::string::npos);
  EXPECT_NE(text->find("\"novelty_status\": \"unchecked\""), std::string::npos);
}

TEST(GenerateIdeasTest, ResumeContinuesTheArchiveAndKeepsFinishedIdeasOnLlmFailure) {
  auto dir = testing::fresh_temp_dir("ideas_resume");
  GenerateOptions o;
  o.num_ideas = 3;
  o.reflections = 0;
  o.archive_path = dir / "ideas.json";
  testing::ScriptedLlm first({reply(idea_json("one", "First idea about depth", "Vary depth."))});
  first.push_error(make_error(ErrorCode::kBudgetExceeded, "budget of $1 reached"));
  auto r1 = generate_ideas(first, info_with_seed(), o);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code, ErrorCode::kBudgetExceeded);
  auto saved = load_archive(o.archive_path);
  ASSERT_TRUE(saved.ok());
  ASSERT_EQ(saved->size(), 2u);  // seed + the finished idea survive

  testing::ScriptedLlm second({reply(idea_json("two", "Second idea about width", "Vary width.")),
                               reply(idea_json("three", "Third idea about optimizers", "Try Lion."))});
  auto r2 = generate_ideas(second, info_with_seed(), o);
  ASSERT_TRUE(r2.ok()) << r2.error().to_string();
  EXPECT_EQ(r2->added.size(), 2u);
  EXPECT_EQ(r2->archive.size(), 4u);
  EXPECT_NE(second.calls()[0].messages[0].text.find("one: First idea about depth"), std::string::npos);

  testing::ScriptedLlm third;
  auto r3 = generate_ideas(third, info_with_seed(), o);
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->added.empty());
  EXPECT_TRUE(third.calls().empty());
}

TEST(ArchiveTest, CorruptArchiveIsAParseErrorThatNamesTheFile) {
  auto dir = testing::fresh_temp_dir("ideas_corrupt");
  ASSERT_TRUE(fs::write_file_atomic(dir / "ideas.json", "[{\"Name\": \"x\",").ok());
  auto r = load_archive(dir / "ideas.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("ideas.json"), std::string::npos);
}

}  // namespace
}  // namespace sci::ideas
