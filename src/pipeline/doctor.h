// Pre-flight checks (`scientist doctor` and the start of `scientist run`): tools,
// interpreter and imports, sandbox, disk, API keys. Each check is OK/WARN/FAIL with
// the exact fix, and whether the configured LLM endpoints answer. No paid call is made
// before these pass.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace sci::pipeline {

enum class CheckStatus { kOk, kWarn, kFail };
const char* check_status_name(CheckStatus s);

struct Check {
  std::string name;    // "pdflatex", "python import torch", ...
  CheckStatus status = CheckStatus::kOk;
  std::string detail;  // what was found
  std::string fix;     // empty when OK
};

enum class PdfMode { kRequired, kSkipped };  // kSkipped with --no-pdf

struct DoctorOptions {
  std::optional<std::filesystem::path> template_dir;
  std::string interpreter = "/usr/bin/python3";
  std::filesystem::path results_dir = "results";
  PdfMode pdf = PdfMode::kRequired;
  std::uint64_t min_free_disk_mb = 2048;
  std::map<std::string, std::string> environment;  // for key checks; names only are reported
  std::string sandbox_level = "auto";  // sandbox.level: the level whose limits are reported
  // LLM endpoints to probe (base URLs of the configured providers; see llm_endpoints()).
  // Any HTTP answer counts as reachable; no answer within the timeout is a WARN.
  std::vector<std::string> llm_endpoints;
  int endpoint_timeout_ms = 3000;
};

// The base URLs of the providers the configured models use (every role; a replayed
// run has none).
std::vector<std::string> llm_endpoints(const config::Config& config);

struct DoctorReport {
  std::vector<Check> checks;
  bool can_run = false;  // every check required to run the template is not FAIL
};

DoctorReport run_doctor(const DoctorOptions& options);

// Top-level Python modules imported by the template's .py files (not stdlib ones
// that always exist are filtered later by actually importing them).
std::vector<std::string> template_imports(const std::filesystem::path& template_dir);

}  // namespace sci::pipeline
