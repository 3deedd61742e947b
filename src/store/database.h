// store::Database: the one SQLite connection type (WAL, busy timeout, single writer).
// Each owner module contributes an ordered list of numbered migrations (MigrationSet);
// open() applies the pending ones in a transaction each and records them in
// schema_migrations, so other modules add their own tables without editing this file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace sci::store {

// One schema step. Versions are per owner, start at 1 and increase by 1. A migration
// that was applied must never change its name (the check catches edited histories).
struct Migration {
  int version = 0;
  std::string name;  // e.g. "create_lit_cache"
  std::string sql;   // one or more statements
};

struct MigrationSet {
  std::string owner;  // "literature", "pipeline", ...
  std::vector<Migration> migrations;
};

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

struct Row {
  std::vector<Value> values;
  // Typed accessors; NULL or a mismatched type gives the fallback.
  std::string text(size_t i, std::string fallback = {}) const;
  std::int64_t integer(size_t i, std::int64_t fallback = 0) const;
  double real(size_t i, double fallback = 0) const;
  bool is_null(size_t i) const;
};

struct AppliedMigration {
  std::string owner;
  int version = 0;
  std::string name;
  std::string applied_at;
};

struct OpenOptions {
  int busy_timeout_ms = 5000;        // wait for another process's write lock
  std::vector<MigrationSet> migrations;  // applied in order at open
};

enum class Transaction { kDeferred, kImmediate };

class Database {
 public:
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating parent directories and the file) `path`, or an in-memory database
  // for ":memory:". Sets WAL, foreign keys and the busy timeout, then applies pending
  // migrations. Errors: kIo (cannot open, disk), kParse (file is not a database),
  // kInvalidArgument (bad migration list, or the database is from a newer scientist),
  // kInternal (an applied migration's name differs: edited history).
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, const OpenOptions& options = {});

  // Applies the pending migrations of `set` (idempotent). Errors as for open().
  Status migrate(const MigrationSet& set);
  std::vector<AppliedMigration> applied_migrations();

  // Runs a parameterised statement (?1, ?2, ... or ?), returning all rows. Writes are
  // serialised through the writer lock. Errors: kInvalidArgument (bad SQL), kIo
  // (disk, busy past the timeout), kParse (corrupt database).
  Result<std::vector<Row>> query(std::string_view sql, const std::vector<Value>& params = {});
  Status execute(std::string_view sql, const std::vector<Value>& params = {});
  // Runs several statements without parameters (schema scripts).
  Status exec_script(std::string_view sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT holding the writer lock (one writer
  // per process; other processes wait up to the busy timeout). Rolls back when `body`
  // fails and returns its error. Re-entrant on the same thread (nested calls join).
  Status transaction(const std::function<Status()>& body);

  std::int64_t last_insert_rowid() const;
  std::int64_t changes() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  Database() = default;
  Status migrate_locked(const MigrationSet& set);

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::recursive_mutex writer_;
  int depth_ = 0;  // transaction nesting on the owning thread (guarded by writer_)
};

}  // namespace sci::store
