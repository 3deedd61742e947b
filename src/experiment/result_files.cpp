// Result manifest scanning; see result_files.h. Arrays are described by their length
// and element type and only their first element is recursed into, so a long training
// curve costs one line, not thousands.
#include "experiment/result_files.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

namespace {

bool parse_run_dir(const std::string& name, int* index) {
  if (!str::starts_with(name, "run_") || name.size() == 4 || name.size() > 12) return false;
  for (size_t i = 4; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  *index = std::stoi(name.substr(4));
  return true;
}

std::string type_name(const json::Json& j) {
  if (j.is_number()) return "number";
  if (j.is_string()) return "string";
  if (j.is_boolean()) return "bool";
  if (j.is_null()) return "null";
  if (j.is_object()) return "object";
  if (j.is_array()) {
    std::string elem = j.empty() ? "nothing" : type_name(j.front());
    bool mixed = false;
    for (const auto& e : j)
      if (type_name(e) != elem) mixed = true;
    return fmt::format("array[{}] of {}", j.size(), mixed ? "mixed" : elem);
  }
  return "unknown";
}

std::string shorten(std::string s, size_t max_chars) {
  if (s.size() <= max_chars) return s;
  return s.substr(0, max_chars) + "...";
}

std::string example_of(const json::Json& j) {
  if (j.is_array()) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < j.size() && i < 3; ++i) parts.push_back(shorten(json::dump(j[i]), 30));
    return "[" + str::join(parts, ", ") + (j.size() > 3 ? ", ...]" : "]");
  }
  if (j.is_object()) return fmt::format("{{{} keys}}", j.size());
  return shorten(json::dump(j), 60);
}

struct KeyAccumulator {
  std::map<std::string, ResultKey> keys;
  void add(const std::string& path, const json::Json& j, int run) {
    auto& k = keys[path];
    if (k.path.empty()) {
      k.path = path;
      k.type = type_name(j);
      k.example = example_of(j);
    }
    if (k.runs.empty() || k.runs.back() != run) k.runs.push_back(run);
    if (j.is_object()) {
      for (const auto& [name, value] : j.items()) add(path.empty() ? name : path + "." + name, value, run);
    } else if (j.is_array() && !j.empty() && (j.front().is_object() || j.front().is_array())) {
      add(path + "[0]", j.front(), run);
    }
  }
};

std::string runs_text(const std::vector<int>& runs, const std::vector<int>& all) {
  if (runs == all) return "all runs";
  std::vector<std::string> parts;
  for (int r : runs) parts.push_back(std::to_string(r));
  return "runs " + str::join(parts, ", ");
}

}  // namespace

ResultManifest scan_results(const stdfs::path& idea_dir, size_t max_keys, size_t max_files) {
  ResultManifest out;
  KeyAccumulator acc;
  std::vector<std::pair<int, stdfs::path>> run_dirs;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(idea_dir, ec)) {
    int index = 0;
    std::error_code e_ec;
    if (e.is_directory(e_ec) && parse_run_dir(e.path().filename().string(), &index)) run_dirs.emplace_back(index, e.path());
  }
  if (ec) out.warnings.push_back(fmt::format("cannot list {}: {}", idea_dir.string(), ec.message()));
  std::sort(run_dirs.begin(), run_dirs.end());
  size_t files_skipped = 0;
  for (const auto& [index, dir] : run_dirs) {
    const std::string run_name = dir.filename().string();
    auto info_path = dir / "final_info.json";
    auto parsed = json::parse_file(info_path.string());
    if (parsed.ok()) {
      out.runs.push_back(index);
      acc.add("", *parsed, index);
    } else if (parsed.error().code != ErrorCode::kNotFound) {
      out.warnings.push_back(fmt::format("{}/final_info.json: {}", run_name, parsed.error().message));
    }
    std::error_code w_ec;
    for (auto it = stdfs::recursive_directory_iterator(dir, stdfs::directory_options::skip_permission_denied, w_ec);
         it != stdfs::recursive_directory_iterator(); it.increment(w_ec)) {
      if (w_ec) break;
      std::error_code f_ec;
      if (!it->is_regular_file(f_ec) || it->is_symlink(f_ec)) continue;
      std::string rel = stdfs::relative(it->path(), idea_dir, f_ec).generic_string();
      if (rel == run_name + "/final_info.json") continue;
      if (out.other_files.size() >= max_files) {
        ++files_skipped;
        continue;
      }
      out.other_files.push_back({rel, it->file_size(f_ec)});
    }
  }
  acc.keys.erase("");
  std::vector<int> all_runs = out.runs;
  size_t keys_skipped = 0;
  for (auto& [path, key] : acc.keys) {
    if (out.keys.size() >= max_keys) {
      ++keys_skipped;
      continue;
    }
    out.keys.push_back(std::move(key));
  }
  std::sort(out.other_files.begin(), out.other_files.end(),
            [](const ResultFile& a, const ResultFile& b) { return a.path < b.path; });
  if (keys_skipped) out.warnings.push_back(fmt::format("{} more key paths not listed", keys_skipped));
  if (files_skipped) out.warnings.push_back(fmt::format("{} more files not listed", files_skipped));
  return out;
}

std::string format_manifest(const ResultManifest& m) {
  std::string out;
  if (m.runs.empty()) {
    out += "No run directory has a final_info.json yet.\n";
  } else {
    std::vector<std::string> names;
    for (int r : m.runs) names.push_back(fmt::format("run_{}", r));
    out += fmt::format("Runs with results: {} (run_0 is the baseline).\n\n", str::join(names, ", "));
    out += "Keys in run_<i>/final_info.json (path: type, example value, where present):\n";
    for (const auto& k : m.keys)
      out += fmt::format("- `{}`: {}, e.g. {} ({})\n", k.path, k.type, k.example, runs_text(k.runs, m.runs));
  }
  if (!m.other_files.empty()) {
    out += "\nOther files the runs wrote:\n";
    for (const auto& f : m.other_files) out += fmt::format("- `{}` ({} bytes)\n", f.path, f.size_bytes);
  } else {
    out += "\nThe runs wrote no other files.\n";
  }
  for (const auto& w : m.warnings) out += "Note: " + w + "\n";
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace sci::experiment
