// Tests run once per sandbox level (strict, degraded) on a fresh results root holding an
// idea directory, both searchable by the runs' own uid; strict is skipped where it is
// not available here (no user namespaces or no seccomp filter), with the reason.
#pragma once

#include <filesystem>

#include <gtest/gtest.h>

#include "proc/sandbox.h"

namespace sci::testing {

class SandboxLevelTest : public ::testing::TestWithParam<proc::SandboxLevel> {
 protected:
  void SetUp() override;
  bool strict() const { return GetParam() == proc::SandboxLevel::kStrict; }

  std::filesystem::path root_, workdir_;  // <fresh dir>, <fresh dir>/idea
};

}  // namespace sci::testing
