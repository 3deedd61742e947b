// The novelty stage: up to K rounds in which the model searches the literature and
// decides novel / not_novel. The verdict keeps its evidence (queries, results shown,
// closest papers, reasoning). Zero results are never evidence of novelty.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "literature/client.h"
#include "llm/client.h"

namespace sci::novelty {

// The four states (exact strings, shared with ideas.json and the pipeline).
inline constexpr const char* kNovel = "novel";
inline constexpr const char* kNotNovel = "not_novel";
inline constexpr const char* kUnknown = "unknown";      // no decision, or engine unavailable
inline constexpr const char* kUnchecked = "unchecked";  // --no-literature

struct IdeaForCheck {
  std::string name;
  std::string title;
  std::string json;  // the idea as archived (shown to the model)
};

struct SearchRound {
  int round = 0;
  std::string thought;  // the model's reasoning before its action
  std::string query;    // "" when the round decided
  std::vector<literature::Paper> results;  // what the model was shown next round
  std::string error;    // engine error for this query, if any
};

struct Verdict {
  std::string status = kUnknown;  // novel | not_novel | unknown
  std::string reason;             // the model's reason, or why we could not decide
  std::vector<SearchRound> rounds;
  std::vector<literature::Paper> closest;  // papers the model named as closest
  int total_results = 0;                   // results shown over all rounds
  int llm_calls = 0;
  double cost_usd = 0;
};

struct NoveltyOptions {
  int rounds = 10;
  int results_per_query = 10;
  std::string model;
  std::optional<double> temperature = 0.75;
  int max_output_tokens = 4096;
  std::string task_description;  // the template's, for context
  int max_consecutive_engine_errors = 2;  // then give up with "unknown"
};

// Runs the search/decide loop for one idea. A "novel" decision made when no search
// returned any paper becomes "unknown". Engine failures (rate limit, outage) end in
// "unknown" with the reason, never an error. LLM calls carry
// CallTag{idea.name, "novelty", "novelty", turn}. Errors: only LLM errors that stop
// the batch (kBudgetExceeded, kCancelled, kAuth, ...).
Result<Verdict> check_novelty(llm::LlmClient& llm, literature::LiteratureClient& literature, const IdeaForCheck& idea,
                              const NoveltyOptions& options);

// The verdict and its evidence as pretty JSON (the evidence file the CLI writes).
std::string verdict_to_json(const IdeaForCheck& idea, const Verdict& verdict);

// How results are shown to the model (title, authors, venue, year, citations, abstract).
std::string format_results(const std::vector<literature::Paper>& papers);

}  // namespace sci::novelty
