// See sandbox_level_fixture.h.
#include "support/sandbox_level_fixture.h"

#include <sys/stat.h>

#include <string>

#include "support/test_paths.h"

namespace sci::testing {

void SandboxLevelTest::SetUp() {
  const auto& probe = proc::probe_sandbox();
  if (strict() && !probe.strict_available()) GTEST_SKIP() << "strict sandbox unavailable here: " << probe.detail;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (auto& c : name)
    if (c == '/') c = '_';
  root_ = fresh_temp_dir(name);
  workdir_ = root_ / "idea";
  std::filesystem::create_directories(workdir_);
  ::chmod(root_.c_str(), 0755);
  ::chmod(workdir_.c_str(), 0755);
}

}  // namespace sci::testing
