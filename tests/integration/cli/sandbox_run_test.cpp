// `scientist sandbox run` through the built binary (issue #22): which directories it
// refuses, that it leaves the owners of pre-existing files alone, and how its memory
// limit holds (the JSON names "cgroup" or "per-process RLIMIT_AS").
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "support/cli_runner.h"
#include "support/memory_hogs.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

// The JSON object `--json` prints (log lines on stderr may come before it).
nlohmann::json json_of(const CliResult& r) {
  auto start = r.output.find("{\n");
  auto end = r.output.rfind('}');
  if (start == std::string::npos || end == std::string::npos || end < start) return {};
  return nlohmann::json::parse(r.output.substr(start, end - start + 1), nullptr, false);
}

TEST(SandboxRunCliTest, TheRootDirectoryIsRefusedWithAClearMessage) {
  // --sandbox none: even code without the refusal changes no owner here.
  auto r = run_scientist({"sandbox", "run", "--workdir", "/", "--sandbox", "none", "--unsafe-no-sandbox", "--", "true"},
                         {}, {}, 60);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("refusing / as a sandbox working directory: it is the root directory"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists("/.sandbox/stdout.txt"));
}

TEST(SandboxRunCliTest, HomeAndItsParentAreRefused) {
  auto root = fresh_temp_dir("sandbox_cli_home");
  auto home = root / "users" / "me";
  std::filesystem::create_directories(home);
  ASSERT_TRUE(fs::write_file_atomic(home / ".bashrc", "# mine\n").ok());
  for (const auto& dir : {home, home.parent_path()}) {
    auto r = run_scientist({"sandbox", "run", "--workdir", dir.string(), "--sandbox", "degraded", "--", "true"}, {},
                           {"HOME=" + home.string()}, 60);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("refusing " + dir.string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("home directory"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(home / ".sandbox"));
}

TEST(SandboxRunCliTest, ANonEmptyDirectoryNotMadeForRunsNeedsForce) {
  auto dir = fresh_temp_dir("sandbox_cli_nonempty");
  ASSERT_TRUE(fs::write_file_atomic(dir / "thesis.tex", "precious\n").ok());
  auto refused = run_scientist({"sandbox", "run", "--workdir", dir.string(), "--sandbox", "degraded", "--", "true"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("not made for runs"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--force"), std::string::npos) << refused.output;
  auto forced =
      run_scientist({"sandbox", "run", "--workdir", dir.string(), "--sandbox", "degraded", "--force", "--", "true"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  // Made for runs now: the next run needs no --force.
  auto again = run_scientist({"sandbox", "run", "--workdir", dir.string(), "--sandbox", "degraded", "--", "true"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST(SandboxRunCliTest, APreExistingFileOfAnotherUidKeepsItsOwnerAndSetgidBit) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: only then runs drop to a sandbox uid and owners change";
  auto dir = fresh_temp_dir("sandbox_cli_owners");
  ::chmod(dir.c_str(), 0755);
  std::filesystem::create_directories(dir / ".sandbox");  // made by an earlier run
  ASSERT_TRUE(fs::write_file_atomic(dir / "shared_tool", "#!/bin/sh\n").ok());
  ASSERT_EQ(::chown((dir / "shared_tool").c_str(), 1234, 1234), 0);
  ASSERT_EQ(::chmod((dir / "shared_tool").c_str(), 02755), 0);
  ASSERT_TRUE(fs::write_file_atomic(dir / "data.csv", "x\n").ok());
  ASSERT_EQ(::chown((dir / "data.csv").c_str(), 1235, 1236), 0);
  auto r = run_scientist({"sandbox", "run", "--workdir", dir.string(), "--sandbox", "degraded", "--", "/bin/sh", "-c",
                          "echo more >> data.csv; echo new > created.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "shared_tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 1234u);
  EXPECT_TRUE(st.st_mode & S_ISGID);
  ASSERT_EQ(::lstat((dir / "data.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1235u);  // given to the run (it appended), then back to its owner
  EXPECT_EQ(st.st_gid, 1236u);
  EXPECT_EQ(*fs::read_file(dir / "data.csv"), "x\nmore\n");
  ASSERT_EQ(::lstat((dir / "created.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());  // what the run created belongs to the directory's owner
}

// Eight children of 200 MB each, touched and held together, against a 512 MB limit.
const std::string kEightHogs = memory_hogs_script(8, 200);

TEST(SandboxRunCliTest, EightProcessesOverTheMemoryLimitAreStoppedAndTheJsonSaysHow) {
  auto dir = fresh_temp_dir("sandbox_cli_memory");
  ::chmod(dir.c_str(), 0755);
  auto r = run_scientist({"sandbox", "run", "--workdir", (dir / "w").string(), "--sandbox", "degraded", "--memory-mb",
                          "512", "--timeout-s", "60", "--json", "--", "/usr/bin/python3", "-c", kEightHogs},
                         {}, {}, 120);
  auto j = json_of(r);
  ASSERT_TRUE(j.is_object()) << r.output;
  ASSERT_TRUE(j.contains("memory_limit")) << "the outcome must say how the memory limit held: " << r.output;
  EXPECT_EQ(j.value("outcome", ""), "memory_limit_exceeded") << r.output;
  EXPECT_NE(j.value("message", "").find("memory limit exceeded"), std::string::npos) << r.output;
  if (j["memory_limit"] == "per-process RLIMIT_AS") {
    // No run cgroup here: the sampled total stopped it, and the output says the limit was per process.
    EXPECT_NE(j.dump().find("memory limit is per process"), std::string::npos) << r.output;
  } else {
    EXPECT_EQ(j.value("memory_limit", ""), "cgroup") << r.output;
  }
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace sci::testing
