// Bibliography units: parsing, stable deduplicated keys from literature records,
// \cite extraction and removal of unresolvable citations.
#include <gtest/gtest.h>

#include "writeup/bibliography.h"

namespace sci::writeup {
namespace {

literature::Paper paper(std::string title, std::string first_author, int year, std::string doi = "") {
  literature::Paper p;
  p.title = std::move(title);
  p.authors = {std::move(first_author), "Second Author"};
  p.year = year;
  p.doi = std::move(doi);
  p.venue = "Some Venue";
  p.engine = "s2";
  return p;
}

TEST(BibliographyTest, ParsesEntriesWithNestedBracesAndYears) {
  auto bib = Bibliography::parse(
      "@comment{ignored}\n@article{lecun2015deep,\n title={{Deep} learning},\n year = 2015,\n doi={10.1038/NATURE14539}}\n"
      "@inproceedings{vaswani2017attention, title = \"Attention is all you need\", year={2017}}\n");
  ASSERT_EQ(bib.entries().size(), 2u);
  EXPECT_EQ(bib.entries()[0].key, "lecun2015deep");
  EXPECT_EQ(bib.entries()[0].title, "{Deep} learning");
  EXPECT_EQ(bib.entries()[0].year, 2015);
  EXPECT_EQ(bib.entries()[0].doi, "10.1038/nature14539");
  EXPECT_EQ(bib.entries()[1].type, "inproceedings");
  EXPECT_EQ(bib.years(), (std::vector<int>{2015, 2017}));
}

TEST(BibliographyTest, KeysAreStableAndTheSamePaperIsAddedOnce) {
  Bibliography bib;
  auto p = paper("Attention Is All You Need", "Ashish Vaswani", 2017, "10.5555/3295222");
  EXPECT_EQ(bib.add(p), "vaswani2017attention");
  EXPECT_EQ(bib.add(p), "vaswani2017attention");
  auto same_title = paper("Attention is all you need", "A. Vaswani", 2017);
  EXPECT_EQ(bib.add(same_title), "vaswani2017attention");
  EXPECT_EQ(bib.entries().size(), 1u);
  // A different paper with the same generated key gets a suffix.
  EXPECT_EQ(bib.add(paper("Attention Mechanisms Revisited", "Bob Vaswani", 2017)), "vaswani2017attentionb");
  EXPECT_EQ(bib.entries().size(), 2u);
  EXPECT_EQ(bib.added_count(), 2);
}

TEST(BibliographyTest, RecordBibtexKeepsItsFieldsUnderOurKey) {
  Bibliography bib;
  auto p = paper("Deep Residual Learning for Image Recognition", "Kaiming He", 2016);
  p.bibtex_key = "He2016Deep";
  p.bibtex = "@inproceedings{He2016Deep,\n  title={Deep Residual Learning for Image Recognition},\n  year={2016}\n}";
  std::string key = bib.add(p);
  EXPECT_EQ(key, "he2016deep");
  EXPECT_EQ(bib.entries()[0].text.rfind("@inproceedings{he2016deep,", 0), 0u) << bib.entries()[0].text;
  EXPECT_NE(bib.render().find("Deep Residual Learning"), std::string::npos);
}

TEST(BibliographyTest, GeneratedEntryEscapesSpecialCharacters) {
  Bibliography bib;
  auto p = paper("Q&A over 100% of data_sets", "Jane Doe", 2020);
  bib.add(p);
  const auto& text = bib.entries()[0].text;
  EXPECT_NE(text.find("Q\\&A over 100\\% of data\\_sets"), std::string::npos) << text;
  EXPECT_NE(text.find("year = {2020}"), std::string::npos);
}

TEST(BibliographyTest, CitedKeysIgnoreCommentsAndDuplicates) {
  auto keys = cited_keys("See \\citep{a,b} and \\citet[p.~3]{c}, \\cite{a}.\n% \\cite{hidden}\n\\nocite{*}\\citeauthor{d}");
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(BibliographyTest, UnresolvedCitationsAreRemoved) {
  std::vector<std::string> removed;
  auto out = remove_unresolved_citations("Known~\\citep{a,ghost} and unknown \\cite{ghost2}.", {"a"}, &removed);
  EXPECT_EQ(out, "Known~\\citep{a} and unknown.");
  EXPECT_EQ(removed, (std::vector<std::string>{"ghost", "ghost2"}));
}

}  // namespace
}  // namespace sci::writeup
