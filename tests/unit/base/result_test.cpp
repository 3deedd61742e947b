// Result/Error propagation: SCI_TRY and SCI_ASSIGN_OR_RETURN pass errors through unchanged.
#include <gtest/gtest.h>

#include "base/result.h"

namespace sci {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(ErrorCode::kInvalidArgument, "must be positive");
  return v;
}

Result<int> doubled(int v) {
  SCI_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check_both(int a, int b) {
  SCI_TRY(parse_positive(a));
  SCI_TRY(parse_positive(b));
  return ok_status();
}

TEST(ResultTest, ValueFlowsThroughAssignOrReturn) {
  auto r = doubled(21);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, ErrorPropagatesWithCodeAndMessage) {
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "must be positive");
}

TEST(ResultTest, TryStopsAtFirstFailure) {
  EXPECT_TRUE(check_both(1, 2).ok());
  auto st = check_both(1, 0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, ContextIsPrependedOutermostFirst) {
  Error e = make_error(ErrorCode::kIo, "disk full", "writing notes.txt");
  Error outer = e.with_context("idea foo");
  EXPECT_EQ(outer.to_string(), "idea foo: writing notes.txt: disk full");
}

TEST(ResultTest, EveryCodeHasADistinctName) {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c)
    names.insert(error_code_name(static_cast<ErrorCode>(c)));
  EXPECT_EQ(names.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
}

}  // namespace
}  // namespace sci
