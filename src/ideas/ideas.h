// The ideas stage: generates research ideas for a template with self-reflection,
// validates and de-duplicates them, and appends each to the archive (ideas.json, the
// original AI Scientist's format) atomically so a crash loses at most the idea in flight.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "llm/client.h"

namespace sci::ideas {

struct Idea {
  std::string name;  // lower-case, [a-z0-9_], filesystem-safe, unique in the archive
  std::string title;
  std::string experiment;
  int interestingness = 0;  // 1..10
  int feasibility = 0;      // 1..10
  int novelty = 0;          // 1..10 (the model's own rating)
  // Our literature verdict: "novel" | "not_novel" | "unknown" | "unchecked".
  std::string novelty_status = "unchecked";
  std::string novelty_evidence;  // relative path of the evidence file, "" when none
  // Open-ended mode: the review's overall score once the idea finished (0 = it
  // failed); < 0 = not researched yet. Shown to the model when it proposes more.
  double score = -1;
  // The CallTag.turn range [first, last] of the calls that generated it (-1 = unknown,
  // e.g. a seed). A resumed generation continues after the largest `last`.
  int first_turn = -1;
  int last_turn = -1;
};

struct TemplateInfo {
  std::string name;              // directory name
  std::string system;            // prompt.json "system"
  std::string task_description;  // prompt.json "task_description"
  std::string code;              // experiment.py
  std::vector<Idea> seeds;       // seed_ideas.json
};

// Reads prompt.json, experiment.py and seed_ideas.json (optional) from `dir`.
// Errors: kNotFound naming the missing file, kParse for malformed JSON.
Result<TemplateInfo> load_template_info(const std::filesystem::path& dir);

// ideas.json <-> ideas. load: a missing file is an empty archive; kParse when corrupt.
Result<std::vector<Idea>> load_archive(const std::filesystem::path& path);
Status save_archive(const std::filesystem::path& path, const std::vector<Idea>& ideas);
std::string idea_to_json(const Idea& idea, int indent = -1);
Result<Idea> idea_from_json(const std::string& text);

// "Grok ../Faster!" -> "grok_faster"; "" when nothing usable remains. At most 64 chars.
std::string make_safe_name(std::string_view raw);

// Turns a model's idea JSON object text into a valid Idea, or explains why not
// (kInvalidArgument, message is fed back to the model): required fields, ratings
// 1..10, name made safe, and no near-duplicate of `archive`.
Result<Idea> validate_idea(const std::string& json_text, const std::vector<Idea>& archive);

// The reason `idea` duplicates an archive entry (same name, or very similar title or
// experiment text), or nullopt.
std::optional<std::string> find_duplicate(const Idea& idea, const std::vector<Idea>& archive);

// The JSON object in a model reply: the last ```json fenced block, else the first
// balanced {...}. nullopt when there is none.
std::optional<std::string> extract_json_object(std::string_view reply);

struct GenerateOptions {
  int num_ideas = 50;    // new ideas wanted in the archive in total (resume counts existing)
  int reflections = 3;   // self-reflection rounds per idea (stops early on "I am done")
  std::string model;
  std::optional<double> temperature = 0.75;
  int max_output_tokens = 4096;
  std::filesystem::path archive_path;  // ideas.json; created with the seeds when absent
  // CallTag.turn of the first call; -1 = after the turns recorded in the archive (so a
  // resumed or later generation continues the count and repeats the prompts of an idea
  // cut off mid-way, which the call journal then answers).
  int first_turn = -1;
};

// Records an idea's final score in the archive (open-ended mode). kNotFound when the
// idea is not in the archive.
Status record_score(const std::filesystem::path& archive_path, const std::string& name, double score);

struct GenerateReport {
  std::vector<Idea> archive;         // seeds + every idea, in order
  std::vector<Idea> added;           // ideas added by this call
  std::vector<std::string> dropped;  // one reason per dropped attempt
  int llm_calls = 0;
  double cost_usd = 0;
};

// Continues the archive at options.archive_path until it holds num_ideas generated
// ideas (seeds not counted), with at most num_ideas attempts in this call. A bad reply
// gets one repair retry, then the attempt is dropped with a logged reason. `on_idea`
// runs after each idea is saved (the pipeline mirrors it into the store). Every call
// carries CallTag{"", "ideas", "ideas", turn}. Errors: LLM errors that stop the batch
// (kBudgetExceeded, kCancelled, kAuth, ...) after saving finished ideas; kIo when the
// archive cannot be written; kParse when the existing archive is corrupt.
Result<GenerateReport> generate_ideas(llm::LlmClient& llm, const TemplateInfo& info, const GenerateOptions& options,
                                      const std::function<void(const Idea&)>& on_idea = {});

}  // namespace sci::ideas
