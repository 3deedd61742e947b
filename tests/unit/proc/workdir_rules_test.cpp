// Which directories may be a sandbox workdir: system directories, $HOME and its
// ancestors never; a non-empty directory only when an earlier run made it, or forced.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/workdir_rules.h"
#include "support/test_paths.h"

namespace sci::proc {
namespace {

TEST(WorkdirRulesTest, SystemDirectoriesAndTheirTreesAreRefused) {
  for (const char* dir : {"/", "/etc", "/etc/ssh", "/usr", "/usr/local/src", "/bin", "/sbin", "/lib", "/lib64",
                          "/var", "/proc", "/proc/1", "/sys", "/dev", "/boot", "/root", "/home", "/tmp", "/tmp/.."}) {
    auto st = check_not_system_directory(dir, "/home/someone");
    EXPECT_FALSE(st.ok()) << dir;
    if (!st.ok()) {
      EXPECT_NE(st.error().message.find("refusing"), std::string::npos);
      EXPECT_NE(st.error().message.find("use a new directory"), std::string::npos);
    }
  }
}

TEST(WorkdirRulesTest, HomeAndItsAncestorsAreRefusedButDirectoriesBelowHomeAreFine) {
  auto root = sci::testing::fresh_temp_dir("workdir_rules_home");
  auto home = root / "users" / "me";
  std::filesystem::create_directories(home / "runs");
  EXPECT_FALSE(check_not_system_directory(home, home).ok());
  EXPECT_FALSE(check_not_system_directory(home.parent_path(), home).ok());
  EXPECT_FALSE(check_not_system_directory(root, home).ok());
  EXPECT_TRUE(check_not_system_directory(home / "runs", home).ok());
  EXPECT_TRUE(check_not_system_directory("/tmp/run1", home).ok());
  EXPECT_TRUE(check_not_system_directory("/var/tmp/run1", home).ok());
  // A symlink to home is home.
  std::filesystem::create_directory_symlink(home, root / "alias");
  EXPECT_FALSE(check_not_system_directory(root / "alias", home).ok());
}

TEST(WorkdirRulesTest, ANonEmptyDirectoryNeedsTheMarkerOrForce) {
  auto root = sci::testing::fresh_temp_dir("workdir_rules_marker");
  EXPECT_TRUE(check_made_for_runs(root / "missing", ForceWorkdir::kNo).ok());
  std::filesystem::create_directories(root / "empty");
  EXPECT_TRUE(check_made_for_runs(root / "empty", ForceWorkdir::kNo).ok());
  std::filesystem::create_directories(root / "full");
  ASSERT_TRUE(fs::write_file_atomic(root / "full" / "notes.md", "mine").ok());
  auto st = check_made_for_runs(root / "full", ForceWorkdir::kNo);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("--force"), std::string::npos);
  EXPECT_TRUE(check_made_for_runs(root / "full", ForceWorkdir::kYes).ok());
  std::filesystem::create_directories(root / "full" / kSandboxMarker);
  EXPECT_TRUE(check_made_for_runs(root / "full", ForceWorkdir::kNo).ok());
}

}  // namespace
}  // namespace sci::proc
