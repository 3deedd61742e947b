// store::Database against real SQLite files: migrations, WAL, transactions, FTS5 index, cache.
#include <gtest/gtest.h>

#include <thread>

#include "store/database.h"
#include "store/literature_store.h"
#include "support/test_paths.h"

namespace sci::store {
namespace {

MigrationSet demo_set() {
  return {"demo",
          {{1, "create_t", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"},
           {2, "add_col", "ALTER TABLE t ADD COLUMN n INTEGER DEFAULT 0;"}}};
}

TEST(DatabaseTest, OpenAppliesMigrationsOnceAndUsesWal) {
  auto dir = testing::fresh_temp_dir("db_migrate");
  auto path = dir / "sub" / "scientist.db";
  {
    auto db = Database::open(path, {5000, {demo_set()}});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    auto applied = (*db)->applied_migrations();
    ASSERT_EQ(applied.size(), 2u);
    EXPECT_EQ(applied[0].owner, "demo");
    EXPECT_EQ(applied[1].name, "add_col");
    auto mode = (*db)->query("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    EXPECT_EQ((*mode)[0].text(0), "wal");
    ASSERT_TRUE((*db)->execute("INSERT INTO t(v, n) VALUES (?1, ?2)", {std::string("x"), std::int64_t{7}}).ok());
  }
  // Re-opening applies nothing new and keeps the data.
  auto db = Database::open(path, {5000, {demo_set()}});
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  EXPECT_EQ((*db)->applied_migrations().size(), 2u);
  auto rows = (*db)->query("SELECT v, n FROM t");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].text(0), "x");
  EXPECT_EQ((*rows)[0].integer(1), 7);
}

TEST(DatabaseTest, SecondOwnerAddsItsTablesLater) {
  auto dir = testing::fresh_temp_dir("db_owner");
  auto db = Database::open(dir / "s.db", {5000, {demo_set()}});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->migrate(literature_migrations()).ok());
  EXPECT_EQ((*db)->applied_migrations().size(), 4u);
}

TEST(DatabaseTest, BadMigrationListsAndEditedHistoryAreRejected) {
  auto dir = testing::fresh_temp_dir("db_bad");
  auto db = Database::open(dir / "s.db", {5000, {demo_set()}});
  ASSERT_TRUE(db.ok());
  MigrationSet gap{"gap", {{1, "a", "SELECT 1;"}, {3, "c", "SELECT 1;"}}};
  auto st = (*db)->migrate(gap);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);

  MigrationSet renamed{"demo", {{1, "create_table_t", "SELECT 1;"}, {2, "add_col", "SELECT 1;"}}};
  st = (*db)->migrate(renamed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  EXPECT_NE(st.error().message.find("edited migration history"), std::string::npos);

  MigrationSet older{"demo", {{1, "create_t", "SELECT 1;"}}};
  st = (*db)->migrate(older);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("newer scientist"), std::string::npos);
}

TEST(DatabaseTest, FailingMigrationRollsBackAndIsNotRecorded) {
  auto dir = testing::fresh_temp_dir("db_rollback");
  MigrationSet broken{"b", {{1, "half", "CREATE TABLE ok_table (x); THIS IS NOT SQL;"}}};
  auto db = Database::open(dir / "s.db");
  ASSERT_TRUE(db.ok());
  ASSERT_FALSE((*db)->migrate(broken).ok());
  EXPECT_TRUE((*db)->applied_migrations().empty());
  auto rows = (*db)->query("SELECT name FROM sqlite_master WHERE name = 'ok_table'");
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST(DatabaseTest, TransactionRollsBackOnError) {
  auto db = Database::open(":memory:", {5000, {demo_set()}});
  ASSERT_TRUE(db.ok());
  auto st = (*db)->transaction([&]() -> Status {
    SCI_TRY((*db)->execute("INSERT INTO t(v) VALUES ('a')"));
    return make_error(ErrorCode::kInternal, "boom");
  });
  ASSERT_FALSE(st.ok());
  auto rows = (*db)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].integer(0), 0);
}

TEST(DatabaseTest, TwoConnectionsWriteConcurrentlyWithinBusyTimeout) {
  auto dir = testing::fresh_temp_dir("db_concurrent");
  auto a = Database::open(dir / "s.db", {5000, {demo_set()}});
  auto b = Database::open(dir / "s.db", {5000, {demo_set()}});
  ASSERT_TRUE(a.ok() && b.ok());
  auto writer = [](Database& db, const char* tag) {
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(db.transaction([&] { return db.execute("INSERT INTO t(v) VALUES (?1)", {std::string(tag)}); }).ok());
  };
  std::thread t1(writer, std::ref(**a), "a"), t2(writer, std::ref(**b), "b");
  t1.join();
  t2.join();
  auto rows = (*a)->query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0].integer(0), 100);
}

TEST(DatabaseTest, GarbageFileIsReportedNotCrashed) {
  auto dir = testing::fresh_temp_dir("db_garbage");
  auto path = dir / "s.db";
  {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is definitely not an sqlite database, just some text padding padding padding", f);
    std::fclose(f);
  }
  auto db = Database::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kParse);
}

TEST(PaperIndexTest, Bm25RanksTitleMatchesFirstAndIgnoresFtsSyntax) {
  auto db = Database::open(":memory:", {5000, {literature_migrations()}});
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  PaperIndex index(**db);
  ASSERT_TRUE(index
                  .upsert({{"a", "Grokking beyond overfitting", "Alethea Power", "arXiv", "small algorithmic datasets",
                            "lib.bib", "A"},
                           {"b", "Diffusion models", "Jonathan Ho", "NeurIPS", "we mention grokking once", "lib.bib", "B"},
                           {"c", "Attention is all you need", "Ashish Vaswani", "NeurIPS", "transformers", "lib.bib",
                            "C"}})
                  .ok());
  EXPECT_EQ(*index.count(), 3);
  auto hits = index.search("grokking", 10);
  ASSERT_TRUE(hits.ok()) << hits.error().to_string();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].key, "a");
  EXPECT_EQ((*hits)[0].payload, "A");
  EXPECT_GT((*hits)[0].score, (*hits)[1].score);
  auto weird = index.search("NEAR( \"AND OR* grokking", 10);
  ASSERT_TRUE(weird.ok()) << weird.error().to_string();
  EXPECT_EQ(weird->size(), 2u);
  auto none = index.search("quantum chromodynamics", 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Re-indexing a key replaces it rather than duplicating it.
  ASSERT_TRUE(index.upsert({{"a", "Renamed paper", "", "", "", "x", "A2"}}).ok());
  EXPECT_EQ(*index.count(), 3);
  EXPECT_EQ(index.search("grokking", 10)->size(), 1u);
}

TEST(LiteratureCacheTest, StoresAndReplacesPayloads) {
  auto db = Database::open(":memory:", {5000, {literature_migrations()}});
  ASSERT_TRUE(db.ok());
  LiteratureCache cache(**db);
  auto miss = cache.get("s2", "q");
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->has_value());
  ASSERT_TRUE(cache.put("s2", "q", "[1]").ok());
  ASSERT_TRUE(cache.put("s2", "q", "[2]").ok());
  EXPECT_EQ(**cache.get("s2", "q"), "[2]");
  EXPECT_FALSE(cache.get("openalex", "q")->has_value());
}

}  // namespace
}  // namespace sci::store
