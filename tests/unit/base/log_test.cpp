// Logging: registered secrets never appear in a log line or redacted text.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/log.h"
#include "support/test_paths.h"

namespace sci::log {
namespace {

TEST(LogTest, SecretsAreRedactedInFileOutput) {
  auto dir = testing::fresh_temp_dir("log");
  set_file(dir / "run.log");
  register_secret("sk-test-1234567890abcdef");
  {
    ScopedContext ctx("idea", "foo");
    info("calling with Authorization: Bearer {}", "sk-test-1234567890abcdef");
  }
  set_file({});
  auto text = *fs::read_file(dir / "run.log");
  EXPECT_EQ(text.find("sk-test-1234567890abcdef"), std::string::npos);
  EXPECT_NE(text.find("[REDACTED]"), std::string::npos);
  EXPECT_NE(text.find("idea=foo"), std::string::npos);
}

TEST(LogTest, ShortValuesAreNotTreatedAsSecrets) {
  register_secret("abc");
  EXPECT_EQ(redact("abc def"), "abc def");
}

TEST(LogTest, ParsesLevels) {
  Level l;
  EXPECT_TRUE(parse_level("warn", &l));
  EXPECT_EQ(l, Level::kWarn);
  EXPECT_FALSE(parse_level("loud", &l));
}

}  // namespace
}  // namespace sci::log
