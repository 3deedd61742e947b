// `template check`: validates a template directory against the contract in
// docs/templates.md (files, JSON shapes, LaTeX skeleton, figures, metric directions)
// and reports every problem with its fix. Pure file inspection; runs nothing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "templates/manifest.h"

namespace sci::templates {

enum class Severity { kError, kWarning };
const char* severity_name(Severity s);  // "error", "warning"

struct Problem {
  Severity severity = Severity::kError;
  std::string file;     // relative to the template, e.g. "seed_ideas.json"; "" for the directory
  std::string message;  // what is wrong
  std::string fix;      // what to do about it
};

struct CheckOptions {
  // `--metric-direction NAME=lower|higher` overrides, applied after template.toml.
  std::vector<std::string> metric_directions;
};

struct CheckReport {
  Manifest manifest;              // as loaded (defaults when template.toml was unusable)
  std::vector<Problem> problems;  // errors first, then warnings, each in check order
  std::vector<std::string> metrics;  // metric names found in run_0/final_info.json (sorted)
  bool has_baseline = false;         // run_0/final_info.json exists and parses
  bool ok() const;                   // no errors (warnings allowed)
  int error_count() const;
  int warning_count() const;
};

// Checks `dir`. Never fails: every problem (including a missing directory or an
// unparsable template.toml) is a Problem in the report.
CheckReport check_template(const std::filesystem::path& dir, const CheckOptions& options = {});

// Every `\includegraphics{...}` target in LaTeX source (comments stripped), in order.
std::vector<std::string> includegraphics_targets(const std::string& tex);

}  // namespace sci::templates
