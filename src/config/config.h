// Effective configuration: every key has a type, a default and a doc line (keys.cpp).
// Values resolve with precedence flag > environment (SCIENTIST_*) > config file > default.
// The file is TOML: ./scientist.toml or $XDG_CONFIG_HOME/scientist/config.toml.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::config {

enum class ValueType { kString, kInt, kDouble, kBool };
enum class Source { kDefault, kFile, kEnv, kFlag };
enum class Secret { kNo, kYes };

struct KeyInfo {
  std::string key;            // dotted, e.g. "experiment.run_timeout_s"
  ValueType type;
  std::string default_value;  // textual; "" for strings means unset
  std::string doc;            // one line for docs/cli.md and `config show`
  Secret secret = Secret::kNo;
  std::string original_default;  // the original AI Scientist's value, when ours differs
};

// All known keys, sorted by key. Tests check docs/cli.md lists every one.
const std::vector<KeyInfo>& registry();
const KeyInfo* find_key(const std::string& key);
// "SCIENTIST_EXPERIMENT_RUN_TIMEOUT_S" for "experiment.run_timeout_s".
std::string env_var_for(const std::string& key);
const char* source_name(Source s);

struct LoadOptions {
  std::optional<std::filesystem::path> file;  // --config; must exist when given
  std::filesystem::path cwd = ".";
  // Environment lookup seam; defaults to getenv.
  std::map<std::string, std::string> (*environment)() = nullptr;
};

class Config {
 public:
  // Defaults + file + environment. Errors: kParse "FILE:LINE: ..." for bad TOML,
  // kInvalidArgument for unknown keys (with a suggestion) or a value of the wrong type.
  static Result<Config> load(const LoadOptions& options);
  static Config defaults();

  // Sets a value from a command-line flag (highest precedence). kInvalidArgument on
  // an unknown key or a value that does not parse as the key's type.
  Status set(const std::string& key, const std::string& value, Source source = Source::kFlag);

  std::string get_string(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  Source source_of(const std::string& key) const;

  // Free-form tables such as [providers.NAME] and [prices."openai:gpt-4o"]:
  // table name -> entry name -> field -> textual value.
  const std::map<std::string, std::map<std::string, std::string>>& table(const std::string& name) const;

  // Sets one field of a free-form table entry unless the entry already has it (a
  // config file loaded later keeps precedence over saved run settings).
  void set_table_field_if_absent(const std::string& table, const std::string& entry, const std::string& field,
                                 const std::string& value);
  // TOML text of the effective configuration; secrets show as "[REDACTED]".
  std::string show() const;
  std::filesystem::path file_path() const { return file_path_; }

 private:
  struct Entry {
    std::string value;
    Source source = Source::kDefault;
  };
  std::map<std::string, Entry> values_;
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> tables_;
  std::filesystem::path file_path_;
  friend Status load_toml_file(Config& config, const std::filesystem::path& path);
  friend class ConfigLoader;
};

}  // namespace sci::config
