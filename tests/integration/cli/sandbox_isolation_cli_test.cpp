// `scientist sandbox run` and `doctor` through the built binary, for issue #22: a log
// swapped for a symlink by one run is never written through by the next, the degraded
// level says its network is not isolated (output, --json, doctor), and a config file
// inside --workdir is refused before anything runs. Every call has a hard timeout.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace fsys = std::filesystem;

nlohmann::json json_of(const CliResult& r) {
  auto start = r.output.find("{\n");
  if (start == std::string::npos) return nlohmann::json();
  return nlohmann::json::parse(r.output.substr(start), nullptr, false);
}

// Issue #22: `.sandbox/stdout.txt` was opened by the host (root) without O_NOFOLLOW in a
// tree the previous run owned. Run 1 swaps the log for a symlink to a host file, and the
// whole folder for a symlink to a host directory; run 2 must touch neither.
class SandboxLogLinkTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SandboxLogLinkTest, ALogSwappedForASymlinkIsNotWrittenThroughByTheNextRun) {
  const std::string level = GetParam();
  auto root = fresh_temp_dir(std::string("cli_log_link_") + level);
  auto work = root / "work";
  auto host_dir = root / "host_dir";
  fsys::create_directories(work);
  fsys::create_directories(host_dir);
  for (const auto& d : {root, work, host_dir}) ::chmod(d.c_str(), 0755);
  const auto precious = root / "precious.txt";
  ASSERT_TRUE(fs::write_file_atomic(precious, "precious host data\n").ok());

  // As root the run has its own uid: it cannot write the host's files itself, only plant links.
  auto planted =
      run_scientist({"sandbox", "run", "--sandbox", level, "--workdir", work.string(), "--timeout-s", "20",
                     "--", "/bin/sh", "-c",
                     "rm -f .sandbox/stdout.txt 2>/dev/null; ln -sf " + precious.string() +
                         " .sandbox/stdout.txt 2>/dev/null || { mv .sandbox .old && mkdir .sandbox && "
                         "ln -s " +
                         precious.string() + " .sandbox/stdout.txt; }; echo planted"},
                    {}, {}, 60);
  ASSERT_EQ(planted.exit_code, 0) << planted.output;
  struct stat st {};
  ASSERT_EQ(::lstat((work / ".sandbox" / "stdout.txt").c_str(), &st), 0) << planted.output;
  ASSERT_TRUE(S_ISLNK(st.st_mode)) << "run 1 could not plant the link, the test proves nothing";

  auto second = run_scientist({"sandbox", "run", "--sandbox", level, "--workdir", work.string(),
                               "--timeout-s", "20", "--", "/bin/echo", "overwritten by run 2"},
                              {}, {}, 60);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(*fs::read_file(precious), "precious host data\n");
  EXPECT_EQ(*fs::read_file(work / ".sandbox" / "stdout.txt"), "overwritten by run 2\n");

  // The folder itself replaced by a link to a host directory.
  auto swapped = run_scientist(
      {"sandbox", "run", "--sandbox", level, "--workdir", work.string(), "--timeout-s", "20", "--", "/bin/sh",
       "-c", "mv .sandbox .old2 && ln -s " + host_dir.string() + " .sandbox && echo swapped"},
      {}, {}, 60);
  ASSERT_EQ(swapped.exit_code, 0) << swapped.output;
  auto third = run_scientist({"sandbox", "run", "--sandbox", level, "--workdir", work.string(), "--timeout-s",
                              "20", "--", "/bin/echo", "third"},
                             {}, {}, 60);
  EXPECT_EQ(third.exit_code, 0) << third.output;
  EXPECT_FALSE(fsys::exists(host_dir / "stdout.txt")) << "run 3 wrote its log into the host directory";
  ASSERT_EQ(::lstat((work / ".sandbox").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_uid, ::geteuid());  // ours again, not the run's
}

INSTANTIATE_TEST_SUITE_P(Levels, SandboxLogLinkTest, ::testing::Values("auto", "degraded"));

// Issue #22: the degraded level reached 127.0.0.1 while printing "network off".
TEST(SandboxCliNetworkTest, DegradedSaysItsNetworkIsNotIsolatedInOutputJsonAndDoctor) {
  auto work = fresh_temp_dir("cli_degraded_network");
  ::chmod(work.c_str(), 0755);
  const std::string expected = "not isolated (degraded level has no network namespace)";
  auto text = run_scientist({"sandbox", "run", "--sandbox", "degraded", "--network", "off", "--workdir",
                             work.string(), "--", "/bin/true"},
                            {}, {}, 60);
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("network: " + expected), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find("network off"), std::string::npos) << text.output;

  auto js = run_scientist(
      {"sandbox", "run", "--sandbox", "degraded", "--workdir", work.string(), "--json", "--", "/bin/true"},
      {}, {}, 60);
  auto j = json_of(js);
  ASSERT_TRUE(j.is_object()) << js.output;
  EXPECT_EQ(j.value("network", ""), "not_isolated") << js.output;
  EXPECT_EQ(j.value("network_detail", ""), expected) << js.output;

  auto doctor =
      run_scientist({"doctor", "--json", "--no-pdf"}, work, {"SCIENTIST_SANDBOX_LEVEL=degraded"}, 120);
  auto d = json_of(doctor);
  ASSERT_TRUE(d.is_object()) << doctor.output;
  std::map<std::string, std::string> detail;
  for (const auto& c : d["checks"]) detail[c["name"].get<std::string>()] = c["detail"].get<std::string>();
  EXPECT_EQ(detail["sandbox network"], "network: " + expected) << doctor.output;
  EXPECT_NE(detail["sandbox level"].find("degraded"), std::string::npos) << doctor.output;
  EXPECT_NE(detail["sandbox does not enforce"].find("/proc"), std::string::npos) << doctor.output;
  EXPECT_FALSE(detail["sandbox enforces"].empty()) << doctor.output;
}

// HOME (and /tmp) live in a fresh directory under sandbox.scratch_dir, gone after the run.
TEST(SandboxCliScratchTest, TheRunsHomeIsUnderTheConfiguredScratchDirAndIsRemovedAfterwards) {
  auto root = fresh_temp_dir("cli_scratch_dir");
  auto work = root / "work";
  auto scratch = root / "scratch";
  fsys::create_directories(work);
  fsys::create_directories(scratch);
  for (const auto& d : {root, work}) ::chmod(d.c_str(), 0755);
  ::chmod(scratch.c_str(), 0711);
  for (const char* level : {"auto", "degraded"}) {
    auto r = run_scientist({"sandbox", "run", "--sandbox", level, "--workdir", work.string(), "--", "/bin/sh", "-c",
                            "echo HOME=$HOME; touch $HOME/x"},
                           {}, {"SCIENTIST_SANDBOX_SCRATCH_DIR=" + scratch.string()}, 60);
    EXPECT_EQ(r.exit_code, 0) << level << ": " << r.output;
    EXPECT_NE(r.output.find("HOME=" + scratch.string() + "/run-"), std::string::npos) << level << ": " << r.output;
    EXPECT_TRUE(fsys::is_empty(scratch)) << level << ": the run's scratch outlived it";
  }
}

// Issue #22: a config file inside --workdir was readable by the run (an S2 key leaked).
TEST(SandboxCliConfigTest, AConfigFileInsideTheWorkdirIsRefusedBeforeAnythingRuns) {
  auto work = fresh_temp_dir("cli_config_in_workdir");
  ::chmod(work.c_str(), 0755);
  const std::string key = "s2-fake-key-must-not-leak-4242";
  ASSERT_TRUE(
      fs::write_file_atomic(work / "scientist.toml", "[secrets]\ns2_api_key = \"" + key + "\"\n").ok());
  for (const char* level : {"auto", "degraded"}) {
    auto r = run_scientist({"--config", (work / "scientist.toml").string(), "sandbox", "run", "--sandbox",
                            level, "--workdir", work.string(), "--force", "--", "/bin/cat", "scientist.toml"},
                           {}, {}, 60);
    EXPECT_NE(r.exit_code, 0) << level << ": " << r.output;
    EXPECT_EQ(r.output.find(key), std::string::npos) << level << ": the run read the key:\n" << r.output;
    EXPECT_NE(r.output.find((work / "scientist.toml").string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("move it out of"), std::string::npos) << r.output;
    auto log = fs::read_file(work / ".sandbox" / "stdout.txt");
    EXPECT_TRUE(!log.ok() || log->find(key) == std::string::npos) << level;
  }
}

}  // namespace
}  // namespace sci::testing
