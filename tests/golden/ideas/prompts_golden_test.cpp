// The rendered ideas and novelty prompts match tests/golden/ideas/expected/
// (SCI_UPDATE_GOLDEN=1 rebaselines), so every prompt change is a reviewable diff.
#include <cstdlib>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "literature/client.h"
#include "novelty/novelty.h"
#include "prompts/prompts.h"
#include "support/test_paths.h"

namespace sci::ideas {
namespace {

void expect_golden(const std::string& name, const std::string& actual) {
  auto path = testing::source_dir() / "tests/golden/ideas/expected" / name;
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(path, actual).ok());
    return;
  }
  auto expected = fs::read_file(path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << name;
}

TEST(IdeasPromptGoldenTest, GenerateReflectRepair) {
  auto gen = prompts::render("ideas/generate", {{"task_description", "You are given a grokking experiment."},
                                                {"code", "import torch\nprint('hi')\n"},
                                                {"archive", "- batch_size: Batch size and grokking (interestingness 6, "
                                                            "feasibility 9, novelty 4)\n"},
                                                {"attempt", "2"},
                                                {"num_attempts", "5"},
                                                {"reflections", "3"}});
  ASSERT_TRUE(gen.ok()) << gen.error().to_string();
  auto reflect = prompts::render("ideas/reflect", {{"round", "1"}, {"reflections", "3"}});
  ASSERT_TRUE(reflect.ok());
  auto repair = prompts::render("ideas/repair", {{"problem", "\"Novelty\" must be an integer 1-10, got 11"}});
  ASSERT_TRUE(repair.ok());
  auto system = prompts::render("ideas/system", {{"template_system", "You are studying grokking."}});
  ASSERT_TRUE(system.ok());
  expect_golden("ideas_prompts.txt", "== system\n" + *system + "== generate\n" + *gen + "== reflect\n" + *reflect +
                                         "== repair\n" + *repair);
}

TEST(NoveltyPromptGoldenTest, SystemRoundAndResults) {
  literature::Paper p;
  p.id = "649def34";
  p.title = "Grokking: Generalization Beyond Overfitting";
  p.authors = {"Alethea Power", "Yuri Burda"};
  p.venue = "arXiv.org";
  p.year = 2022;
  p.citation_count = 321;
  p.abstract = "We study generalization on small algorithmic datasets.";
  literature::Paper q;
  q.id = "W2";
  q.title = "No metadata paper";
  auto system = prompts::render("novelty/system", {{"rounds", "10"}, {"task_description", "Grokking study."}});
  ASSERT_TRUE(system.ok());
  auto round = prompts::render("novelty/round", {{"round", "2"},
                                                 {"rounds", "10"},
                                                 {"idea", "{\"Name\": \"lr_warmup\"}"},
                                                 {"results", novelty::format_results({p, q})}});
  ASSERT_TRUE(round.ok());
  auto empty = novelty::format_results({});
  expect_golden("novelty_prompts.txt",
                "== system\n" + *system + "== round\n" + *round + "== no results\n" + empty + "\n");
}

}  // namespace
}  // namespace sci::ideas
