// Loading an idea directory's machine-written facts; see run_data.h.
#include "writeup/run_data.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"

namespace sci::writeup {

namespace stdfs = std::filesystem;

namespace {

void flatten(const json::Json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], fmt::format("{}[{}]", prefix, i), out);
  } else if (j.is_string()) {
    out[prefix] = j.get<std::string>();
  } else if (j.is_boolean()) {
    out[prefix] = j.get<bool>() ? "true" : "false";
  } else if (j.is_number_integer()) {
    out[prefix] = std::to_string(j.get<long long>());
  } else if (j.is_number()) {
    out[prefix] = fmt::format("{}", j.get<double>());
  }
}

}  // namespace

Result<std::string> read_idea_file(const stdfs::path& idea_dir, const stdfs::path& rel) {
  return fs::read_file_beneath(idea_dir, rel, fs::kMaxSourceFileBytes);
}

Result<std::map<std::string, std::string>> flatten_json_text(const std::string& text, const std::string& what) {
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse(text, what));
  std::map<std::string, std::string> out;
  flatten(j, "", out);
  return out;
}

Result<IdeaData> load_idea_data(const stdfs::path& idea_dir, const templates::Manifest* manifest) {
  std::error_code ec;
  if (!stdfs::is_directory(idea_dir, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("idea directory {} does not exist", idea_dir.string()));
  IdeaData data;
  data.dir = idea_dir;
  static const std::regex kRunDir(R"(^run_(\d+)$)");
  SCI_ASSIGN_OR_RETURN(fs::DirListing listing, fs::list_dir_beneath(idea_dir, idea_dir));
  for (const auto& e : listing.entries) {
    std::smatch m;
    if (!std::regex_match(e.name, m, kRunDir)) continue;
    if (e.kind == fs::EntryKind::kSymlink) {
      data.warnings.push_back(fmt::format("{} is a symbolic link: its results are not used (a run's results are "
                                          "read without following links)",
                                          e.name));
      continue;
    }
    if (e.kind != fs::EntryKind::kDirectory) continue;
    const stdfs::path run_dir = idea_dir / e.name;
    auto info = templates::load_final_info(run_dir / "final_info.json");
    if (!info.ok()) {
      if (info.error().code == ErrorCode::kNotFound) continue;
      if (info.error().code == ErrorCode::kParse) return info.error();
      data.warnings.push_back(info.error().message + ": its results are not used");
      continue;
    }
    RunData run;
    run.index = std::stoi(m[1].str());
    run.info = std::move(*info);
    if (auto env = read_idea_file(idea_dir, e.name + "/environment.json"); env.ok()) {
      auto flat = flatten_json_text(*env, e.name + "/environment.json");
      if (flat.ok()) run.environment = std::move(*flat);
      else data.warnings.push_back(flat.error().to_string());
    }
    auto code = read_idea_file(idea_dir, fmt::format("run_{}.py", run.index));
    if (!code.ok() && run.index == 0) code = read_idea_file(idea_dir, "experiment.py");
    if (code.ok()) run.code = std::move(*code);
    data.runs.push_back(std::move(run));
  }
  if (data.runs.empty())
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no run_i/final_info.json under {}: run the experiments first", idea_dir.string()));
  std::sort(data.runs.begin(), data.runs.end(), [](const RunData& a, const RunData& b) { return a.index < b.index; });

  if (auto toml = read_idea_file(idea_dir, "template.toml"); toml.ok()) data.template_toml = std::move(*toml);
  static const std::regex kSeeds(R"((^|\n)\s*(num_)?seeds\s*=\s*(\d+))");
  std::smatch sm;
  if (std::regex_search(data.template_toml, sm, kSeeds)) data.seeds = std::stoi(sm[3].str());
  if (manifest) {
    for (const auto& [name, spec] : manifest->metrics) data.directions[name] = spec.direction;
    data.page_limit = manifest->page_limit;
  }
  return data;
}

}  // namespace sci::writeup
