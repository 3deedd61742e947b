// The batch's run record (<batch>/run_config.json): what `scientist run` was asked to
// do, the effective configuration with secrets redacted, the tool version and the
// template's content hash. Written at start; `scientist resume` reads it back so a
// batch continues with the settings it started with (flags given to resume win).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "config/config.h"

namespace sci::pipeline {

// Everything `run` needs beyond the configuration keys.
struct RunRequest {
  std::filesystem::path template_dir;  // absolute
  std::filesystem::path batch_dir;     // absolute; batch.json, ideas and scientist.db live here
  int num_ideas = 2;
  bool run_unknown = false;    // research ideas whose novelty check was inconclusive
  bool improve = false;        // one improvement round after the review
  bool no_pdf = false;         // stop the writeup at a checked .tex (no pdflatex needed)
  bool no_literature = false;  // skip novelty checks and citation rounds
  bool open_ended = false;     // generate ideas one at a time, seeing earlier scores
  std::string stop_after;      // stage name or ""
  std::string from_stage;      // stage name or ""
  std::string pause_at;        // "idea" | "plan" | "draft" | ""
  std::filesystem::path ideas_file;  // use these ideas instead of generating
  std::filesystem::path replay;      // answer LLM calls from this cassette
  bool unsafe_no_sandbox = false;    // allow --sandbox none
};

// sha256 over the template's files (relative path + content hash, sorted), so a
// template edited between run and resume is noticed. Errors: kIo.
Result<std::string> template_hash(const std::filesystem::path& template_dir);

// Writes run_config.json in request.batch_dir (atomically). Keys whose value is not
// the default are saved under "settings" (secrets never: they are re-read from the
// environment); tables (providers, prices) under "tables".
Status write_run_record(const RunRequest& request, const config::Config& config);

struct RunRecord {
  RunRequest request;
  std::map<std::string, std::string> settings;  // key -> textual value
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> tables;
  std::string template_hash;
  std::string version;
  std::string started_at;
};

// Reads <batch_dir>/run_config.json. kNotFound names the file and says how to start
// a batch; kParse when it is corrupt.
Result<RunRecord> read_run_record(const std::filesystem::path& batch_dir);

// Applies saved settings to `config` at file precedence, so flags and environment
// given to `resume` still win.
Status apply_saved_settings(const RunRecord& record, config::Config& config);

}  // namespace sci::pipeline
