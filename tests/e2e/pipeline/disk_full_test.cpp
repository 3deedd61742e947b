// A full disk in the middle of a batch, for real: the batch directory lives on a small
// tmpfs, and while the first idea's writeup runs the test fills it. The run must stop
// cleanly and say the disk is full with the fix, keep every state and summary.json,
// mark no idea failed, and `resume` (after space is freed) must finish every idea
// without repeating a finished stage or paying for a call twice. Needs root (mount);
// skipped otherwise.
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

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

// A tmpfs mounted for the test; unmounted (lazily) at the end.
class SmallDisk {
 public:
  SmallDisk(const stdfs::path& at, const std::string& size) : at_(at) {
    stdfs::create_directories(at);
    mounted_ = ::mount("tmpfs", at.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    why_ = mounted_ ? "" : std::strerror(errno);
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  stdfs::path at_;
  bool mounted_ = false;
  std::string why_;
};

// Writes 1 MiB chunks into `file` until the filesystem refuses.
void fill(const stdfs::path& file) {
  std::string chunk(1 << 20, 'x');
  FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) return;
  while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
  }
  std::fclose(f);
}

TEST(PipelineE2E, FullDiskStopsCleanlyAndResumeFinishesWithoutPayingTwice) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  auto dir = fresh_temp_dir("pipeline_disk_full");
  SmallDisk disk(dir / "small", "256m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.why();
  ::chmod((dir / "small").c_str(), 0755);
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "small" / "batch";
  std::vector<std::string> args = {"--config", demo_config().string(), "run", "--template", tmpl.string(),
                                   "--num-ideas", "2", "--replay", demo_cassette().string(), "--engine", "local",
                                   "--results", batch.string()};
  const stdfs::path filler = dir / "small" / "filler.bin";
  {
    BackgroundScientist run(args, dir / "first.log");
    bool hit = wait_until(
        [&] {
          for (const auto& e : read_events(batch))
            if (e.value("kind", "") == "stage_started" && e.value("stage", "") == "writeup") return true;
          return !run.running();
        },
        std::chrono::seconds(400), std::chrono::milliseconds(5));
    ASSERT_TRUE(hit);
    ASSERT_TRUE(run.running()) << fs::read_file(dir / "first.log").value_or("");
    fill(filler);
    EXPECT_EQ(run.wait(std::chrono::seconds(300)), 3) << fs::read_file(dir / "first.log").value_or("");
  }
  std::string log = fs::read_file(dir / "first.log").value_or("");
  EXPECT_NE(log.find("the disk is full"), std::string::npos) << log;
  EXPECT_NE(log.find("scientist resume"), std::string::npos) << log;
  json summary = json::parse(fs::read_file(batch / "summary.json").value_or("{}"), nullptr, false);
  EXPECT_EQ(summary.value("status", ""), "disk_full") << summary.dump();
  for (const auto& [name, idea_dir] : idea_dirs(batch)) {
    json state = json::parse(fs::read_file(idea_dir / "state.json").value_or("{}"), nullptr, false);
    EXPECT_NE(state.value("next", ""), "failed") << name << " was marked failed: " << state.dump();
  }
  auto before = finished_artifacts(batch);

  stdfs::remove(filler);
  auto resumed = run_scientist({"--config", demo_config().string(), "resume", batch.string()}, dir, {}, 600);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u);
  for (const auto& [name, idea_dir] : ideas) {
    json state = json::parse(fs::read_file(idea_dir / "state.json").value_or("{}"), nullptr, false);
    EXPECT_EQ(state.value("next", ""), "done") << name << ": " << state.dump();
    EXPECT_TRUE(stdfs::exists(idea_dir / (name + ".pdf"))) << name;
  }
  auto after = finished_artifacts(batch);
  for (const auto& [path, hash] : before) EXPECT_EQ(after[path], hash) << path << " was redone on resume";
  auto [lines, tags] = journal_lines_and_distinct_tags(batch);
  EXPECT_EQ(lines, 76u) << "every scripted call exactly once";
  EXPECT_EQ(tags, lines) << "an LLM call was made twice";
}

}  // namespace
}  // namespace sci::testing
