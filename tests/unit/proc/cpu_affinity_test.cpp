// CPU affinity helpers: the allowed-CPU list and the `--cpus` list syntax.
#include <algorithm>

#include <gtest/gtest.h>

#include "proc/cpu_affinity.h"

namespace sci::proc {
namespace {

TEST(CpuAffinityTest, AllowedCpusAreAscendingUniqueAndNeverEmpty) {
  auto ids = allowed_cpu_ids();
  ASSERT_FALSE(ids.empty());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_GE(ids.front(), 0);
}

TEST(CpuAffinityTest, ParsesIdsAndRangesIntoASortedSet) {
  EXPECT_EQ(*parse_cpu_list("0,1"), (std::vector<int>{0, 1}));
  EXPECT_EQ(*parse_cpu_list(" 6, 0-3 ,2"), (std::vector<int>{0, 1, 2, 3, 6}));
  EXPECT_EQ(*parse_cpu_list("5"), (std::vector<int>{5}));
}

TEST(CpuAffinityTest, RejectsMalformedListsNamingThePart) {
  for (const char* bad : {"", "a", "1,,2", "-1", "3-1", "0-", "1.5", "99999999"}) {
    auto r = parse_cpu_list(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(r.error().message.find("0-3,6"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace sci::proc
