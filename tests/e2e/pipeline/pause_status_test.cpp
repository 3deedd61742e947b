// Human checkpoints and visibility through the built binary: `--pause-at draft` stops
// before the review with the paper ready; the user's edit of latex/template.tex is what
// `resume` reviews (the PDF is rebuilt from it); `scientist status` reports a batch
// while it runs, including its last event.
#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "support.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

std::vector<std::string> demo_run(const stdfs::path& tmpl, const stdfs::path& batch) {
  return {"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas", "2", "--replay",
          demo_cassette().string(), "--engine", "local", "--results", batch.string()};
}

TEST(PauseE2E, PauseAtDraftThenTheEditedPaperIsWhatTheResumeReviews) {
  auto dir = fresh_temp_dir("pause_draft");
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  auto args = demo_run(tmpl, batch);
  args.insert(args.end(), {"--pause-at", "draft"});
  auto paused = run_scientist(args, dir, {}, 600);
  ASSERT_EQ(paused.exit_code, 0) << paused.output;
  EXPECT_NE(paused.output.find("paused before review"), std::string::npos) << paused.output;
  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u);
  stdfs::path idea = ideas["lr_warmup_cosine"];
  ASSERT_TRUE(stdfs::exists(idea / "lr_warmup_cosine.pdf"));
  EXPECT_FALSE(stdfs::exists(idea / "review.json")) << "paused before the review";

  // The human edits the draft: a sentence the review must see.
  auto tex = fs::read_file(idea / "latex" / "template.tex");
  ASSERT_TRUE(tex.ok());
  std::string edited = *tex;
  const std::string marker = "Approved by a human checkpoint.";
  size_t at = edited.find("\\section{Conclusions");
  ASSERT_NE(at, std::string::npos);
  edited.insert(at, marker + "\n\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a later mtime than the PDF
  ASSERT_TRUE(fs::write_file_atomic(idea / "latex" / "template.tex", edited).ok());

  auto resumed = run_scientist({"--config", demo_config().string(), "resume", batch.string()}, dir, {}, 600);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(stdfs::exists(idea / "review.json"));
  // The rebuilt PDF holds the human's sentence.
  auto pdf_text_file = dir / "paper.txt";
  std::string cmd = "pdftotext " + (idea / "lr_warmup_cosine.pdf").string() + " " + pdf_text_file.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto words = fs::read_file(pdf_text_file);
  ASSERT_TRUE(words.ok());
  EXPECT_NE(words->find("Approved by a human checkpoint"), std::string::npos);
}

TEST(StatusE2E, StatusReportsARunningBatchWithItsStagesAndLastEvent) {
  auto dir = fresh_temp_dir("status_running");
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  BackgroundScientist run(demo_run(tmpl, batch), dir / "run.log");
  bool in_experiment = wait_until(
      [&] {
        for (const auto& e : read_events(batch))
          if (e.value("kind", "") == "stage_started" && e.value("stage", "") == "experiment") return true;
        return !run.running();
      },
      std::chrono::seconds(300), std::chrono::milliseconds(5));
  ASSERT_TRUE(in_experiment);
  auto status = run_scientist({"status", batch.string()}, dir, {}, 60);
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("lr_warmup_cosine"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("last event:"), std::string::npos) << status.output;
  EXPECT_EQ(run.wait(std::chrono::seconds(300)), 0) << fs::read_file(dir / "run.log").value_or("");
  auto done = run_scientist({"status", batch.string(), "--json"}, dir, {}, 60);
  ASSERT_EQ(done.exit_code, 0);
  auto j = json::parse(done.output, nullptr, false);
  ASSERT_TRUE(j.is_object()) << done.output;
  EXPECT_EQ(j["ideas"].size(), 2u);
}

}  // namespace
}  // namespace sci::testing
