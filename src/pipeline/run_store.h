// The pipeline's tables in the batch database (<batch>/scientist.db): one row per idea
// mirroring state.json (stage, novelty, cost, paper, review), one per finished stage,
// and one per LLM call (tokens, cost, latency, model, role, stage; never prompt text
// or keys). state.json stays the human-readable copy; the database answers queries.
#pragma once

#include "base/result.h"
#include "llm/metered_client.h"
#include "pipeline/idea_state.h"
#include "store/database.h"

namespace sci::pipeline::run_store {

// The "pipeline" migration set (idempotent; store::Database records what ran).
Status migrate(store::Database& db);

// Upserts the idea row and replaces its stage rows. Errors: the store's.
Status save_idea(store::Database& db, const IdeaState& state);

// Appends one call. Errors: the store's.
Status record_llm_call(store::Database& db, const llm::CallRecord& record);

// Sum of cost_usd over recorded calls (what earlier processes of this batch spent).
double total_llm_cost(store::Database& db);

}  // namespace sci::pipeline::run_store
