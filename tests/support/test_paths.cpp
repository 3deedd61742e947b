// Test path helpers; see test_paths.h.
#include "support/test_paths.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace sci::testing {

std::filesystem::path source_dir() { return SCI_SOURCE_DIR; }
std::filesystem::path binary_path() { return SCI_BINARY_PATH; }

std::filesystem::path shared_dir() {
  std::error_code ec;
  std::filesystem::path p = SCI_SHARED_DIR;
  if (const char* env = std::getenv("SCI_SHARED_DIR")) p = env;
  return std::filesystem::is_directory(p, ec) ? p : std::filesystem::path();
}

std::filesystem::path fresh_temp_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  auto dir = std::filesystem::path(SCI_TEST_TMP) / (test + "_" + name + "_" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace sci::testing
