// The literature module's tables: a search cache (engine + query -> reply payload)
// and a full-text paper index (SQLite FTS5, BM25 ranking) for the local library.
// Payloads are opaque text to the store; `literature` owns their format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"

namespace sci::store {

// Migrations owned by "literature"; open the Database with this set (or call migrate).
MigrationSet literature_migrations();

class LiteratureCache {
 public:
  explicit LiteratureCache(Database& db) : db_(db) {}
  // The payload stored for (engine, query_key), if any and younger than max_age_s
  // (0 = any age). Errors: store errors (kIo, kParse).
  Result<std::optional<std::string>> get(const std::string& engine, const std::string& query_key,
                                         std::int64_t max_age_s = 0);
  // Inserts or replaces the payload for (engine, query_key).
  Status put(const std::string& engine, const std::string& query_key, const std::string& payload);

 private:
  Database& db_;
};

struct IndexedPaper {
  std::string key;      // unique within the index (BibTeX key, DOI, ...)
  std::string title;
  std::string authors;  // space-separated names, searchable
  std::string venue;
  std::string abstract;
  std::string source;   // file it came from
  std::string payload;  // opaque record, returned by search
};

struct IndexHit {
  std::string key;
  std::string payload;
  double score = 0;  // BM25, higher is better
};

class PaperIndex {
 public:
  explicit PaperIndex(Database& db) : db_(db) {}
  // Inserts or replaces papers by key, in one transaction.
  Status upsert(const std::vector<IndexedPaper>& papers);
  // Papers matching any word of `text` (title weighted highest), best first. Words are
  // quoted, so FTS syntax in `text` is never interpreted; no words -> empty result.
  Result<std::vector<IndexHit>> search(const std::string& text, int limit);
  Result<std::int64_t> count();

 private:
  Database& db_;
};

}  // namespace sci::store
