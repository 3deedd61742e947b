// Paper <-> JSON text and URL encoding; see engines.h.
#include <cstdio>

#include "base/json.h"
#include "literature/engines.h"

namespace sci::literature {

std::string papers_to_json(const std::vector<Paper>& papers, int indent) {
  json::Json arr = json::Json::array();
  for (const auto& p : papers) {
    arr.push_back({{"id", p.id},
                   {"title", p.title},
                   {"authors", p.authors},
                   {"venue", p.venue},
                   {"year", p.year},
                   {"abstract", p.abstract},
                   {"citation_count", p.citation_count},
                   {"doi", p.doi},
                   {"arxiv_id", p.arxiv_id},
                   {"url", p.url},
                   {"bibtex_key", p.bibtex_key},
                   {"bibtex", p.bibtex},
                   {"engine", p.engine}});
  }
  return json::dump(arr, indent);
}

Result<std::vector<Paper>> papers_from_json(std::string_view text) {
  SCI_ASSIGN_OR_RETURN(auto j, json::parse(text, "cached literature records"));
  if (!j.is_array()) return make_error(ErrorCode::kParse, "cached literature records: not an array");
  std::vector<Paper> out;
  for (const auto& o : j) {
    if (!o.is_object()) return make_error(ErrorCode::kParse, "cached literature records: element is not an object");
    Paper p;
    p.id = o.value("id", "");
    p.title = o.value("title", "");
    if (o.contains("authors") && o["authors"].is_array())
      for (const auto& a : o["authors"])
        if (a.is_string()) p.authors.push_back(a.get<std::string>());
    p.venue = o.value("venue", "");
    p.year = o.value("year", 0);
    p.abstract = o.value("abstract", "");
    p.citation_count = o.value("citation_count", -1);
    p.doi = o.value("doi", "");
    p.arxiv_id = o.value("arxiv_id", "");
    p.url = o.value("url", "");
    p.bibtex_key = o.value("bibtex_key", "");
    p.bibtex = o.value("bibtex", "");
    p.engine = o.value("engine", "");
    out.push_back(std::move(p));
  }
  return out;
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace sci::literature
