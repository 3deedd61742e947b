// The template manifest: template.toml (optional) plus defaults. Holds what the
// generated code must not control: interpreter, commands, timeouts, limits, network,
// protected files, data dirs, page limit, local literature and metric directions.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sci::templates {

enum class Direction { kUnknown, kLower, kHigher };  // which way is better
const char* direction_name(Direction d);             // "unknown", "lower", "higher"

struct MetricSpec {
  std::string name;        // key in final_info.json "means"
  Direction direction = Direction::kUnknown;
  std::string human_name;  // for tables and prompts; defaults to name
};

enum class Network { kOff, kOn };

struct Manifest {
  std::filesystem::path dir;  // template root (absolute)
  std::string name;           // directory name
  std::string title;
  std::string interpreter = "/usr/bin/python3";
  // argv templates; "{interpreter}" and "{out_dir}" are substituted.
  std::vector<std::string> run_command = {"{interpreter}", "experiment.py", "--out_dir={out_dir}"};
  std::vector<std::string> plot_command = {"{interpreter}", "plot.py"};
  int run_timeout_s = 7200;
  int plot_timeout_s = 600;
  int memory_mb = 0;       // 0 = no address-space limit beyond config
  int max_processes = 0;   // 0 = config default
  int disk_quota_mb = 0;   // 0 = config default
  Network network = Network::kOff;
  std::vector<std::string> protected_files;  // relative paths hashed before/after runs
  std::vector<std::string> data_dirs;        // relative to the template, bound read-only
  int page_limit = 0;                        // 0 = none
  std::string literature_bib;                // relative path, "" when absent
  std::map<std::string, MetricSpec> metrics;  // by metric name
  std::vector<std::string> warnings;          // e.g. "no template.toml: defaults apply"
  bool has_toml = false;                      // template.toml was present and read

  Direction direction_of(const std::string& metric) const;
  // The metric's human name, or the metric itself when none was declared.
  std::string human_name_of(const std::string& metric) const;
};

// Parses "lower"/"higher" (also "min"/"max"); kInvalidArgument otherwise.
Result<Direction> parse_direction(std::string_view text);

// Applies a `--metric-direction NAME=lower|higher` override (wins over template.toml).
// kInvalidArgument for a malformed spec, naming the expected form.
Status apply_metric_direction(Manifest& manifest, std::string_view spec);

// argv of the run (or plot) command with {interpreter} and {out_dir} substituted. A
// Python interpreter gets `-s` (no user site: nothing a run left under ~/.local is
// imported). The script's own directory stays on sys.path: a run may import modules
// that sit beside experiment.py (the template's and the model's own files).
std::vector<std::string> expand_command(const Manifest& manifest, const std::vector<std::string>& command,
                                        const std::string& out_dir);

// Reads <dir>/template.toml if present; defaults otherwise. Errors: kNotFound (no
// such directory), kParse ("template.toml:LINE: ..."), kInvalidArgument (bad values,
// e.g. direction "smaller"). `toml_path` non-empty: the manifest is read from that file
// instead (an idea directory's prepare-time copy); `dir` is still the template directory.
Result<Manifest> load_manifest(const std::filesystem::path& dir, const std::filesystem::path& toml_path = {});

}  // namespace sci::templates
