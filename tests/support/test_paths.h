// Paths tests need: the source tree, the built binary, ../shared, and fresh temp dirs.
#pragma once

#include <filesystem>
#include <string>

namespace sci::testing {

std::filesystem::path source_dir();
std::filesystem::path binary_path();  // the built `scientist`
// ../shared next to the checkout; empty path when absent (tests then GTEST_SKIP).
std::filesystem::path shared_dir();
// A new empty directory unique to this test (removed at the start, kept after for debugging).
std::filesystem::path fresh_temp_dir(const std::string& name);

}  // namespace sci::testing
