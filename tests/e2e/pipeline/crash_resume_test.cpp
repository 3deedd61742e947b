// Crash safety through the built binary: the run is killed with SIGKILL at each stage
// boundary and in the middle of an experiment run, then `scientist resume` finishes
// it. Finished artifacts must be byte-identical afterwards (no finished run re-run,
// no figure or paper redone), both ideas must finish, and no LLM call may be made
// twice (the call journal holds each call tag once). Ctrl-C (SIGINT) exits 130 and
// resumes the same way.
#include <signal.h>

#include <sys/stat.h>

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

struct KillPoint {
  std::string name;
  std::string kind;     // event kind that triggers the kill
  std::string stage;    // its stage
  std::string message;  // prefix of its message ("" = any)
  int signal = SIGKILL;
  std::string failpoint = "";  // instead of an event: the process kills itself there (SCI_FAILPOINT)
};

std::ostream& operator<<(std::ostream& os, const KillPoint& k) { return os << k.name; }

class CrashResumeTest : public ::testing::TestWithParam<KillPoint> {};

TEST_P(CrashResumeTest, ResumeFinishesWithIdenticalFinishedArtifactsAndNoRepeatedCall) {
  const KillPoint& kp = GetParam();
  auto dir = fresh_temp_dir("crash_" + kp.name);
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  std::vector<std::string> args = {"--config", demo_config().string(), "run", "--template", tmpl.string(),
                                   "--num-ideas", "2", "--replay", demo_cassette().string(), "--engine", "local",
                                   "--results", batch.string()};
  if (!kp.failpoint.empty()) {
    // The first idea reaching the failpoint dies there, at a moment no event marks.
    BackgroundScientist run(args, dir / "first.log", {"SCI_FAILPOINT=" + kp.failpoint});
    EXPECT_EQ(run.wait(std::chrono::seconds(300)), 128 + SIGKILL)
        << "the failpoint was not reached: " << fs::read_file(dir / "first.log").value_or("");
  } else {
    BackgroundScientist run(args, dir / "first.log");
    // The first idea reaching the kill point (the second idea's events come later).
    bool hit = wait_until(
        [&] {
          for (const auto& e : read_events(batch))
            if (e.value("kind", "") == kp.kind && e.value("stage", "") == kp.stage &&
                str::starts_with(e.value("message", ""), kp.message))
              return true;
          return !run.running();
        },
        std::chrono::seconds(300), std::chrono::milliseconds(5));
    ASSERT_TRUE(hit);
    ASSERT_TRUE(run.running()) << "the run ended before the kill point: " << fs::read_file(dir / "first.log").value_or("");
    run.kill(kp.signal);
    int code = run.wait(std::chrono::seconds(60));
    if (kp.signal == SIGKILL) EXPECT_EQ(code, 128 + SIGKILL);
    else EXPECT_EQ(code, 130) << fs::read_file(dir / "first.log").value_or("");
  }
  auto before = finished_artifacts(batch);
  auto resumed = run_scientist({"--config", demo_config().string(), "resume", batch.string()}, dir, {}, 600);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;

  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u) << resumed.output;
  // Nothing a killed run handed to its sandbox uid stays that uid's (issue #22).
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(batch, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st {};
    ASSERT_EQ(::lstat(it->path().c_str(), &st), 0);
    EXPECT_FALSE(st.st_uid >= 61000 && st.st_uid < 61064) << it->path() << " is owned by sandbox uid " << st.st_uid;
  }
  for (const auto& [name, idea_dir] : ideas) {
    json state = json::parse(fs::read_file(idea_dir / "state.json").value_or("{}"), nullptr, false);
    EXPECT_EQ(state.value("next", ""), "done") << name << ": " << state.dump();
    EXPECT_TRUE(stdfs::exists(idea_dir / (name + ".pdf"))) << name;
    EXPECT_TRUE(stdfs::exists(idea_dir / "review.json")) << name;
  }
  auto after = finished_artifacts(batch);
  for (const auto& [path, hash] : before) EXPECT_EQ(after[path], hash) << path << " was redone on resume";
  auto [lines, tags] = journal_lines_and_distinct_tags(batch);
  EXPECT_EQ(lines, 76u) << "every scripted call exactly once";
  EXPECT_EQ(tags, lines) << "an LLM call was made twice";
}

INSTANTIATE_TEST_SUITE_P(
    Stages, CrashResumeTest,
    ::testing::Values(KillPoint{"ideas", "stage_started", "ideas", ""},
                      KillPoint{"novelty", "stage_started", "novelty", ""},
                      KillPoint{"experiment", "stage_started", "experiment", ""},
                      KillPoint{"mid_experiment", "progress", "experiment", "python experiment.py --out_dir=run_2"},
                      KillPoint{"plot", "stage_started", "plot", ""},
                      KillPoint{"notes", "stage_started", "notes", ""},
                      KillPoint{"mid_notes", "", "notes", "", SIGKILL, "notes.after_edit"},
                      KillPoint{"writeup", "stage_started", "writeup", ""},
                      KillPoint{"mid_writeup", "progress", "writeup", "build"},
                      KillPoint{"review", "stage_started", "review", ""},
                      KillPoint{"ctrl_c_mid_experiment", "progress", "experiment", "python experiment.py --out_dir=run_1",
                                SIGINT}),
    [](const ::testing::TestParamInfo<KillPoint>& point) { return point.param.name; });

}  // namespace
}  // namespace sci::testing
