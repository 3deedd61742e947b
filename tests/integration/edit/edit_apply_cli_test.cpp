// `scientist edit apply` end to end: the built binary applies a real message to files
// on disk and prints per-block outcomes (text and --json); bad input gets exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci {
namespace {

namespace stdfs = std::filesystem;

std::string read(const stdfs::path& p) {
  auto r = fs::read_file(p);
  return r.ok() ? *r : std::string("<unreadable>");
}

class EditApplyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_temp_dir("edit");
    root_ = dir_ / "idea";
    ASSERT_TRUE(fs::write_file_atomic(root_ / "experiment.py", "lr = 1\nepochs = 2\n").ok());
    ASSERT_TRUE(fs::write_file_atomic(root_ / "notes.txt", "# Notes\n").ok());
    const std::string msg =
        "experiment.py\n```python\n<<<<<<< SEARCH\nlr = 1\n=======\nlr = 3\n>>>>>>> REPLACE\n```\n\n"
        "notes.txt\n```latex\n<<<<<<< SEARCH\n# Nope\n=======\n# X\n>>>>>>> REPLACE\n```\n\n"
        "```python\n<<<<<<< SEARCH\n=======\n## Run 1\n>>>>>>> REPLACE\n```\n\n"
        "experiment.py\n```python\n<<<<<<< SEARCH\nepochs = 2\n=======\nepochs = 2\n>>>>>>> REPLACE\n```\n";
    ASSERT_TRUE(fs::write_file_atomic(dir_ / "reply.md", msg).ok());
  }
  stdfs::path dir_, root_;
};

TEST_F(EditApplyCli, JsonReportsEveryBlockAndTheFilesChange) {
  auto r = testing::run_scientist({"edit", "apply", "--root", root_.string(), "--chat-file", "experiment.py",
                                   "--chat-file", "notes.txt", "--response", (dir_ / "reply.md").string(), "--json"},
                                  dir_, {}, 60);
  EXPECT_EQ(r.exit_code, 1) << r.output;  // one block failed
  auto start = r.output.find('{');
  ASSERT_NE(start, std::string::npos) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(start), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  ASSERT_EQ(j["blocks"].size(), 4u);
  EXPECT_EQ(j["blocks"][0]["file"], "experiment.py");
  EXPECT_EQ(j["blocks"][0]["outcome"], "applied");
  EXPECT_EQ(j["blocks"][0]["method"], "exact");
  EXPECT_EQ(j["blocks"][1]["outcome"], "failed");
  EXPECT_EQ(j["blocks"][1]["file"], "notes.txt");
  EXPECT_EQ(j["blocks"][2]["file"], "notes.txt");  // inherited
  EXPECT_EQ(j["blocks"][2]["outcome"], "applied");
  EXPECT_EQ(j["blocks"][2]["method"], "appended");
  EXPECT_EQ(j["blocks"][3]["outcome"], "noop");
  EXPECT_EQ(j["blocks"][3]["noop_reason"], "search_equals_replace");
  EXPECT_TRUE(j["parse_error"].is_null());
  EXPECT_EQ(j["counts"]["applied"], 2);
  EXPECT_EQ(read(root_ / "experiment.py"), "lr = 3\nepochs = 2\n");
  EXPECT_EQ(read(root_ / "notes.txt"), "# Notes\n## Run 1\n");
}

TEST_F(EditApplyCli, TextReportAndMalformedMessageChangesNothing) {
  ASSERT_TRUE(fs::write_file_atomic(dir_ / "bad.md",
                                    "experiment.py\n<<<<<<< SEARCH\nlr = 1\n=======\nlr = 9\n>>>>>>> REPLACE\n\n"
                                    "experiment.py\n<<<<<<< SEARCH\nepochs = 2\n=======\nepo")
                  .ok());
  auto r = testing::run_scientist({"edit", "apply", "--root", root_.string(), "--chat-file", "experiment.py",
                                   "--response", (dir_ / "bad.md").string()},
                                  dir_, {}, 60);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("malformed message, nothing applied"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("block 1 experiment.py: not_applied"), std::string::npos) << r.output;
  EXPECT_EQ(read(root_ / "experiment.py"), "lr = 1\nepochs = 2\n");

  auto ok = testing::run_scientist({"edit", "apply", "--root", root_.string(), "--chat-file", "experiment.py",
                                    "--response", (dir_ / "reply.md").string()},
                                   dir_, {}, 60);
  EXPECT_NE(ok.output.find("block 1 experiment.py: applied (exact) at line 1"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("block 4 experiment.py: noop (search_equals_replace)"), std::string::npos) << ok.output;
}

TEST_F(EditApplyCli, ChatFileOutsideRootIsAUsageError) {
  auto r = testing::run_scientist({"edit", "apply", "--root", root_.string(), "--chat-file", "../x.py",
                                   "--response", (dir_ / "reply.md").string()},
                                  dir_, {}, 60);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("../x.py"), std::string::npos) << r.output;
  auto missing = testing::run_scientist({"edit", "apply", "--root", root_.string(), "--response",
                                         (dir_ / "nope.md").string()},
                                        dir_, {}, 60);
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("nope.md"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace sci
