// The coder loop with a scripted LLM: edits land on disk, a failed block is reported
// back and corrected within the reflection budget, the budget is enforced, chat files
// outside the idea directory are refused, and every turn reaches transcript.md.
#include <filesystem>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/log.h"
#include "coder/coder.h"
#include "coder/transcript.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"

namespace sci::coder {
namespace {

namespace stdfs = std::filesystem;

std::string block(const std::string& file, const std::string& search, const std::string& replace) {
  return file + "\n```python\n<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n```\n";
}

std::string read(const stdfs::path& p) {
  auto r = fs::read_file(p);
  return r.ok() ? *r : std::string("<unreadable>");
}

class CoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::fresh_temp_dir("idea");
    ASSERT_TRUE(fs::write_file_atomic(root_ / "experiment.py", "import os\n\ndef train(lr):\n    return lr * 2\n").ok());
    ASSERT_TRUE(fs::write_file_atomic(root_ / "notes.txt", "# Notes\n").ok());
    options_.model = "test-model";
    options_.tag = {"idea1", "experiment", "coder", 0};
  }
  Coder make(std::vector<std::string> files = {"experiment.py", "notes.txt"}) {
    auto c = Coder::create(llm_, root_, std::move(files), options_);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return std::move(c).value();
  }
  stdfs::path root_;
  CoderOptions options_;
  testing::ScriptedLlm llm_;
};

TEST_F(CoderTest, AppliesAnEditWritesTheFileAndReturnsTheReply) {
  llm_.push("Doubling becomes tripling.\n\n" + block("experiment.py", "    return lr * 2\n", "    return lr * 3\n"));
  Coder coder = make();
  auto r = coder.run("Make train return three times lr.");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(read(root_ / "experiment.py"), "import os\n\ndef train(lr):\n    return lr * 3\n");
  EXPECT_EQ(r->changed_files, std::vector<std::string>{"experiment.py"});
  EXPECT_EQ(r->blocks_applied, 1);
  EXPECT_EQ(r->blocks_failed, 0);
  EXPECT_EQ(r->reflections_used, 0);
  EXPECT_NE(r->reply.find("Doubling becomes tripling."), std::string::npos);
  EXPECT_EQ(r->usage.input_tokens, 10);
  ASSERT_EQ(llm_.calls().size(), 1u);
}

TEST_F(CoderTest, RequestPutsSystemAndFilesFirstThenTheInstruction) {
  llm_.push("ALL_COMPLETED");
  Coder coder = make();
  auto r = coder.run("Run the next experiment.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reply, "ALL_COMPLETED");
  EXPECT_TRUE(r->changed_files.empty());
  auto calls = llm_.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& req = calls[0];
  EXPECT_EQ(req.model, "test-model");
  EXPECT_NE(req.system.find("<<<<<<< SEARCH"), std::string::npos);
  EXPECT_EQ(req.tag.role, "coder");
  EXPECT_EQ(req.tag.turn, 1);
  ASSERT_EQ(req.messages.size(), 3u);
  EXPECT_EQ(req.messages[0].role, llm::Role::kUser);
  EXPECT_TRUE(req.messages[0].cache_breakpoint);
  EXPECT_NE(req.messages[0].text.find("experiment.py\n```python\nimport os\n"), std::string::npos);
  EXPECT_NE(req.messages[0].text.find("notes.txt\n```\n# Notes\n```"), std::string::npos);
  EXPECT_EQ(req.messages[1].role, llm::Role::kAssistant);
  EXPECT_EQ(req.messages[2].text, "Run the next experiment.");
}

TEST_F(CoderTest, RecoversFromAFailedBlockWithinTheReflectionBudget) {
  // First reply misremembers the function signature; the second copies the real line.
  llm_.push(block("experiment.py", "def train(learning_rate):\n    return lr * 2\n", "def train(lr):\n    return lr * 4\n"));
  llm_.push(block("experiment.py", "def train(lr):\n    return lr * 2\n", "def train(lr):\n    return lr * 4\n"));
  Coder coder = make();
  auto r = coder.run("Quadruple it.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reflections_used, 1);
  EXPECT_EQ(r->blocks_failed, 0);
  EXPECT_EQ(r->blocks_applied, 1);
  EXPECT_EQ(r->usage.input_tokens, 20);
  EXPECT_EQ(read(root_ / "experiment.py"), "import os\n\ndef train(lr):\n    return lr * 4\n");
  auto calls = llm_.calls();
  ASSERT_EQ(calls.size(), 2u);
  // The reflection names the block and shows the real lines of the file.
  std::string feedback = llm_.last_user_message(1);
  EXPECT_NE(feedback.find("block 1 (experiment.py) failed"), std::string::npos) << feedback;
  EXPECT_NE(feedback.find("def train(lr):\n    return lr * 2\n"), std::string::npos) << feedback;
  // The conversation carries the instruction and the failed reply.
  ASSERT_EQ(calls[1].messages.size(), 5u);
  EXPECT_EQ(calls[1].messages[2].text, "Quadruple it.");
  EXPECT_EQ(calls[1].messages[3].role, llm::Role::kAssistant);
  EXPECT_EQ(calls[1].tag.turn, 2);
  // And the file content the model sees is re-read.
  std::string transcript = read(root_ / "transcript.md");
  EXPECT_NE(transcript.find("#### Quadruple it.\n"), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("> block 1 experiment.py: failed"), std::string::npos) << transcript;
  EXPECT_NE(transcript.find("> Applied edit to experiment.py\n"), std::string::npos) << transcript;
}

TEST_F(CoderTest, StopsAfterMaxReflectionsAndReportsWhatStillFails) {
  for (int i = 0; i < 4; ++i) llm_.push(block("experiment.py", "nothing like this\n", "x\n"));
  Coder coder = make();
  auto r = coder.run("Change it.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(llm_.calls().size(), 4u);
  EXPECT_EQ(r->reflections_used, 3);
  EXPECT_EQ(r->blocks_failed, 1);
  EXPECT_EQ(llm_.remaining(), 0u);
  EXPECT_EQ(read(root_ / "experiment.py"), "import os\n\ndef train(lr):\n    return lr * 2\n");
  EXPECT_NE(read(root_ / "transcript.md").find("> Only 3 reflections allowed, stopping."), std::string::npos);
}

TEST_F(CoderTest, MalformedReplyIsReflectedAndAppliesNothing) {
  llm_.push(block("experiment.py", "import os\n", "import sys\n") +
            "experiment.py\n```python\n<<<<<<< SEARCH\ndef train(lr):\n=======\n");
  llm_.push(block("experiment.py", "import os\n", "import sys\n"));
  Coder coder = make();
  auto r = coder.run("Import sys.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reflections_used, 1);
  EXPECT_NE(llm_.last_user_message(1).find("malformed"), std::string::npos);
  EXPECT_EQ(read(root_ / "experiment.py"), "import sys\n\ndef train(lr):\n    return lr * 2\n");
}

TEST_F(CoderTest, ResentEditIsReportedAsNoopWithoutAReflection) {
  llm_.push(block("experiment.py", "    return lr * 9\n", "    return lr * 2\n"));
  Coder coder = make();
  auto r = coder.run("Again.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->blocks_noop, 1);
  EXPECT_EQ(r->blocks_failed, 0);
  EXPECT_EQ(r->reflections_used, 0);
  EXPECT_TRUE(r->changed_files.empty());
  EXPECT_NE(read(root_ / "transcript.md").find("replace_already_present"), std::string::npos);
}

TEST_F(CoderTest, HistoryCarriesOverAndIsTrimmedToTheTokenBudget) {
  options_.history_token_budget = 30;  // about 120 characters
  llm_.push(std::string(200, 'a'));
  llm_.push("short reply");
  llm_.push("third");
  Coder coder = make();
  ASSERT_TRUE(coder.run("first instruction").ok());
  ASSERT_TRUE(coder.run("second").ok());
  ASSERT_TRUE(coder.run("third").ok());
  auto calls = llm_.calls();
  // Call 2: the first exchange (over budget) was dropped.
  EXPECT_EQ(calls[1].messages.size(), 3u);
  // Call 3: the second exchange fits and is kept.
  ASSERT_EQ(calls[2].messages.size(), 5u);
  EXPECT_EQ(calls[2].messages[2].text, "second");
  EXPECT_EQ(calls[2].messages[3].text, "short reply");
}

TEST_F(CoderTest, LlmErrorsAreReturnedAndNoted) {
  llm_.push_error(make_error(ErrorCode::kBudgetExceeded, "budget of $1.00 reached"));
  Coder coder = make();
  auto r = coder.run("Anything.");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBudgetExceeded);
  EXPECT_NE(read(root_ / "transcript.md").find("> LLM call failed:"), std::string::npos);
}

TEST_F(CoderTest, ChatFilesOutsideTheIdeaDirectoryAreRefused) {
  auto up = Coder::create(llm_, root_, {"../outside.py"}, options_);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code, ErrorCode::kInvalidArgument);
  auto abs = Coder::create(llm_, root_, {"/etc/passwd"}, options_);
  ASSERT_FALSE(abs.ok());
  EXPECT_EQ(abs.error().code, ErrorCode::kInvalidArgument);
  stdfs::path outside = testing::fresh_temp_dir("outside");
  stdfs::create_directory_symlink(outside, root_ / "link");
  auto via_link = Coder::create(llm_, root_, {"link/x.py"}, options_);
  ASSERT_FALSE(via_link.ok());
  EXPECT_EQ(via_link.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(via_link.error().message.find("symlink"), std::string::npos);
  Coder coder = make();
  EXPECT_FALSE(coder.set_chat_files({"../x"}).ok());
  EXPECT_EQ(coder.chat_files(), (std::vector<std::string>{"experiment.py", "notes.txt"}));
  ASSERT_TRUE(coder.set_chat_files({"./plot.py", "plot.py"}).ok());
  EXPECT_EQ(coder.chat_files(), std::vector<std::string>{"plot.py"});
}

TEST_F(CoderTest, BlocksWritingOutsideTheIdeaDirectoryFail) {
  stdfs::path outside = testing::fresh_temp_dir("outside");
  stdfs::create_directory_symlink(outside, root_ / "link");
  llm_.push(block("link/evil.py", "", "print('x')\n"));
  options_.max_reflections = 0;
  Coder coder = make();
  auto r = coder.run("Write outside.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->blocks_failed, 1);
  EXPECT_FALSE(stdfs::exists(outside / "evil.py"));
}

TEST_F(CoderTest, NewChatFileIsAnnouncedAndCreatedByAnEmptySearch) {
  llm_.push(block("plot.py", "", "import matplotlib\n"));
  Coder coder = make({"experiment.py", "plot.py"});
  auto r = coder.run("Write plot.py.");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(llm_.calls()[0].messages[0].text.find("plot.py\n(this file does not exist yet"), std::string::npos);
  EXPECT_EQ(read(root_ / "plot.py"), "import matplotlib\n");
  EXPECT_EQ(r->changed_files, std::vector<std::string>{"plot.py"});
}

TEST_F(CoderTest, SecretsNeverReachTheTranscript) {
  log::register_secret("sk-test-SECRET-123456");
  llm_.push("The key is sk-test-SECRET-123456, do not print it.");
  Coder coder = make();
  ASSERT_TRUE(coder.run("Use key sk-test-SECRET-123456").ok());
  std::string t = read(root_ / "transcript.md");
  EXPECT_EQ(t.find("sk-test-SECRET-123456"), std::string::npos);
  EXPECT_NE(t.find("[REDACTED]"), std::string::npos);
}

TEST(CoderTranscript, FormatsAreAiderCompatible) {
  EXPECT_EQ(Transcript::format_user("Do it.\n\nNow."), "#### Do it.\n####\n#### Now.\n\n");
  EXPECT_EQ(Transcript::format_tool("Applied edit to a.py\nTokens: 1"), "> Applied edit to a.py\n> Tokens: 1\n\n");
  EXPECT_EQ(Transcript::format_assistant("reply\n\n"), "reply\n\n");
}

TEST(CoderEstimate, TokensAreAboutFourBytes) {
  EXPECT_EQ(estimate_tokens(""), 0);
  EXPECT_EQ(estimate_tokens("abcd"), 1);
  EXPECT_EQ(estimate_tokens("abcde"), 2);
}

}  // namespace
}  // namespace sci::coder
