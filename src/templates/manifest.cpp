// template.toml reading and validation; see manifest.h. toml++ exceptions stop here.
#include "templates/manifest.h"

#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/strings.h"
#include "base/toml_limits.h"

namespace sci::templates {

namespace stdfs = std::filesystem;

namespace {

constexpr const char* kTopKeys[] = {"title",       "interpreter",     "run_command", "plot_command",
                                    "page_limit",  "literature",      "protected_files", "data_dirs",
                                    "timeouts",    "limits",          "metrics"};
constexpr const char* kTimeoutKeys[] = {"run_s", "plot_s"};
constexpr const char* kLimitKeys[] = {"memory_mb", "max_processes", "disk_quota_mb", "network"};
constexpr const char* kMetricKeys[] = {"direction", "name"};

template <size_t N>
void warn_unknown(const toml::table& table, const char* const (&known)[N], const std::string& where,
                  std::vector<std::string>& warnings) {
  for (const auto& [key, _] : table) {
    std::string k(key.str());
    bool found = false;
    std::string best;
    size_t best_distance = 3;  // only suggest close matches
    for (const char* candidate : known) {
      if (k == candidate) found = true;
      size_t d = str::edit_distance(k, candidate);
      if (d < best_distance) best_distance = d, best = candidate;
    }
    if (found) continue;
    std::string msg = fmt::format("template.toml: unknown key '{}{}' is ignored", where, k);
    if (!best.empty()) msg += fmt::format(" (did you mean '{}{}'?)", where, best);
    warnings.push_back(std::move(msg));
  }
}

Error bad(const toml::node& node, const std::string& message) {
  auto line = node.source().begin.line;
  return make_error(ErrorCode::kInvalidArgument, fmt::format("template.toml:{}: {}", line, message));
}

Result<std::string> get_string(const toml::table& t, const char* key, const std::string& what, std::string fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_string()) return bad(*n, fmt::format("'{}' must be a string", what));
  return std::string(n->as_string()->get());
}

Result<int> get_int(const toml::table& t, const char* key, const std::string& what, int fallback, int min_value) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_integer()) return bad(*n, fmt::format("'{}' must be an integer", what));
  auto v = n->as_integer()->get();
  if (v < min_value || v > 1000000000)
    return bad(*n, fmt::format("'{}' must be an integer >= {} (got {})", what, min_value, v));
  return static_cast<int>(v);
}

Result<std::vector<std::string>> get_strings(const toml::table& t, const char* key, const std::string& what,
                                             std::vector<std::string> fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_array()) return bad(*n, fmt::format("'{}' must be an array of strings", what));
  std::vector<std::string> out;
  for (const auto& item : *n->as_array()) {
    if (!item.is_string()) return bad(item, fmt::format("'{}' must be an array of strings", what));
    out.emplace_back(item.as_string()->get());
  }
  return out;
}

// A path inside the template: relative, no "..", so the experiment cannot point a
// protection or a literature file outside its own tree.
Status check_inside(const toml::table& t, const char* key, const std::string& path) {
  stdfs::path p(path);
  bool escapes = p.is_absolute() || path.empty();
  for (const auto& part : p)
    if (part == "..") escapes = true;
  if (escapes)
    return bad(*t.get(key), fmt::format("'{}' entry \"{}\" must be a relative path inside the template", key, path));
  return ok_status();
}

Status read_toml(const toml::table& root, Manifest& m) {
  warn_unknown(root, kTopKeys, "", m.warnings);
  SCI_ASSIGN_OR_RETURN(m.title, get_string(root, "title", "title", m.title));
  SCI_ASSIGN_OR_RETURN(m.interpreter, get_string(root, "interpreter", "interpreter", m.interpreter));
  if (m.interpreter.empty()) return bad(*root.get("interpreter"), "'interpreter' must not be empty");
  SCI_ASSIGN_OR_RETURN(m.run_command, get_strings(root, "run_command", "run_command", m.run_command));
  SCI_ASSIGN_OR_RETURN(m.plot_command, get_strings(root, "plot_command", "plot_command", m.plot_command));
  if (m.run_command.empty()) return bad(*root.get("run_command"), "'run_command' must not be empty");
  if (m.plot_command.empty()) return bad(*root.get("plot_command"), "'plot_command' must not be empty");
  bool has_out_dir = false;
  for (const auto& arg : m.run_command)
    if (arg.find("{out_dir}") != std::string::npos) has_out_dir = true;
  if (!has_out_dir)
    return bad(*root.get("run_command"),
               "'run_command' must pass the run directory, e.g. [\"{interpreter}\", \"experiment.py\", "
               "\"--out_dir={out_dir}\"]");
  SCI_ASSIGN_OR_RETURN(m.page_limit, get_int(root, "page_limit", "page_limit", m.page_limit, 0));
  SCI_ASSIGN_OR_RETURN(m.literature_bib, get_string(root, "literature", "literature", m.literature_bib));
  if (root.get("literature")) SCI_TRY(check_inside(root, "literature", m.literature_bib));
  SCI_ASSIGN_OR_RETURN(m.protected_files, get_strings(root, "protected_files", "protected_files", {}));
  for (const auto& p : m.protected_files) SCI_TRY(check_inside(root, "protected_files", p));
  SCI_ASSIGN_OR_RETURN(m.data_dirs, get_strings(root, "data_dirs", "data_dirs", {}));
  for (const auto& d : m.data_dirs)
    if (d.empty() || stdfs::path(d).is_absolute())
      return bad(*root.get("data_dirs"),
                 fmt::format("'data_dirs' entry \"{}\" must be relative to the template (e.g. \"../../data\")", d));

  if (const toml::node* n = root.get("timeouts")) {
    if (!n->is_table()) return bad(*n, "[timeouts] must be a table with run_s and plot_s");
    const toml::table& t = *n->as_table();
    warn_unknown(t, kTimeoutKeys, "timeouts.", m.warnings);
    SCI_ASSIGN_OR_RETURN(m.run_timeout_s, get_int(t, "run_s", "timeouts.run_s", m.run_timeout_s, 1));
    SCI_ASSIGN_OR_RETURN(m.plot_timeout_s, get_int(t, "plot_s", "timeouts.plot_s", m.plot_timeout_s, 1));
  }
  if (const toml::node* n = root.get("limits")) {
    if (!n->is_table()) return bad(*n, "[limits] must be a table");
    const toml::table& t = *n->as_table();
    warn_unknown(t, kLimitKeys, "limits.", m.warnings);
    SCI_ASSIGN_OR_RETURN(m.memory_mb, get_int(t, "memory_mb", "limits.memory_mb", m.memory_mb, 0));
    SCI_ASSIGN_OR_RETURN(m.max_processes, get_int(t, "max_processes", "limits.max_processes", m.max_processes, 0));
    SCI_ASSIGN_OR_RETURN(m.disk_quota_mb, get_int(t, "disk_quota_mb", "limits.disk_quota_mb", m.disk_quota_mb, 0));
    if (const toml::node* net = t.get("network")) {
      if (!net->is_boolean()) return bad(*net, "'limits.network' must be true or false");
      m.network = net->as_boolean()->get() ? Network::kOn : Network::kOff;
    }
  }
  if (const toml::node* n = root.get("metrics")) {
    if (!n->is_table()) return bad(*n, "[metrics] must hold one [metrics.NAME] table per metric");
    for (const auto& [key, value] : *n->as_table()) {
      std::string name(key.str());
      if (!value.is_table())
        return bad(value, fmt::format("[metrics.{}] must be a table: direction = \"lower\"|\"higher\", name = \"...\"",
                                      name));
      const toml::table& t = *value.as_table();
      warn_unknown(t, kMetricKeys, fmt::format("metrics.{}.", name), m.warnings);
      MetricSpec spec;
      spec.name = name;
      SCI_ASSIGN_OR_RETURN(std::string dir, get_string(t, "direction", "metrics." + name + ".direction", ""));
      if (dir.empty()) {
        m.warnings.push_back(fmt::format(
            "metric '{}' has no direction: add direction = \"lower\" or \"higher\" under [metrics.{}]", name, name));
      } else {
        auto d = parse_direction(dir);
        if (!d.ok()) return bad(*t.get("direction"), fmt::format("metrics.{}.direction: {}", name, d.error().message));
        spec.direction = *d;
      }
      SCI_ASSIGN_OR_RETURN(spec.human_name, get_string(t, "name", "metrics." + name + ".name", name));
      m.metrics[name] = std::move(spec);
    }
  }
  return ok_status();
}

}  // namespace

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::kLower: return "lower";
    case Direction::kHigher: return "higher";
    case Direction::kUnknown: break;
  }
  return "unknown";
}

Direction Manifest::direction_of(const std::string& metric) const {
  auto it = metrics.find(metric);
  return it == metrics.end() ? Direction::kUnknown : it->second.direction;
}

std::string Manifest::human_name_of(const std::string& metric) const {
  auto it = metrics.find(metric);
  return it == metrics.end() || it->second.human_name.empty() ? metric : it->second.human_name;
}

Result<Direction> parse_direction(std::string_view text) {
  std::string t = str::to_lower(str::trim(text));
  if (t == "lower" || t == "min") return Direction::kLower;
  if (t == "higher" || t == "max") return Direction::kHigher;
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("direction \"{}\" is not one of \"lower\" or \"higher\"", std::string(text)));
}

Status apply_metric_direction(Manifest& manifest, std::string_view spec) {
  auto eq = spec.find('=');
  std::string name(str::trim(spec.substr(0, eq == std::string_view::npos ? 0 : eq)));
  if (eq == std::string_view::npos || name.empty())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--metric-direction \"{}\": expected NAME=lower or NAME=higher", std::string(spec)));
  auto d = parse_direction(spec.substr(eq + 1));
  if (!d.ok())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--metric-direction \"{}\": {}", std::string(spec), d.error().message));
  MetricSpec& m = manifest.metrics[name];
  m.name = name;
  m.direction = *d;
  if (m.human_name.empty()) m.human_name = name;
  return ok_status();
}

std::vector<std::string> expand_command(const Manifest& manifest, const std::vector<std::string>& command,
                                        const std::string& out_dir) {
  std::vector<std::string> argv;
  argv.reserve(command.size());
  const bool python = str::starts_with(stdfs::path(manifest.interpreter).filename().string(), "python");
  for (const auto& arg : command) {
    argv.push_back(str::replace_all(str::replace_all(arg, "{interpreter}", manifest.interpreter), "{out_dir}", out_dir));
    // No user site-packages: a usercustomize.py or .pth an earlier run planted under
    // ~/.local must not run in this one (nor in plot.py).
    if (python && arg == "{interpreter}") argv.push_back("-s");
  }
  return argv;
}

Result<Manifest> load_manifest(const stdfs::path& dir, const stdfs::path& toml_override) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("template directory {} does not exist (pass the folder holding experiment.py)",
                                  dir.string()));
  Manifest m;
  m.dir = stdfs::absolute(dir, ec).lexically_normal();
  if (!m.dir.has_filename()) m.dir = m.dir.parent_path();
  m.name = m.dir.filename().string();
  m.title = m.name;
  const stdfs::path toml_path = toml_override.empty() ? m.dir / "template.toml" : toml_override;
  // Bounded in size and nesting before toml++ (which recurses per level) sees it.
  auto text = toml_limits::read_toml_text(toml_path, "template.toml");
  if (!text.ok()) {
    if (text.error().code != ErrorCode::kNotFound) return text.error();
    m.warnings.push_back("no template.toml: defaults apply (interpreter /usr/bin/python3, no metric directions)");
  } else {
    m.has_toml = true;
    toml::table root;
    try {
      root = toml::parse(*text, toml_path.string());
    } catch (const toml::parse_error& e) {
      return make_error(ErrorCode::kParse, fmt::format("template.toml:{}: {}", e.source().begin.line,
                                                       std::string(e.description())));
    }
    SCI_TRY(read_toml(root, m));
  }
  if (m.literature_bib.empty()) {
    for (const char* candidate : {"literature.bib", "latex/literature.bib"})
      if (stdfs::is_regular_file(m.dir / candidate, ec)) {
        m.literature_bib = candidate;
        break;
      }
  }
  return m;
}

}  // namespace sci::templates
