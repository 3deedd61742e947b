// `template baseline`: runs a template's experiment (run_0) and plot.py once on this
// machine, records the runtimes and figures in run_0/baseline.json, and reuses that
// cache until experiment.py or plot.py changes.
#pragma once

#include <atomic>

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::templates {

enum class BaselineMode { kUseCache, kForce };

struct BaselineOptions {
  BaselineMode mode = BaselineMode::kUseCache;
  // Overrides of the manifest's timeouts (0 = use the manifest's).
  int run_timeout_s = 0;
  int plot_timeout_s = 0;
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C: the running command is killed (group and all)
};

// What run_0/baseline.json records.
struct BaselineInfo {
  std::string experiment_sha256;  // of experiment.py when run_0 was made
  std::string plot_sha256;        // of plot.py
  double run_wall_s = 0;
  double plot_wall_s = 0;
  std::vector<std::string> figures;  // PNG names plot.py wrote (copies in run_0/figures/)
  std::string created_at;            // ISO-8601 UTC
  std::string interpreter;
};

struct BaselineResult {
  BaselineInfo info;
  FinalInfo results;  // run_0/final_info.json
  bool cached = false;  // true when the existing run_0 was still valid
};

// Reads run_0/baseline.json. kNotFound when absent, kParse when malformed.
Result<BaselineInfo> load_baseline_info(const std::filesystem::path& template_dir);
// Whether run_0 is a valid cache for the current experiment.py/plot.py.
bool baseline_is_current(const std::filesystem::path& template_dir);

// Produces (or reuses) run_0 in `manifest.dir`: runs the manifest's run command with
// out_dir=run_0 in the template directory, then its plot command in a scratch copy
// (so the template stays clean), copying the PNGs into run_0/figures/.
// Errors: kExternalTool (the experiment or plot.py failed: message has the exit
// status and the output tail), kTimeout, kNotFound (interpreter or final_info.json
// missing), kParse (bad final_info.json), kIo.
Result<BaselineResult> run_baseline(const Manifest& manifest, const BaselineOptions& options = {});

}  // namespace sci::templates
