// The command table: unique names, every command summarised.
#include <set>

#include <gtest/gtest.h>

#include "cli/app.h"

namespace sci::cli {
namespace {

TEST(CommandTableTest, NamesAreUniqueAndSummarised) {
  std::set<std::string> names;
  for (const auto& c : commands()) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate command " << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_NE(c.run, nullptr) << c.name;
  }
  EXPECT_TRUE(names.count("doctor"));
}

}  // namespace
}  // namespace sci::cli
