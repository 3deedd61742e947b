// Local library: BibTeX/JSONL loading and the FTS5-backed engine; see local_library.h.
#include "literature/local_library.h"

#include <fmt/format.h>

#include "base/bounded_read.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "literature/bibtex.h"
#include "literature/engines.h"
#include "store/database.h"
#include "store/literature_store.h"

namespace sci::literature {
namespace {

Result<std::vector<Paper>> load_jsonl(const std::string& text, const std::string& source) {
  std::vector<Paper> out;
  int line_no = 0;
  for (const auto& line : str::split_lines(text)) {
    ++line_no;
    if (str::trim(line).empty()) continue;
    auto j = json::parse(line, fmt::format("{}:{}", source, line_no));
    if (!j.ok()) return make_error(ErrorCode::kParse, fmt::format("{}:{}: not valid JSON", source, line_no));
    if (!j->is_object()) return make_error(ErrorCode::kParse, fmt::format("{}:{}: not a JSON object", source, line_no));
    const auto& o = *j;
    auto s = [&](const char* k) { return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string(); };
    Paper p;
    p.engine = "local";
    p.title = s("title");
    if (p.title.empty())
      return make_error(ErrorCode::kParse, fmt::format("{}:{}: record has no \"title\"", source, line_no));
    if (o.contains("authors") && o["authors"].is_array()) {
      for (const auto& a : o["authors"]) {
        if (a.is_string()) p.authors.push_back(a.get<std::string>());
        else if (a.is_object() && a.contains("name") && a["name"].is_string()) p.authors.push_back(a["name"]);
      }
    } else if (!s("authors").empty()) {
      p.authors = split_bibtex_authors(s("authors"));
    }
    p.venue = s("venue");
    if (o.contains("year") && o["year"].is_number_integer()) p.year = o["year"].get<int>();
    else if (!s("year").empty()) p.year = std::atoi(s("year").c_str());
    p.abstract = s("abstract");
    p.doi = s("doi");
    p.arxiv_id = s("arxiv_id");
    p.url = s("url");
    if (o.contains("citation_count") && o["citation_count"].is_number_integer())
      p.citation_count = o["citation_count"].get<int>();
    p.id = !s("id").empty() ? s("id") : s("key");
    p.bibtex_key = s("key");
    if (p.bibtex_key.empty()) p.bibtex_key = make_bibtex_key(p);
    if (p.id.empty()) p.id = p.bibtex_key;
    p.bibtex = s("bibtex");
    if (p.bibtex.empty()) p.bibtex = format_bibtex(p);
    out.push_back(std::move(p));
  }
  return out;
}

class LocalEngine final : public LiteratureClient {
 public:
  explicit LocalEngine(store::Database& db) : db_(db) {}
  std::string engine_name() const override { return "local"; }
  Result<std::vector<Paper>> search(const SearchQuery& query) override {
    SCI_TRY(db_.migrate(store::literature_migrations()));
    store::PaperIndex index(db_);
    SCI_ASSIGN_OR_RETURN(auto hits, index.search(query.text, query.limit));
    std::vector<Paper> out;
    for (const auto& h : hits) {
      auto papers = papers_from_json(h.payload);
      if (!papers.ok() || papers->empty()) continue;
      out.push_back(std::move(papers->front()));
    }
    return out;
  }

 private:
  store::Database& db_;
};

}  // namespace

Result<std::vector<Paper>> load_library_file(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file_bounded(path, kMaxLibraryFileBytes, "library file"));
  std::string source = path.filename().string();
  if (str::ends_with(str::to_lower(source), ".jsonl")) return load_jsonl(text, source);
  std::vector<std::string> warnings;
  SCI_ASSIGN_OR_RETURN(auto entries, parse_bibtex(text, source, &warnings));
  for (const auto& w : warnings) log::warn("{}", w);
  std::vector<Paper> out;
  for (const auto& e : entries) {
    Paper p = paper_from_bib_entry(e);
    if (p.title.empty()) continue;  // e.g. @misc without a title: nothing to search
    out.push_back(std::move(p));
  }
  return out;
}

Result<int> index_library_file(store::Database& db, const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(auto papers, load_library_file(path));
  SCI_TRY(db.migrate(store::literature_migrations()));
  std::vector<store::IndexedPaper> rows;
  for (const auto& p : papers) {
    store::IndexedPaper r;
    r.key = p.bibtex_key.empty() ? p.id : p.bibtex_key;
    r.title = p.title;
    r.authors = str::join(p.authors, " ");
    r.venue = p.venue;
    r.abstract = p.abstract;
    r.source = path.string();
    r.payload = papers_to_json({p});
    rows.push_back(std::move(r));
  }
  SCI_TRY(store::PaperIndex(db).upsert(rows));
  return static_cast<int>(rows.size());
}

std::unique_ptr<LiteratureClient> make_local_client(store::Database& db) { return std::make_unique<LocalEngine>(db); }

}  // namespace sci::literature
