// chktex output parsing: real lines in our -f format, messages containing ':' and noise.
#include <gtest/gtest.h>

#include "latex/chktex.h"

namespace sci::latex {
namespace {

TEST(ChktexTest, ParsesRealOutputLines) {
  // Captured from `chktex -q -v0 -I0 -f '%f:%l:%c:%n:%m\n' t.tex` (chktex 1.7.8).
  auto w = parse_chktex_output(
      "t.tex:3:7:11:You should use \\ldots to achieve an ellipsis.\n"
      "t.tex:4:6:9:`)' expected, found `]'.\n"
      "garbage line\n"
      "t.tex:5:1:17:Number of `(' doesn't match the number of `)'!\n");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[1].file, "t.tex");
  EXPECT_EQ(w[1].line, 4);
  EXPECT_EQ(w[1].column, 6);
  EXPECT_EQ(w[1].number, 9);
  EXPECT_EQ(w[1].message, "`)' expected, found `]'.");
  EXPECT_EQ(format_chktex_warning(w[1]), "t.tex:4:6: chktex 9: `)' expected, found `]'.");
}

TEST(ChktexTest, MessagesMayContainColons) {
  auto w = parse_chktex_output("a.tex:1:2:3:Use either `` or '' as an alternative to `\"': here\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].message, "Use either `` or '' as an alternative to `\"': here");
}

TEST(ChktexTest, StyleWarningsAreSwitchedOff) {
  const auto& off = chktex_disabled_warnings();
  EXPECT_NE(std::find(off.begin(), off.end(), 2), off.end());
  EXPECT_EQ(std::find(off.begin(), off.end(), 9), off.end()) << "bracket mismatches stay on";
}

}  // namespace
}  // namespace sci::latex
