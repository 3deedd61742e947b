// The review procedure: optional few-shot examples, an ensemble of independent
// reviews, an area-chair meta-review, and reflection rounds that stop when the model
// says it is done; each reply is parsed with one repair retry. Also writes
// review.json / review.md / review.txt. Independent of writeup and the store.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "llm/client.h"
#include "review/paper_text.h"
#include "review/review.h"

namespace sci::review {

// A worked example shown to the reviewer: a paper's text and its review (JSON text).
struct FewShotExample {
  std::string name;
  std::string paper;
  std::string review_json;
};

// The examples shipped in prompts/review/fewshot/ (example_N_paper + example_N_review).
std::vector<FewShotExample> builtin_examples();
// User examples from `dir`: every NAME.json (a review in the form) with a NAME.txt,
// NAME.tex or NAME.pdf beside it. kNotFound for a missing dir; kInvalidArgument names
// a .json without a paper or a review that does not parse.
Result<std::vector<FewShotExample>> load_examples(const std::filesystem::path& dir);

struct ReviewerOptions {
  std::string model;                // passed to the client as is ("" = the client's own)
  std::string model_label;          // shown in the report (e.g. "openai:gpt-4o"); "" = model
  int ensemble = 1;                 // independent reviews; >1 adds a meta-review
  int reflections = 0;              // reflection rounds after the (meta-)review
  int few_shot = 0;                 // examples shown (user examples first, then built-in)
  double temperature = 0.1;         // single review, meta-review and reflections
  double ensemble_temperature = 0.75;  // ensemble members (diversity)
  int max_output_tokens = 4096;
  std::vector<FewShotExample> user_examples;
  std::string idea;                 // CallTag.idea
  std::string stage = "review";     // CallTag.stage ("improve" for the re-review of a revision)
  std::string nonce;                // fence marker suffix; "" = random (tests fix it)
};

// Runs the review procedure with `client` (borrowed; must outlive the call).
// Errors: the client's errors (kBudgetExceeded, kAuth, kTimeout...), kInvalidArgument
// for bad options, kParse when no usable review came back after the repair retry
// (for an ensemble: when no member was usable). Not thread-safe per instance; use
// one Reviewer per thread.
class Reviewer {
 public:
  Reviewer(llm::LlmClient& client, ReviewerOptions options);
  Result<ReviewReport> review(const PaperInput& paper);

 private:
  struct Reply {
    ParsedReview parsed;
    std::string text;  // the reply that parsed (after repair)
  };
  // One call plus at most one repair retry. `messages` is the conversation so far;
  // the user message to send is its last entry.
  Result<Reply> ask(std::vector<llm::Message> messages, double temperature);
  Result<llm::ChatResponse> call(const std::vector<llm::Message>& messages, double temperature);

  llm::LlmClient& client_;
  ReviewerOptions options_;
  std::string system_;
  int turn_ = 0;
  int calls_ = 0;
  double cost_usd_ = 0;
};

// The pipeline's entry point: load_paper(paper_path) (a PDF, .tex or an idea dir),
// review it, and write <stem>.json/.md/.txt into out_dir ("review", or
// "review_improved" after the improvement round). Errors: those of load_paper,
// Reviewer::review and write_review_files.
Result<ReviewReport> review_and_write(llm::LlmClient& client, const std::filesystem::path& paper_path,
                                      const std::filesystem::path& out_dir, const ReviewerOptions& options,
                                      const PaperOptions& paper_options = {}, std::string_view stem = "review");

// Writes <stem>.json (report_json), <stem>.md (report_markdown) and <stem>.txt (the
// improvement feedback text plus the score line) into `dir` atomically. kIo on failure.
Status write_review_files(const ReviewReport& report, const std::filesystem::path& dir,
                          std::string_view stem = "review");

}  // namespace sci::review
