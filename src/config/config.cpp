// Config loading and resolution; see config.h. toml++ exceptions stop at this file.
#include "config/config.h"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/environment.h"
#include "base/strings.h"
#include "base/toml_limits.h"

namespace sci::config {
namespace {

// Tables whose entries are user-named (providers, prices) rather than fixed keys.
bool is_free_table(const std::string& name) { return name == "providers" || name == "prices"; }

std::string suggest_key(const std::string& key) {
  std::string best;
  size_t best_d = 1000;
  for (const auto& k : registry()) {
    size_t d = str::edit_distance(key, k.key);
    if (d < best_d) {
      best_d = d;
      best = k.key;
    }
  }
  return best_d <= 4 ? fmt::format(" (did you mean '{}'?)", best) : "";
}

// Validates `text` as `type`, normalising booleans to "true"/"false".
Result<std::string> check_type(const KeyInfo& info, const std::string& text) {
  const char* what = "";
  switch (info.type) {
    case ValueType::kString: return text;
    case ValueType::kInt: {
      char* end = nullptr;
      std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && end && *end == '\0') return text;
      what = "an integer";
      break;
    }
    case ValueType::kDouble: {
      char* end = nullptr;
      std::strtod(text.c_str(), &end);
      if (!text.empty() && end && *end == '\0') return text;
      what = "a number";
      break;
    }
    case ValueType::kBool: {
      std::string l = str::to_lower(text);
      if (l == "true" || l == "1" || l == "yes" || l == "on") return std::string("true");
      if (l == "false" || l == "0" || l == "no" || l == "off") return std::string("false");
      what = "true or false";
      break;
    }
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("config key '{}' must be {}, got '{}'", info.key, what, text));
}

std::string node_text(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return std::to_string(i->get());
  if (auto f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (auto b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_array()) return "[array]";
  return "[table]";
}

bool node_matches(const toml::node& node, ValueType type) {
  switch (type) {
    case ValueType::kString: return node.is_string();
    case ValueType::kInt: return node.is_integer();
    case ValueType::kDouble: return node.is_integer() || node.is_floating_point();
    case ValueType::kBool: return node.is_boolean();
  }
  return false;
}

const char* type_name(ValueType t) {
  switch (t) {
    case ValueType::kString: return "a string";
    case ValueType::kInt: return "an integer";
    case ValueType::kDouble: return "a number";
    case ValueType::kBool: return "a boolean";
  }
  return "?";
}

}  // namespace

std::string env_var_for(const std::string& key) {
  std::string out = "SCIENTIST_";
  for (char c : key) out += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const char* source_name(Source s) {
  switch (s) {
    case Source::kDefault: return "default";
    case Source::kFile: return "file";
    case Source::kEnv: return "env";
    case Source::kFlag: return "flag";
  }
  return "?";
}

Status load_toml_file(Config& config, const std::filesystem::path& path) {
  // Bounded in size and nesting before toml++ (which recurses per level) sees it.
  SCI_ASSIGN_OR_RETURN(std::string text, toml_limits::read_toml_text(path, "config file"));
  toml::table root;
  try {
    root = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    return make_error(ErrorCode::kParse,
                      fmt::format("{}:{}:{}: invalid TOML: {}", path.string(), e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  config.file_path_ = path;
  for (auto&& [section_key, section_node] : root) {
    std::string section(section_key.str());
    auto* section_table = section_node.as_table();
    if (!section_table) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}:{}: top-level key '{}' must be a [section] table", path.string(),
                                    section_node.source().begin.line, section));
    }
    if (is_free_table(section)) {
      for (auto&& [entry_key, entry_node] : *section_table) {
        auto* entry = entry_node.as_table();
        if (!entry)
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("{}:{}: [{}.{}] must be a table", path.string(),
                                        entry_node.source().begin.line, section, entry_key.str()));
        auto& fields = config.tables_[section][std::string(entry_key.str())];
        for (auto&& [field_key, field_node] : *entry) fields[std::string(field_key.str())] = node_text(field_node);
      }
      continue;
    }
    for (auto&& [key, node] : *section_table) {
      std::string full = section + "." + std::string(key.str());
      const KeyInfo* info = find_key(full);
      int line = static_cast<int>(node.source().begin.line);
      if (!info)
        return make_error(ErrorCode::kInvalidArgument, fmt::format("{}:{}: unknown config key '{}'{}",
                                                                   path.string(), line, full, suggest_key(full)));
      if (!node_matches(node, info->type))
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{}:{}: config key '{}' must be {}", path.string(), line, full,
                                      type_name(info->type)));
      config.values_[full] = {node_text(node), Source::kFile};
    }
  }
  return ok_status();
}

Config Config::defaults() {
  Config c;
  for (const auto& k : registry()) c.values_[k.key] = {k.default_value, Source::kDefault};
  return c;
}

Result<Config> Config::load(const LoadOptions& options) {
  Config c = defaults();
  std::filesystem::path file;
  if (options.file) {
    file = *options.file;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      return make_error(ErrorCode::kNotFound, fmt::format("config file not found: {}", file.string()));
  } else {
    auto local = options.cwd / "scientist.toml";
    std::error_code ec;
    if (std::filesystem::exists(local, ec)) {
      file = local;
    } else {
      auto env = options.environment ? options.environment() : env::snapshot();
      std::filesystem::path xdg;
      if (auto it = env.find("XDG_CONFIG_HOME"); it != env.end() && !it->second.empty()) xdg = it->second;
      else if (auto h = env.find("HOME"); h != env.end()) xdg = std::filesystem::path(h->second) / ".config";
      if (!xdg.empty() && std::filesystem::exists(xdg / "scientist" / "config.toml", ec))
        file = xdg / "scientist" / "config.toml";
    }
  }
  if (!file.empty()) SCI_TRY(load_toml_file(c, file));
  auto env = options.environment ? options.environment() : env::snapshot();
  for (const auto& k : registry()) {
    auto it = env.find(env_var_for(k.key));
    if (it == env.end()) continue;
    auto st = c.set(k.key, it->second, Source::kEnv);
    if (!st.ok()) return st.error().with_context("environment variable " + it->first);
  }
  return c;
}

Status Config::set(const std::string& key, const std::string& value, Source source) {
  const KeyInfo* info = find_key(key);
  if (!info)
    return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown config key '{}'{}", key, suggest_key(key)));
  SCI_ASSIGN_OR_RETURN(std::string normalised, check_type(*info, value));
  auto& entry = values_[key];
  if (static_cast<int>(source) >= static_cast<int>(entry.source)) entry = {normalised, source};
  return ok_status();
}

std::string Config::get_string(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second.value;
}
std::int64_t Config::get_int(const std::string& key) const {
  return std::strtoll(get_string(key).c_str(), nullptr, 10);
}
double Config::get_double(const std::string& key) const { return std::strtod(get_string(key).c_str(), nullptr); }
bool Config::get_bool(const std::string& key) const { return get_string(key) == "true"; }
Source Config::source_of(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? Source::kDefault : it->second.source;
}

const std::map<std::string, std::map<std::string, std::string>>& Config::table(const std::string& name) const {
  static const std::map<std::string, std::map<std::string, std::string>> kEmpty;
  auto it = tables_.find(name);
  return it == tables_.end() ? kEmpty : it->second;
}

void Config::set_table_field_if_absent(const std::string& table, const std::string& entry, const std::string& field,
                                       const std::string& value) {
  tables_[table][entry].try_emplace(field, value);
}

std::string Config::show() const {
  std::string out;
  std::string section;
  for (const auto& k : registry()) {
    auto dot = k.key.find('.');
    std::string sec = k.key.substr(0, dot);
    if (sec != section) {
      out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", sec);
      section = sec;
    }
    std::string value = get_string(k.key);
    if (k.secret == Secret::kYes && !value.empty()) value = "[REDACTED]";
    std::string shown = (k.type == ValueType::kString) ? fmt::format("\"{}\"", value) : value;
    out += fmt::format("{} = {}  # {} ({})\n", k.key.substr(dot + 1), shown, k.doc, source_name(source_of(k.key)));
  }
  for (const auto& [name, entries] : tables_) {
    for (const auto& [entry, fields] : entries) {
      out += fmt::format("\n[{}.\"{}\"]\n", name, entry);
      for (const auto& [field, value] : fields) {
        bool secret = field.find("key") != std::string::npos && field != "api_key_env";
        out += fmt::format("{} = \"{}\"\n", field, secret ? "[REDACTED]" : value);
      }
    }
  }
  return out;
}

}  // namespace sci::config
