// Result manifest scanning; see result_files.h. Arrays are described by their length
// and element type and only their first element is recursed into, so a long training
// curve costs one line, not thousands.
#include "experiment/result_files.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
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

// Lists the regular files below idea_dir/run_name (links are reported, never followed;
// at most kMaxRunFilesWalked entries are looked at) into out.other_files.
void list_run_files(const stdfs::path& idea_dir, const std::string& run_name, size_t max_files, ResultManifest& out,
                    size_t& files_skipped) {
  constexpr size_t kMaxRunFilesWalked = 20000;
  size_t walked = 0;
  std::vector<stdfs::path> pending = {run_name};
  while (!pending.empty()) {
    const stdfs::path rel_dir = pending.back();
    pending.pop_back();
    auto listing = fs::list_dir_beneath(idea_dir, idea_dir / rel_dir);
    if (!listing.ok()) {
      out.warnings.push_back(fmt::format("{}: {}", rel_dir.generic_string(), listing.error().message));
      continue;
    }
    if (listing->truncated)
      out.warnings.push_back(fmt::format("{} holds more than {} entries: the rest are not listed",
                                         rel_dir.generic_string(), fs::kMaxDirEntries));
    for (const auto& e : listing->entries) {
      if (++walked > kMaxRunFilesWalked) {
        out.warnings.push_back(fmt::format("{} holds more than {} files: the rest are not listed", run_name,
                                           kMaxRunFilesWalked));
        return;
      }
      const stdfs::path rel = rel_dir / e.name;
      if (e.kind == fs::EntryKind::kSymlink) {
        out.warnings.push_back(fmt::format("{} is a symbolic link: not followed", rel.generic_string()));
      } else if (e.kind == fs::EntryKind::kDirectory) {
        pending.push_back(rel);
      } else if (e.kind == fs::EntryKind::kFile && rel.generic_string() != run_name + "/final_info.json") {
        if (out.other_files.size() >= max_files) {
          ++files_skipped;
          continue;
        }
        out.other_files.push_back({rel.generic_string(), e.size_bytes});
      }
    }
  }
}

}  // namespace

ResultManifest scan_results(const stdfs::path& idea_dir, size_t max_keys, size_t max_files) {
  ResultManifest out;
  KeyAccumulator acc;
  std::vector<std::pair<int, stdfs::path>> run_dirs;
  auto top = fs::list_dir_beneath(idea_dir, idea_dir);
  if (!top.ok()) {
    out.warnings.push_back(fmt::format("cannot list {}: {}", idea_dir.string(), top.error().message));
    return out;
  }
  for (const auto& e : top->entries) {
    int index = 0;
    if (!parse_run_dir(e.name, &index)) continue;
    if (e.kind == fs::EntryKind::kSymlink)
      out.warnings.push_back(fmt::format("{} is a symbolic link: not read (results are read without following links)",
                                         e.name));
    else if (e.kind == fs::EntryKind::kDirectory)
      run_dirs.emplace_back(index, idea_dir / e.name);
  }
  std::sort(run_dirs.begin(), run_dirs.end());
  size_t files_skipped = 0;
  for (const auto& [index, dir] : run_dirs) {
    const std::string run_name = dir.filename().string();
    auto text = fs::read_file_beneath(idea_dir, stdfs::path(run_name) / "final_info.json", fs::kMaxResultFileBytes);
    auto parsed = text.ok() ? json::parse(*text, run_name + "/final_info.json") : Result<json::Json>(text.error());
    if (parsed.ok()) {
      out.runs.push_back(index);
      acc.add("", *parsed, index);
    } else if (parsed.error().code != ErrorCode::kNotFound) {
      out.warnings.push_back(fmt::format("{}/final_info.json: {}", run_name, parsed.error().message));
    }
    list_run_files(idea_dir, run_name, max_files, out, files_skipped);
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
