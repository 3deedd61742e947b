// The machine-written facts of an idea directory that the paper may state: every
// run_i/final_info.json, run_i/environment.json, template.toml and the run_i.py
// snapshots. notes.txt is deliberately not read here (a model writes it).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::writeup {

struct RunData {
  int index = 0;  // run_<index>; 0 is the baseline
  templates::FinalInfo info;
  // environment.json flattened: "gpu.model" -> "NVIDIA H100 80GB HBM3",
  // "packages.torch" -> "2.3.1"; numbers as JSON writes them. Empty when absent.
  std::map<std::string, std::string> environment;
  std::string code;  // run_<index>.py snapshot ("" when absent; run_0 uses experiment.py)
};

struct IdeaData {
  std::filesystem::path dir;
  std::vector<RunData> runs;                                // ascending index, only runs with final_info.json
  std::map<std::string, templates::Direction> directions;   // metric -> direction (from the manifest)
  std::string template_toml;                                // raw text, "" when absent
  int seeds = 0;                                            // declared seeds ("seeds = N" in template.toml); 0 unknown
  int page_limit = 0;
  std::vector<std::string> warnings;                        // unreadable environment.json, ...
};

// Reads run_*/ under `idea_dir`. `manifest` (may be null) supplies metric directions and
// the page limit. Errors: kNotFound when `idea_dir` does not exist or has no run with a
// final_info.json ("no run_i/final_info.json under DIR: run the experiments first");
// kParse for a malformed final_info.json (message names the file).
Result<IdeaData> load_idea_data(const std::filesystem::path& idea_dir, const templates::Manifest* manifest);

// Reads a file a run or the model may have written (relative to idea_dir): no symbolic
// link followed, at most fs::kMaxSourceFileBytes. The writeup's only way into the idea directory.
Result<std::string> read_idea_file(const std::filesystem::path& idea_dir, const std::filesystem::path& rel);

// Flattens a JSON document's scalars into dotted paths (arrays use [i]). kParse on bad JSON.
Result<std::map<std::string, std::string>> flatten_json_text(const std::string& text, const std::string& what);

}  // namespace sci::writeup
