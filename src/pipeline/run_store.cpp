// See run_store.h.
#include "pipeline/run_store.h"

#include "base/time.h"

namespace sci::pipeline::run_store {
namespace {

const store::MigrationSet& migrations() {
  static const store::MigrationSet kSet{
      "pipeline",
      {
          {1, "create_ideas_stages_llm_calls", R"sql(
CREATE TABLE pipeline_ideas (
  name TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  dir TEXT NOT NULL,
  novelty TEXT NOT NULL,
  next_stage TEXT NOT NULL,
  cost_usd REAL NOT NULL DEFAULT 0,
  paper TEXT NOT NULL DEFAULT '',
  review_overall REAL NOT NULL DEFAULT -1,  -- -1 until reviewed
  review_decision TEXT NOT NULL DEFAULT '',
  failure TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
);
CREATE TABLE pipeline_stages (
  idea TEXT NOT NULL REFERENCES pipeline_ideas(name) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  stage TEXT NOT NULL,
  outcome TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  wall_s REAL NOT NULL,
  cost_usd REAL NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (idea, seq)
);
CREATE TABLE llm_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  idea TEXT NOT NULL,
  stage TEXT NOT NULL,
  role TEXT NOT NULL,
  turn INTEGER NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  latency_s REAL NOT NULL,
  ok INTEGER NOT NULL,
  error_code TEXT NOT NULL
);
CREATE INDEX llm_calls_by_idea ON llm_calls(idea, stage);
)sql"},
      }};
  return kSet;
}

}  // namespace

Status migrate(store::Database& db) { return db.migrate(migrations()); }

Status save_idea(store::Database& db, const IdeaState& s) {
  return db.transaction([&]() -> Status {
    SCI_TRY(db.execute(
        "INSERT INTO pipeline_ideas(name,title,dir,novelty,next_stage,cost_usd,paper,review_overall,review_decision,"
        "failure,updated_at) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) ON CONFLICT(name) DO UPDATE SET "
        "title=excluded.title, dir=excluded.dir, novelty=excluded.novelty, next_stage=excluded.next_stage, "
        "cost_usd=excluded.cost_usd, paper=excluded.paper, review_overall=excluded.review_overall, "
        "review_decision=excluded.review_decision, failure=excluded.failure, updated_at=excluded.updated_at",
        {s.name, s.title, s.dir.string(), s.novelty, std::string(stage_name(s.next)), s.cost_usd, s.paper, s.review_overall,
         s.review_decision, s.failure, time::now_iso8601()}));
    SCI_TRY(db.execute("DELETE FROM pipeline_stages WHERE idea = ?1", {s.name}));
    std::int64_t seq = 0;
    for (const auto& h : s.history)
      SCI_TRY(db.execute(
          "INSERT INTO pipeline_stages(idea,seq,stage,outcome,started_at,finished_at,wall_s,cost_usd,message) "
          "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
          {s.name, ++seq, std::string(stage_name(h.stage)), std::string(outcome_name(h.outcome)), h.started_at,
           h.finished_at, h.wall_s, h.cost_usd, h.message}));
    return ok_status();
  });
}

Status record_llm_call(store::Database& db, const llm::CallRecord& r) {
  return db.execute(
      "INSERT INTO llm_calls(started_at,idea,stage,role,turn,provider,model,input_tokens,output_tokens,"
      "cached_input_tokens,cost_usd,latency_s,ok,error_code) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
      {r.started_at, r.tag.idea, r.tag.stage, r.tag.role, static_cast<std::int64_t>(r.tag.turn), r.provider, r.model,
       static_cast<std::int64_t>(r.usage.input_tokens), static_cast<std::int64_t>(r.usage.output_tokens),
       static_cast<std::int64_t>(r.usage.cached_input_tokens), r.cost_usd, r.latency_s,
       static_cast<std::int64_t>(r.ok ? 1 : 0), r.error_code});
}

double total_llm_cost(store::Database& db) {
  auto rows = db.query("SELECT COALESCE(SUM(cost_usd), 0) FROM llm_calls");
  if (!rows.ok() || rows->empty()) return 0;
  return (*rows)[0].real(0);
}

}  // namespace sci::pipeline::run_store
