// novelty_fake_literature: a LiteratureClient fake returning canned papers per query
// (or an error), recording every query.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "literature/client.h"

namespace sci::testing {

class NoveltyFakeLiterature final : public literature::LiteratureClient {
 public:
  using Responder = std::function<Result<std::vector<literature::Paper>>(const std::string& query)>;
  explicit NoveltyFakeLiterature(Responder r) : responder_(std::move(r)) {}
  Result<std::vector<literature::Paper>> search(const literature::SearchQuery& q) override {
    queries_.push_back(q.text);
    return responder_(q.text);
  }
  std::string engine_name() const override { return "fake"; }
  const std::vector<std::string>& queries() const { return queries_; }

  static literature::Paper paper(std::string id, std::string title, int year = 2021) {
    literature::Paper p;
    p.id = std::move(id);
    p.title = std::move(title);
    p.authors = {"Ada Lovelace"};
    p.venue = "ICLR";
    p.year = year;
    p.citation_count = 12;
    p.abstract = "An abstract.";
    p.bibtex_key = "lovelace" + std::to_string(year) + "x";
    p.engine = "fake";
    return p;
  }

 private:
  Responder responder_;
  std::vector<std::string> queries_;
};

}  // namespace sci::testing
