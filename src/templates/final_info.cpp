// Parsing and validation of final_info.json; see final_info.h.
#include "templates/final_info.h"

#include <set>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"

namespace sci::templates {

namespace {
constexpr const char* kShape =
    "expected {\"<dataset>\": {\"means\": {\"<metric>\": number, ...}, \"stderrs\": {...}}}";

Result<std::map<std::string, double>> numbers_of(const json::Json& obj, const std::string& dataset,
                                                 const char* field, std::vector<std::string>& warnings,
                                                 std::string_view what) {
  std::map<std::string, double> out;
  if (!obj.is_object())
    return make_error(ErrorCode::kParse,
                      fmt::format("{}: dataset '{}': '{}' must be an object of numbers; {}", what, dataset, field, kShape));
  for (const auto& [metric, value] : obj.items()) {
    if (value.is_number()) {
      out[metric] = value.get<double>();
    } else if (value.is_array() && !value.empty() && value.back().is_number()) {
      // Some templates log a curve; its last value is the final number.
      out[metric] = value.back().get<double>();
      warnings.push_back(fmt::format("dataset '{}': {} '{}' is a list; using its last value", dataset, field, metric));
    } else {
      warnings.push_back(fmt::format("dataset '{}': {} '{}' is not a number; ignored", dataset, field, metric));
    }
  }
  return out;
}
}  // namespace

std::vector<std::string> FinalInfo::metric_names() const {
  std::set<std::string> names;
  for (const auto& [_, d] : datasets)
    for (const auto& [m, __] : d.means) names.insert(m);
  return {names.begin(), names.end()};
}

Result<FinalInfo> parse_final_info(std::string_view text, std::string_view what) {
  SCI_ASSIGN_OR_RETURN(json::Json root, json::parse(text, what));
  if (!root.is_object() || root.empty())
    return make_error(ErrorCode::kParse, fmt::format("{}: must be a non-empty JSON object; {}", what, kShape));
  FinalInfo info;
  for (const auto& [dataset, body] : root.items()) {
    if (!body.is_object() || !body.contains("means"))
      return make_error(ErrorCode::kParse,
                        fmt::format("{}: dataset '{}' has no \"means\" object; {}", what, dataset, kShape));
    DatasetResults d;
    SCI_ASSIGN_OR_RETURN(d.means, numbers_of(body["means"], dataset, "means", info.warnings, what));
    if (d.means.empty())
      return make_error(ErrorCode::kParse, fmt::format("{}: dataset '{}' has no numeric means; {}", what, dataset, kShape));
    if (body.contains("stderrs") && !body["stderrs"].is_null()) {
      SCI_ASSIGN_OR_RETURN(d.stderrs, numbers_of(body["stderrs"], dataset, "stderrs", info.warnings, what));
    }
    info.datasets[dataset] = std::move(d);
  }
  return info;
}

Result<FinalInfo> load_final_info(const std::filesystem::path& path) {
  std::filesystem::path trusted = path.parent_path().parent_path();
  if (trusted.empty()) trusted = ".";
  auto text = fs::read_file_beneath(trusted, path, fs::kMaxResultFileBytes);
  if (!text.ok()) {
    if (text.error().code == ErrorCode::kNotFound)
      return make_error(ErrorCode::kNotFound,
                        fmt::format("{} missing: experiment.py must write final_info.json into its --out_dir",
                                    path.string()));
    return text.error();
  }
  return parse_final_info(*text, path.string());
}

}  // namespace sci::templates
