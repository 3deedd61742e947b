// The result manifest shown to the plotting model: every key path in the runs'
// final_info.json with its type and an example value, plus every other file the runs
// wrote with its size, so plot.py is written against the real structure, not a guess.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sci::experiment {

struct ResultKey {
  std::string path;               // "moons.means.accuracy"; array elements as "[0]"
  std::string type;               // "number", "string", "bool", "null", "array[12] of number", "object"
  std::string example;            // one example value, shortened
  std::vector<int> runs;          // run indices whose final_info.json has this path
};

struct ResultFile {
  std::string path;               // relative to the idea directory, e.g. "run_1/train_log.npy"
  std::uintmax_t size_bytes = 0;
};

struct ResultManifest {
  std::vector<int> runs;              // run_<i> directories with a final_info.json, sorted
  std::vector<ResultKey> keys;        // sorted by path
  std::vector<ResultFile> other_files;  // sorted by path
  std::vector<std::string> warnings;  // unreadable or unparsable files
};

// Scans run_<i>/ directories (digits only; attempts/ is never scanned) of `idea_dir`.
// Never fails: problems become warnings. Lists at most `max_keys` key paths and
// `max_files` other files (the rest are counted in a warning).
ResultManifest scan_results(const std::filesystem::path& idea_dir, size_t max_keys = 400, size_t max_files = 200);

// The manifest as text for the model (markdown lists).
std::string format_manifest(const ResultManifest& manifest);

}  // namespace sci::experiment
