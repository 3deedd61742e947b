// The TOML pre-scan: nesting depth of keys, tables, arrays and inline tables, with
// strings and comments ignored; the nesting and size limits with their messages; bounded reads.
#include "base/toml_limits.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/bounded_read.h"
#include "base/fs.h"
#include "support/test_paths.h"

namespace sci::toml_limits {
namespace {

TEST(TomlLimitsTest, DepthCountsDottedKeysTablesArraysAndInlineTables) {
  EXPECT_EQ(nesting_depth(""), 0);
  EXPECT_EQ(nesting_depth("a = 1\n"), 1);
  EXPECT_EQ(nesting_depth("a.b.c = 1\n"), 3);
  EXPECT_EQ(nesting_depth("a . b .c = 1\n"), 3);
  EXPECT_EQ(nesting_depth("[a.b]\nc = [1, {d = 2}]\n"), 5);
  EXPECT_EQ(nesting_depth("[[a.b]]\nc = 1\n"), 3);
  EXPECT_EQ(nesting_depth("a = [[[[1]]]]\n"), 5);
  EXPECT_EQ(nesting_depth("a = {b = {c.d = 1}}\n"), 4);
  EXPECT_EQ(nesting_depth("x = [{a.b.c = 1}]\n"), 5);
  // After a table closes, the next key is measured from the enclosing level again.
  EXPECT_EQ(nesting_depth("a = {b = {c = 1}, d = 2}\nz = 1\n"), 3);
  // A template.toml as shipped.
  EXPECT_EQ(nesting_depth("title = \"T\"\nrun_command = [\"{interpreter}\", \"x.py\"]\n[metrics.loss]\n"
                          "direction = \"lower\"\n[timeouts]\nrun_s = 7200\n"),
            3);
}

TEST(TomlLimitsTest, NumbersAndDatesInValuesAreNotKeyLevels) {
  EXPECT_EQ(nesting_depth("a = 1.5\nb.c = 2.25e3\nd = 1979-05-27T07:32:00.999\n"), 2);
  EXPECT_EQ(nesting_depth("a = [1.5, 2.5, 3.5]\n"), 2);
}

TEST(TomlLimitsTest, DotsAndBracketsInsideStringsDoNotCount) {
  EXPECT_EQ(nesting_depth("a = \"[[[{{{.a.b.c.d}}}]]]\"\n"), 1);
  EXPECT_EQ(nesting_depth("a = 'x.y.z[[[{{'\n"), 1);
  EXPECT_EQ(nesting_depth("a = \"q\\\"[[[\"\nb = 1\n"), 1);  // an escaped quote does not end the string
  EXPECT_EQ(nesting_depth("a = \"\"\"\n[[[ {{{\n.x.y.z \"\" \"\"\"\nb = 1\n"), 1);
  EXPECT_EQ(nesting_depth("a = '''[[[\n{{{'''\nb = 1\n"), 1);
  EXPECT_EQ(nesting_depth("a = \"\"\"x\"\"\"\"\"\nb.c = 1\n"), 2);  // up to two quotes before the delimiter
  EXPECT_EQ(nesting_depth("\"x.y.z\".w = 1\n'a.b'.c = 2\n"), 2);    // quoted key components
  EXPECT_EQ(nesting_depth("[\"a.b.c\"]\nd = 1\n"), 2);
}

TEST(TomlLimitsTest, CommentsAreIgnored) {
  EXPECT_EQ(nesting_depth("# a.b.c.d.e = [[[[{{{\na = 1 # [[[[ x.y.z\n"), 1);
  EXPECT_EQ(nesting_depth("a = [ # [[[[\n  1, # {{{{\n]\n"), 2);
}

TEST(TomlLimitsTest, HundredThousandLevelsAreMeasuredWithoutRecursion) {
  std::string key = "a";
  for (int i = 1; i < 100000; ++i) key += ".a";
  EXPECT_EQ(nesting_depth(key + " = 1\n"), 100000);
  EXPECT_EQ(nesting_depth("x = " + std::string(100000, '[') + std::string(100000, ']') + "\n"), 100001);
  std::string tables = "x = ";
  for (int i = 0; i < 100000; ++i) tables += "{a = ";
  EXPECT_EQ(nesting_depth(tables), 100001);  // unterminated: still measured
}

TEST(TomlLimitsTest, CheckNestingNamesTheFileTheDepthAndTheLimit) {
  EXPECT_TRUE(check_nesting("a.b.c = 1\n", "template.toml").ok());
  std::string key = "a";
  for (int i = 1; i < 65; ++i) key += ".a";
  EXPECT_TRUE(check_nesting(key.substr(2) + " = 1\n", "template.toml").ok());  // exactly 64
  auto st = check_nesting(key + " = 1\n", "template.toml");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message.find("template.toml nests 65 levels deep"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("over the limit of 64"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("flatten it"), std::string::npos) << st.error().message;
  EXPECT_TRUE(is_limit_error(st.error()));
  EXPECT_FALSE(is_limit_error(make_error(ErrorCode::kParse, "template.toml:3: bad")));
}

TEST(TomlLimitsTest, ReadTomlTextRefusesLargeFilesAndFifos) {
  const auto dir = testing::fresh_temp_dir("toml_limits");
  ASSERT_TRUE(fs::write_file_atomic(dir / "ok.toml", "a = 1\n").ok());
  auto ok = read_toml_text(dir / "ok.toml", "config file");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(*ok, "a = 1\n");

  ASSERT_TRUE(fs::write_file_atomic(dir / "big.toml", std::string(kMaxFileBytes + 1, '#')).ok());
  auto big = read_toml_text(dir / "big.toml", "config file");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(big.error().message.find("over the limit of 1 MiB"), std::string::npos) << big.error().message;
  EXPECT_NE(big.error().message.find((dir / "big.toml").string()), std::string::npos) << big.error().message;
  EXPECT_TRUE(is_limit_error(big.error()));

  ASSERT_EQ(::mkfifo((dir / "fifo.toml").c_str(), 0600), 0);
  auto fifo = read_toml_text(dir / "fifo.toml", "config file");  // must not block waiting for a writer
  ASSERT_FALSE(fifo.ok());
  EXPECT_NE(fifo.error().message.find("not a regular file"), std::string::npos) << fifo.error().message;

  auto missing = read_toml_text(dir / "nope.toml", "config file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(BoundedReadTest, FormatsByteCounts) {
  EXPECT_EQ(fs::format_bytes(1 << 20), "1 MiB");
  EXPECT_EQ(fs::format_bytes(64 * 1024), "64 KiB");
  EXPECT_EQ(fs::format_bytes(1500), "1500 bytes");
}

}  // namespace
}  // namespace sci::toml_limits
