// BibTeX produced from literature records (S2-, OpenAlex-, arXiv-shaped and a local
// entry) matches tests/golden/literature/expected/ (SCI_UPDATE_GOLDEN=1 rebaselines).
#include <cstdlib>

#include <gtest/gtest.h>

#include "base/fs.h"
#include "literature/bibtex.h"
#include "support/test_paths.h"

namespace sci::literature {
namespace {

void expect_golden(const std::string& name, const std::string& actual) {
  auto path = testing::source_dir() / "tests/golden/literature/expected" / name;
  if (std::getenv("SCI_UPDATE_GOLDEN")) {
    ASSERT_TRUE(fs::write_file_atomic(path, actual).ok());
    return;
  }
  auto expected = fs::read_file(path);
  ASSERT_TRUE(expected.ok()) << "missing golden " << path << " (run with SCI_UPDATE_GOLDEN=1)";
  EXPECT_EQ(*expected, actual) << name;
}

TEST(BibtexGoldenTest, EntriesFromRecords) {
  Paper conf;
  conf.title = "Attention Is All You Need";
  conf.authors = {"Ashish Vaswani", "Noam Shazeer", "Niki Parmar"};
  conf.venue = "Neural Information Processing Systems";
  conf.year = 2017;
  conf.arxiv_id = "1706.03762";
  conf.url = "https://www.semanticscholar.org/paper/204e3073870fae3d05bcbc2f6a8e263d9b72e776";

  Paper journal;
  journal.title = "The state of OA: a large-scale analysis of the prevalence & impact of Open Access articles";
  journal.authors = {"Heather Piwowar", "Jason Priem"};
  journal.venue = "PeerJ";
  journal.year = 2018;
  journal.doi = "10.7717/peerj.4375";

  Paper preprint;
  preprint.title = "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets";
  preprint.authors = {"Alethea Power", "Yuri Burda"};
  preprint.year = 2022;
  preprint.arxiv_id = "2201.02177";

  Paper bare;
  bare.title = "An untitled_note with 100% {odd} $chars$";

  std::string out;
  for (const auto& p : {conf, journal, preprint, bare}) out += format_bibtex(p) + "\n";
  auto parsed = parse_bibtex(
      "@String{pmlr = {Proceedings of Machine Learning Research}}\n"
      "@inproceedings{Loshchilov2019Decoupled, author = {Loshchilov, Ilya and Hutter, Frank},\n"
      "  title = {Decoupled Weight Decay Regularization}, booktitle = pmlr # { (ICLR)}, year = 2019}\n",
      "golden.bib");
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  out += paper_from_bib_entry(parsed->front()).bibtex;
  expect_golden("records.bib", out);
}

}  // namespace
}  // namespace sci::literature
