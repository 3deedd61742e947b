// LiteratureClient: paper search over one engine (Semantic Scholar, OpenAlex, arXiv,
// Crossref, a local library) or a cascade of them. Records carry a BibTeX entry so
// citations come from literature records, never from the model.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace sci::literature {

struct Paper {
  std::string id;  // engine-specific id (S2 paperId, OpenAlex W..., arXiv id, DOI, local key)
  std::string title;
  std::vector<std::string> authors;  // "First Last"
  std::string venue;
  int year = 0;  // 0 = unknown
  std::string abstract;
  int citation_count = -1;  // -1 = unknown
  std::string doi;
  std::string arxiv_id;
  std::string url;
  std::string bibtex_key;  // stable: firstauthorlastname + year + first title word
  std::string bibtex;      // full entry using bibtex_key
  std::string engine;      // "s2", "openalex", "arxiv", "crossref", "local"
};

struct SearchQuery {
  std::string text;
  int limit = 10;
};

class LiteratureClient {
 public:
  virtual ~LiteratureClient() = default;
  // Zero hits is an empty vector, never an error. Errors: kRateLimited (wait cap hit;
  // message names the fix), kUnavailable, kTimeout, kParse (malformed API reply).
  virtual Result<std::vector<Paper>> search(const SearchQuery& query) = 0;
  virtual std::string engine_name() const = 0;
};

}  // namespace sci::literature
