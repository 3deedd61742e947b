// Logging implementation: one mutex serialises writers so lines never interleave.
#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <vector>

#include "base/time.h"

namespace sci::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mutex;
std::ofstream g_file;
std::vector<std::string> g_secrets;
thread_local std::string t_context;

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "?";
}

std::string redact_locked(std::string text) {
  for (const auto& secret : g_secrets) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "[REDACTED]");
      pos += 10;
    }
  }
  return text;
}

}  // namespace

bool parse_level(std::string_view name, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (name == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

void set_file(const std::filesystem::path& path) {
  std::lock_guard lock(g_mutex);
  if (g_file.is_open()) g_file.close();
  if (!path.empty()) g_file.open(path, std::ios::app);
}

void register_secret(const std::string& secret) {
  if (secret.size() < 6) return;
  std::lock_guard lock(g_mutex);
  for (const auto& s : g_secrets)
    if (s == secret) return;
  g_secrets.push_back(secret);
}

std::string redact(std::string text) {
  std::lock_guard lock(g_mutex);
  return redact_locked(std::move(text));
}

ScopedContext::ScopedContext(std::string_view key, std::string_view value)
    : previous_size_(t_context.size()) {
  if (!t_context.empty()) t_context += ' ';
  t_context.append(key).append("=").append(value);
}
ScopedContext::~ScopedContext() { t_context.resize(previous_size_); }

void write(Level l, std::string_view message) {
  std::string line = fmt::format("{} {:5} {}{}{}\n", time::now_iso8601(), level_name(l),
                                 t_context, t_context.empty() ? "" : " | ", message);
  std::lock_guard lock(g_mutex);
  line = redact_locked(std::move(line));
  std::fputs(line.c_str(), stderr);
  if (g_file.is_open()) {
    g_file << line;
    g_file.flush();
  }
}

}  // namespace sci::log
