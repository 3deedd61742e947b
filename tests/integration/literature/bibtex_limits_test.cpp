// The BibTeX parser at its default limits on a @string chain that doubles 40 times
// (2 TiB if expanded): it runs in a forked child capped at 1 GiB of address space and
// killed after 20 s, so a parser that expands without bound fails the test (dead of
// std::bad_alloc or killed) instead of taking the machine's memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "literature/bibtex.h"
#include "support/bounded_child.h"

namespace sci::literature {
namespace {

std::string doubling_chain_bib(int doublings) {
  std::string bib = "@string{a0 = \"xx\"}\n";
  for (int i = 1; i <= doublings; ++i) bib += fmt::format("@string{{a{} = a{} # a{}}}\n", i, i - 1, i - 1);
  bib += fmt::format("@article{{bomb, title = {{A bomb}}, abstract = a{}}}\n", doublings);
  bib += "@article{fine, title = {A fine paper}, year = 2023}\n";
  return bib;
}

TEST(BibtexLimitsIntegrationTest, FortyDoublingsParseInBoundedMemoryAndTime) {
  if (!testing::address_space_limit_usable())
    GTEST_SKIP() << "RLIMIT_AS does not work under AddressSanitizer";
  const std::string bib = doubling_chain_bib(40);
  auto outcome = testing::run_bounded_child(
      [&] {
        std::vector<std::string> warnings;
        auto entries = parse_bibtex(bib, "bomb.bib", &warnings);
        if (!entries.ok()) return 10;
        if (entries->size() != 2 || (*entries)[0].field("abstract") != "" ||
            (*entries)[1].field("title") != "A fine paper")
          return 11;
        if (warnings.size() != 2 ||
            warnings[0].find("@string a16 is longer than 64 KiB") == std::string::npos ||
            warnings[1].find("entry 'bomb': field 'abstract'") == std::string::npos)
          return 12;
        return 0;
      },
      std::size_t{1} << 30, 20);
  EXPECT_FALSE(outcome.timed_out) << "the parse ran past 20 s";
  EXPECT_EQ(outcome.signal, 0) << "the parse died of signal " << outcome.signal << " (out of memory?)";
  EXPECT_TRUE(outcome.exited);
  EXPECT_EQ(outcome.exit_code, 0) << "10: parse failed, 11: wrong entries, 12: wrong warnings, "
                                  << testing::kChildThrew << ": threw (std::bad_alloc at the 1 GiB cap?)";
}

}  // namespace
}  // namespace sci::literature
