// run_i/final_info.json: the results contract between a template and scientist:
// {dataset_or_task: {"means": {metric: number}, "stderrs": {metric: number}?}}.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sci::templates {

struct DatasetResults {
  std::map<std::string, double> means;
  std::map<std::string, double> stderrs;  // may be empty
};

struct FinalInfo {
  std::map<std::string, DatasetResults> datasets;  // by dataset/task name
  std::vector<std::string> warnings;               // ignored non-numeric entries, ...
  // Every metric name that appears in any dataset, sorted.
  std::vector<std::string> metric_names() const;
};

// Parses and validates. kParse with a message naming the exact problem and the
// expected shape (e.g. "dataset 'moons': 'means' must be an object of numbers").
Result<FinalInfo> parse_final_info(std::string_view text, std::string_view what);
// kNotFound: "run_1/final_info.json missing: experiment.py must write it to --out_dir".
// A run wrote the file and its directory: neither may be a symbolic link (only the
// directory above, the idea directory, is trusted) and the file is at most
// fs::kMaxResultFileBytes; kInvalidArgument says which rule it broke.
Result<FinalInfo> load_final_info(const std::filesystem::path& path);

}  // namespace sci::templates
