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

}  // namespace
}  // namespace sci::literature
