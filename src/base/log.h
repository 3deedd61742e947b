// Logging: levels, a per-thread run context ("idea=foo stage=plot"), stderr plus an
// optional log file, and redaction of registered secrets from every line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace sci::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug|info|warn|error|off"; returns false on an unknown name.
bool parse_level(std::string_view name, Level* out);
void set_level(Level level);
Level level();

// Also append every line to `path` (created). Empty path closes the file. Thread-safe.
void set_file(const std::filesystem::path& path);

// Any later log line containing `secret` shows "[REDACTED]" instead. Values shorter
// than 6 characters are ignored (too likely to occur by chance).
void register_secret(const std::string& secret);
// Replace every registered secret in `text`; also used for transcripts and the store.
std::string redact(std::string text);

// RAII: adds "key=value" to this thread's context for the scope's lifetime.
class ScopedContext {
 public:
  ScopedContext(std::string_view key, std::string_view value);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  size_t previous_size_;
};

void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kError) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sci::log
