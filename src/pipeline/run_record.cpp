// run_config.json: written at the start of a batch, read back by `resume`.
#include "pipeline/run_record.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/time.h"
#include "base/version.h"

namespace sci::pipeline {
namespace {

constexpr const char* kRecordFile = "run_config.json";

json::Json request_to_json(const RunRequest& r) {
  return {{"template_dir", r.template_dir.string()}, {"batch_dir", r.batch_dir.string()},
          {"num_ideas", r.num_ideas},                {"run_unknown", r.run_unknown},
          {"improve", r.improve},                    {"no_pdf", r.no_pdf},
          {"no_literature", r.no_literature},        {"open_ended", r.open_ended},
          {"stop_after", r.stop_after},              {"from_stage", r.from_stage},
          {"pause_at", r.pause_at},                  {"ideas_file", r.ideas_file.string()},
          {"replay", r.replay.string()},             {"unsafe_no_sandbox", r.unsafe_no_sandbox}};
}

RunRequest request_from_json(const json::Json& j) {
  RunRequest r;
  r.template_dir = j.value("template_dir", "");
  r.batch_dir = j.value("batch_dir", "");
  r.num_ideas = j.value("num_ideas", 2);
  r.run_unknown = j.value("run_unknown", false);
  r.improve = j.value("improve", false);
  r.no_pdf = j.value("no_pdf", false);
  r.no_literature = j.value("no_literature", false);
  r.open_ended = j.value("open_ended", false);
  r.stop_after = j.value("stop_after", "");
  r.from_stage = j.value("from_stage", "");
  r.pause_at = j.value("pause_at", "");
  r.ideas_file = j.value("ideas_file", "");
  r.replay = j.value("replay", "");
  r.unsafe_no_sandbox = j.value("unsafe_no_sandbox", false);
  return r;
}

}  // namespace

Result<std::string> template_hash(const std::filesystem::path& template_dir) {
  std::error_code ec;
  std::vector<std::pair<std::string, std::filesystem::path>> files;
  std::filesystem::recursive_directory_iterator it(template_dir, ec), end;
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot read template {}: {}", template_dir.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const auto name = it->path().filename().string();
    // run_0/ is the machine-made baseline cache, not the template's content.
    if (it->is_directory(ec) && (name == "__pycache__" || name == ".git" || name == "run_0")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.emplace_back(std::filesystem::relative(it->path(), template_dir).string(), it->path());
  }
  std::sort(files.begin(), files.end());
  std::string manifest;
  for (const auto& [rel, path] : files) {
    SCI_ASSIGN_OR_RETURN(std::string h, fs::sha256_file(path));
    manifest += rel + "\t" + h + "\n";
  }
  return fs::sha256_hex(manifest);
}

Status write_run_record(const RunRequest& request, const config::Config& config) {
  json::Json settings = json::Json::object();
  for (const auto& key : config::registry()) {
    if (key.secret == config::Secret::kYes) continue;
    if (config.source_of(key.key) == config::Source::kDefault) continue;
    settings[key.key] = config.get_string(key.key);
  }
  json::Json tables = json::Json::object();
  for (const char* name : {"providers", "prices"})
    for (const auto& [entry, fields] : config.table(name))
      for (const auto& [field, value] : fields) tables[name][entry][field] = value;
  SCI_ASSIGN_OR_RETURN(std::string hash, template_hash(request.template_dir));
  json::Json j = {{"version", version()},
                  {"started_at", time::now_iso8601()},
                  {"template_hash", hash},
                  {"request", request_to_json(request)},
                  {"settings", settings},
                  {"tables", tables},
                  {"effective_config", config.show()}};
  return fs::write_file_atomic(request.batch_dir / kRecordFile, json::dump(j, 2) + "\n");
}

Result<RunRecord> read_run_record(const std::filesystem::path& batch_dir) {
  auto path = batch_dir / kRecordFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{} is not a batch directory ({} missing): start one with `scientist run --template DIR`",
                                  batch_dir.string(), kRecordFile));
  SCI_ASSIGN_OR_RETURN(json::Json j, json::parse_file(path.string()));
  RunRecord r;
  static const json::Json kEmpty = json::Json::object();
  auto object_at = [&](const char* key) -> const json::Json& {
    return j.contains(key) && j[key].is_object() ? j[key] : kEmpty;
  };
  r.request = request_from_json(object_at("request"));
  r.template_hash = j.value("template_hash", "");
  r.version = j.value("version", "");
  r.started_at = j.value("started_at", "");
  for (const auto& [k, v] : object_at("settings").items())
    if (v.is_string()) r.settings[k] = v.get<std::string>();
  for (const auto& [table, entries] : object_at("tables").items())
    for (const auto& [entry, fields] : entries.items())
      for (const auto& [field, value] : fields.items())
        if (value.is_string()) r.tables[table][entry][field] = value.get<std::string>();
  return r;
}

Status apply_saved_settings(const RunRecord& record, config::Config& config) {
  for (const auto& [key, value] : record.settings) {
    if (config.source_of(key) != config::Source::kDefault) continue;  // file/env/flag given now wins
    SCI_TRY(config.set(key, value, config::Source::kFile));
  }
  for (const auto& [table, entries] : record.tables)
    for (const auto& [entry, fields] : entries)
      for (const auto& [field, value] : fields) config.set_table_field_if_absent(table, entry, field, value);
  return ok_status();
}

}  // namespace sci::pipeline
