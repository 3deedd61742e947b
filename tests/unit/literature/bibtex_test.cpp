// The BibTeX parser on real-world shapes and on broken input (errors name the line).
#include <gtest/gtest.h>

#include "literature/bibtex.h"

namespace sci::literature {
namespace {

TEST(BibtexParseTest, EntryTypesBracesQuotesMacrosAndComments) {
  const char* text = R"(% a comment line before anything
This free text between entries is ignored.
@string{ neurips = "Advances in Neural Information Processing Systems" }
@STRING(arx = {arXiv})
@comment{ @article{ignored, title={Not real}} }
@preamble{ "\newcommand{\noop}[1]{}" }
@article{power2022grokking,
  title = {Grokking: Generalization Beyond Overfitting on Small {Algorithmic} Datasets},
  author = {Power, Alethea and Burda, Yuri and Edwards, Harri},
  journal = arx # { preprint arXiv:2201.02177},
  year = 2022,
  eprint = "2201.02177",
}
@InProceedings(vaswani2017attention,
  title = "Attention is {A}ll you {"}Need{"}",
  author = "Ashish Vaswani and Noam Shazeer",
  booktitle = neurips,
  month = dec,
  year = {2017}
)
)";
  auto entries = parse_bibtex(text, "lib.bib");
  ASSERT_TRUE(entries.ok()) << entries.error().to_string();
  ASSERT_EQ(entries->size(), 2u);
  const auto& a = (*entries)[0];
  EXPECT_EQ(a.type, "article");
  EXPECT_EQ(a.key, "power2022grokking");
  EXPECT_EQ(a.line, 7);
  EXPECT_EQ(a.field("title"), "Grokking: Generalization Beyond Overfitting on Small {Algorithmic} Datasets");
  EXPECT_EQ(a.field("journal"), "arXiv preprint arXiv:2201.02177");
  EXPECT_EQ(a.field("year"), "2022");
  const auto& b = (*entries)[1];
  EXPECT_EQ(b.type, "inproceedings");
  EXPECT_EQ(b.field("booktitle"), "Advances in Neural Information Processing Systems");
  EXPECT_EQ(b.field("month"), "December");
  EXPECT_EQ(b.field("title"), "Attention is {A}ll you {\"}Need{\"}");

  Paper p = paper_from_bib_entry(a);
  EXPECT_EQ(p.title, "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets");
  ASSERT_EQ(p.authors.size(), 3u);
  EXPECT_EQ(p.authors[0], "Alethea Power");
  EXPECT_EQ(p.authors[2], "Harri Edwards");
  EXPECT_EQ(p.year, 2022);
  EXPECT_EQ(p.arxiv_id, "2201.02177");
  EXPECT_EQ(p.bibtex_key, "power2022grokking");
  EXPECT_EQ(p.engine, "local");
}

TEST(BibtexParseTest, LatexEscapesAndAccentsBecomePlainText) {
  EXPECT_EQ(bibtex_plain_text("Sch{\\\"o}lkopf \\& {M}{\\\"u}ller: 50\\% of  {\\em all}"), "Scholkopf & Muller: 50% of all");
  auto authors = split_bibtex_authors("von Neumann, John and {Barnes and Noble} and Doe, Jr, Jane");
  ASSERT_EQ(authors.size(), 3u);
  EXPECT_EQ(authors[0], "John von Neumann");
  EXPECT_EQ(authors[1], "Barnes and Noble");
  EXPECT_EQ(authors[2], "Jane Jr Doe");
}

TEST(BibtexParseTest, BrokenInputIsAParseErrorWithTheLine) {
  struct Case {
    const char* text;
    const char* needle;
  } cases[] = {
      {"@article{a,\n title = {never closed\n", "lib.bib:2:"},
      {"@article{a,\n title = \"open quote\n}\n", "lib.bib:2:"},
      {"\n\n@article{,\n title={x}}", "lib.bib:3:"},
      {"@article{a,\n title {x}}", "lib.bib:2:"},
      {"@article{a, title={x}", "lib.bib:1:"},
      {"@article{a,\n  title = {unbalanced\n@article{b, title={y}}\n", "unbalanced"},
  };
  for (const auto& c : cases) {
    auto r = parse_bibtex(c.text, "lib.bib");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_NE(r.error().message.find(c.needle), std::string::npos) << r.error().message;
  }
}

TEST(BibtexKeyTest, KeysAreStableAndAscii) {
  Paper p;
  p.title = "The Attention Is All You Need";
  p.authors = {"Ashish Vaswani", "Noam Shazeer"};
  p.year = 2017;
  EXPECT_EQ(make_bibtex_key(p), "vaswani2017attention");
  Paper anon;
  anon.title = "On the ???";
  EXPECT_EQ(make_bibtex_key(anon), "anon");
}

TEST(BibtexFormatTest, FormattedEntriesParseBackWithTheSameFields) {
  Paper p;
  p.title = "Loss of 50% & more_things in #ML";
  p.authors = {"Jane Doe", "John Smith"};
  p.venue = "International Conference on Learning Representations";
  p.year = 2021;
  p.doi = "10.1000/xyz_1";
  std::string bib = format_bibtex(p);
  auto parsed = parse_bibtex(bib, "gen");
  ASSERT_TRUE(parsed.ok()) << bib;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].type, "inproceedings");
  EXPECT_EQ((*parsed)[0].key, "doe2021loss");
  Paper back = paper_from_bib_entry((*parsed)[0]);
  EXPECT_EQ(back.title, p.title);
  EXPECT_EQ(back.authors, p.authors);
  EXPECT_EQ(back.doi, p.doi);
}

// Small limits, so the cases stay tiny: the parse checks sizes before it copies.
TEST(BibtexLimitsTest, AnOverlongFieldIsLeftOutWithAWarningAndTheRestParses) {
  BibtexLimits limits;
  limits.max_value_bytes = 16;
  std::vector<std::string> warnings;
  auto entries = parse_bibtex(
      "@article{long, title = {short}, abstract = {this text is longer than sixteen bytes}, year = 2020}\n"
      "@article{next, title = {fine}}\n",
      "lib.bib", &warnings, limits);
  ASSERT_TRUE(entries.ok()) << entries.error().to_string();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].field("title"), "short");
  EXPECT_EQ((*entries)[0].field("abstract"), "");
  EXPECT_EQ((*entries)[0].field("year"), "2020");
  EXPECT_EQ((*entries)[1].field("title"), "fine");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "lib.bib:1: entry 'long': field 'abstract' is longer than 16 bytes after expansion; it is left out");
}

TEST(BibtexLimitsTest, ADoublingStringChainStopsAtTheValueLimitAndNamesTheMacro) {
  BibtexLimits limits;
  limits.max_value_bytes = 64;
  std::string bib = "@string{a0 = \"xx\"}\n";
  for (int i = 1; i <= 40; ++i)
    bib += "@string{a" + std::to_string(i) + " = a" + std::to_string(i - 1) + " # a" + std::to_string(i - 1) + "}\n";
  bib += "@misc{bomb, title = {T}, note = a40}\n@misc{ok, title = a4 # {!}}\n";
  std::vector<std::string> warnings;
  auto entries = parse_bibtex(bib, "bomb.bib", &warnings, limits);
  ASSERT_TRUE(entries.ok()) << entries.error().to_string();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].field("note"), "");
  EXPECT_EQ((*entries)[1].field("title"), std::string(32, 'x') + "!");  // a4 is 2^5 bytes
  // a5 (64 bytes) fits; a6 is the one that grows past the limit; a7..a40 build on it silently.
  ASSERT_EQ(warnings.size(), 2u) << warnings[0];
  EXPECT_EQ(warnings[0].rfind("bomb.bib:7: @string a6 is longer than 64 bytes after expansion", 0), 0u) << warnings[0];
  EXPECT_EQ(warnings[1], "bomb.bib:42: entry 'bomb': field 'note' is longer than 64 bytes after expansion; it is left out");
}

TEST(BibtexLimitsTest, TotalMacroExpansionOverTheLimitRefusesTheFile) {
  BibtexLimits limits;
  limits.max_value_bytes = 1000;
  limits.max_expanded_bytes = 5000;
  std::string bib = "@string{big = {" + std::string(1000, 'y') + "}}\n@misc{m";
  for (int i = 0; i < 10; ++i) bib += ", f" + std::to_string(i) + " = big";
  bib += "}\n";
  auto entries = parse_bibtex(bib, "many.bib", nullptr, limits);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().code, ErrorCode::kParse);
  EXPECT_NE(entries.error().message.find("many.bib:2: @string macros expand to more than 5000 bytes in all"),
            std::string::npos)
      << entries.error().message;
}

TEST(BibtexLimitsTest, WarningsAreCappedWithACountOfTheRest) {
  BibtexLimits limits;
  limits.max_value_bytes = 4;
  std::string bib;
  for (int i = 0; i < 30; ++i) bib += "@misc{k" + std::to_string(i) + ", title = {far too long}}\n";
  std::vector<std::string> warnings;
  auto entries = parse_bibtex(bib, "w.bib", &warnings, limits);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 30u);
  ASSERT_EQ(warnings.size(), 21u);
  EXPECT_EQ(warnings.back(), "w.bib: 10 more value(s) over the limit left out");
}

}  // namespace
}  // namespace sci::literature
