// SQLite connection, statements and migrations; see database.h.
#include "store/database.h"

#include <sqlite3.h>

#include <system_error>

#include <fmt/format.h>

#include "base/log.h"
#include "base/time.h"

namespace sci::store {
namespace {

ErrorCode code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kParse;
    case SQLITE_ERROR:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_CONSTRAINT:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kIo;
  }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY)
    msg += " (another process holds the write lock past the busy timeout)";
  return make_error(code_for(rc), fmt::format("sqlite: {}", msg), std::string(what));
}

// Finalizes a statement on every path.
struct StmtGuard {
  sqlite3_stmt* stmt = nullptr;
  ~StmtGuard() { sqlite3_finalize(stmt); }
};

}  // namespace

std::string Row::text(size_t i, std::string fallback) const {
  if (i >= values.size()) return fallback;
  if (auto* s = std::get_if<std::string>(&values[i])) return *s;
  if (auto* n = std::get_if<std::int64_t>(&values[i])) return std::to_string(*n);
  return fallback;
}
std::int64_t Row::integer(size_t i, std::int64_t fallback) const {
  if (i >= values.size()) return fallback;
  if (auto* n = std::get_if<std::int64_t>(&values[i])) return *n;
  if (auto* d = std::get_if<double>(&values[i])) return static_cast<std::int64_t>(*d);
  return fallback;
}
double Row::real(size_t i, double fallback) const {
  if (i >= values.size()) return fallback;
  if (auto* d = std::get_if<double>(&values[i])) return *d;
  if (auto* n = std::get_if<std::int64_t>(&values[i])) return static_cast<double>(*n);
  return fallback;
}
bool Row::is_null(size_t i) const { return i >= values.size() || values[i].index() == 0; }

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, const OpenOptions& options) {
  std::unique_ptr<Database> d(new Database());
  d->path_ = path;
  const bool memory = path == ":memory:";
  if (!memory && path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &d->db_, flags, nullptr);
  std::string what = "opening database " + path.string();
  if (rc != SQLITE_OK) return sqlite_error(d->db_, rc, what);
  sqlite3_extended_result_codes(d->db_, 1);
  sqlite3_busy_timeout(d->db_, options.busy_timeout_ms);
  // WAL lets readers (status, dashboard) run while the pipeline writes.
  if (!memory) {
    auto mode = d->query("PRAGMA journal_mode=WAL");
    if (!mode.ok()) return mode.error().with_context(what);
  }
  SCI_TRY(d->exec_script("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"));
  SCI_TRY(d->exec_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " owner TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
      " applied_at TEXT NOT NULL, PRIMARY KEY (owner, version))"));
  for (const auto& set : options.migrations) SCI_TRY(d->migrate(set));
  return d;
}

Status Database::migrate(const MigrationSet& set) {
  std::lock_guard lock(writer_);
  return migrate_locked(set);
}

Status Database::migrate_locked(const MigrationSet& set) {
  const std::string what = fmt::format("migrating '{}' in {}", set.owner, path_.string());
  if (set.owner.empty()) return make_error(ErrorCode::kInvalidArgument, "migration set without an owner", what);
  for (size_t i = 0; i < set.migrations.size(); ++i) {
    if (set.migrations[i].version != static_cast<int>(i) + 1)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("migration versions must be 1, 2, 3, ... in order; entry {} has version {}", i,
                                    set.migrations[i].version),
                        what);
  }
  SCI_ASSIGN_OR_RETURN(auto rows, query("SELECT version, name FROM schema_migrations WHERE owner = ?1 ORDER BY version",
                                        {set.owner}));
  for (const auto& row : rows) {
    auto version = row.integer(0);
    if (version > static_cast<std::int64_t>(set.migrations.size()))
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("database has '{}' schema version {} but this scientist knows only {}; "
                                    "use a newer scientist or a fresh results directory",
                                    set.owner, version, set.migrations.size()),
                        what);
    const auto& known = set.migrations[static_cast<size_t>(version - 1)];
    if (row.text(1) != known.name)
      return make_error(ErrorCode::kInternal,
                        fmt::format("applied migration {} of '{}' is named '{}' but the code calls it '{}' "
                                    "(edited migration history)",
                                    version, set.owner, row.text(1), known.name),
                        what);
  }
  for (size_t i = rows.size(); i < set.migrations.size(); ++i) {
    const auto& m = set.migrations[i];
    Status st = transaction([&]() -> Status {
      SCI_TRY(exec_script(m.sql));
      return execute("INSERT INTO schema_migrations(owner, version, name, applied_at) VALUES (?1, ?2, ?3, ?4)",
                     {set.owner, static_cast<std::int64_t>(m.version), m.name, time::now_iso8601()});
    });
    if (!st.ok()) return st.error().with_context(fmt::format("{} (migration {} '{}')", what, m.version, m.name));
    log::debug("store: applied migration {}/{} {}", set.owner, m.version, m.name);
  }
  return ok_status();
}

std::vector<AppliedMigration> Database::applied_migrations() {
  std::vector<AppliedMigration> out;
  auto rows = query("SELECT owner, version, name, applied_at FROM schema_migrations ORDER BY owner, version");
  if (!rows.ok()) return out;
  for (const auto& r : *rows)
    out.push_back({r.text(0), static_cast<int>(r.integer(1)), r.text(2), r.text(3)});
  return out;
}

Result<std::vector<Row>> Database::query(std::string_view sql, const std::vector<Value>& params) {
  std::lock_guard lock(writer_);
  StmtGuard g;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &g.stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, fmt::format("preparing: {}", sql.substr(0, 80)));
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i) + 1;
    const auto& v = params[i];
    if (std::holds_alternative<std::nullptr_t>(v)) rc = sqlite3_bind_null(g.stmt, idx);
    else if (auto* n = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(g.stmt, idx, *n);
    else if (auto* d = std::get_if<double>(&v)) rc = sqlite3_bind_double(g.stmt, idx, *d);
    else {
      const auto& s = std::get<std::string>(v);
      rc = sqlite3_bind_text(g.stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "binding parameter");
  }
  std::vector<Row> rows;
  while (true) {
    rc = sqlite3_step(g.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error(db_, rc, fmt::format("running: {}", sql.substr(0, 80)));
    Row row;
    int n = sqlite3_column_count(g.stmt);
    row.values.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(g.stmt, c)) {
        case SQLITE_INTEGER: row.values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(g.stmt, c))); break;
        case SQLITE_FLOAT: row.values.emplace_back(sqlite3_column_double(g.stmt, c)); break;
        case SQLITE_NULL: row.values.emplace_back(nullptr); break;
        default: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(g.stmt, c));
          int len = sqlite3_column_bytes(g.stmt, c);
          row.values.emplace_back(std::string(p ? p : "", static_cast<size_t>(len)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Status Database::execute(std::string_view sql, const std::vector<Value>& params) {
  auto r = query(sql, params);
  if (!r.ok()) return r.error();
  return ok_status();
}

Status Database::exec_script(std::string_view sql) {
  std::lock_guard lock(writer_);
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return make_error(code_for(rc), "sqlite: " + msg, "running script");
  }
  return ok_status();
}

Status Database::transaction(const std::function<Status()>& body) {
  std::lock_guard lock(writer_);
  if (depth_ > 0) {  // nested: joins the outer transaction
    ++depth_;
    Status st = body();
    --depth_;
    return st;
  }
  SCI_TRY(exec_script("BEGIN IMMEDIATE"));
  ++depth_;
  Status st = body();
  --depth_;
  if (!st.ok()) {
    (void)exec_script("ROLLBACK");
    return st;
  }
  Status commit = exec_script("COMMIT");
  if (!commit.ok()) (void)exec_script("ROLLBACK");
  return commit;
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

}  // namespace sci::store
