// Literature cache and FTS5 index; see literature_store.h.
#include "store/literature_store.h"

#include <cctype>
#include <ctime>

#include <fmt/format.h>

namespace sci::store {

MigrationSet literature_migrations() {
  return MigrationSet{
      "literature",
      {
          {1, "create_lit_cache",
           "CREATE TABLE lit_cache (engine TEXT NOT NULL, query_key TEXT NOT NULL, payload TEXT NOT NULL,"
           " stored_at INTEGER NOT NULL, PRIMARY KEY (engine, query_key));"},
          {2, "create_lit_papers_fts",
           "CREATE TABLE lit_papers (key TEXT PRIMARY KEY, source TEXT NOT NULL, payload TEXT NOT NULL);"
           "CREATE VIRTUAL TABLE lit_papers_fts USING fts5(key UNINDEXED, title, authors, venue, abstract,"
           " tokenize = 'porter unicode61');"},
      }};
}

Result<std::optional<std::string>> LiteratureCache::get(const std::string& engine, const std::string& query_key,
                                                        std::int64_t max_age_s) {
  SCI_ASSIGN_OR_RETURN(auto rows, db_.query("SELECT payload, stored_at FROM lit_cache WHERE engine = ?1 AND query_key = ?2",
                                            {engine, query_key}));
  if (rows.empty()) return std::optional<std::string>{};
  if (max_age_s > 0 && static_cast<std::int64_t>(std::time(nullptr)) - rows[0].integer(1) > max_age_s)
    return std::optional<std::string>{};
  return std::optional<std::string>{rows[0].text(0)};
}

Status LiteratureCache::put(const std::string& engine, const std::string& query_key, const std::string& payload) {
  return db_.execute("INSERT OR REPLACE INTO lit_cache(engine, query_key, payload, stored_at) VALUES (?1, ?2, ?3, ?4)",
                     {engine, query_key, payload, static_cast<std::int64_t>(std::time(nullptr))});
}

Status PaperIndex::upsert(const std::vector<IndexedPaper>& papers) {
  return db_.transaction([&]() -> Status {
    for (const auto& p : papers) {
      SCI_TRY(db_.execute("DELETE FROM lit_papers_fts WHERE key = ?1", {p.key}));
      SCI_TRY(db_.execute("INSERT OR REPLACE INTO lit_papers(key, source, payload) VALUES (?1, ?2, ?3)",
                          {p.key, p.source, p.payload}));
      SCI_TRY(db_.execute("INSERT INTO lit_papers_fts(key, title, authors, venue, abstract) VALUES (?1, ?2, ?3, ?4, ?5)",
                          {p.key, p.title, p.authors, p.venue, p.abstract}));
    }
    return ok_status();
  });
}

Result<std::vector<IndexHit>> PaperIndex::search(const std::string& text, int limit) {
  // Each word becomes a quoted FTS5 string joined by OR, so user text such as
  // "AND", "NEAR(" or a stray quote is matched literally and never a syntax error.
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (cur.size() >= 2 || (!cur.empty() && std::isdigit(static_cast<unsigned char>(cur[0])))) words.push_back(cur);
    cur.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) cur.push_back(static_cast<char>(c));
    else flush();
  }
  flush();
  if (words.empty() || limit <= 0) return std::vector<IndexHit>{};
  std::string match;
  for (size_t i = 0; i < words.size() && i < 64; ++i) {
    if (i) match += " OR ";
    match += "\"" + words[i] + "\"";
  }
  // bm25() is lower-is-better; weights favour the title, then the abstract.
  SCI_ASSIGN_OR_RETURN(
      auto rows,
      db_.query("SELECT f.key, p.payload, bm25(lit_papers_fts, 0.0, 10.0, 2.0, 1.0, 3.0) AS rank"
                " FROM lit_papers_fts f JOIN lit_papers p ON p.key = f.key"
                " WHERE lit_papers_fts MATCH ?1 ORDER BY rank LIMIT ?2",
                {match, static_cast<std::int64_t>(limit)}));
  std::vector<IndexHit> hits;
  for (const auto& r : rows) hits.push_back({r.text(0), r.text(1), -r.real(2)});
  return hits;
}

Result<std::int64_t> PaperIndex::count() {
  SCI_ASSIGN_OR_RETURN(auto rows, db_.query("SELECT COUNT(*) FROM lit_papers"));
  return rows.empty() ? 0 : rows[0].integer(0);
}

}  // namespace sci::store
