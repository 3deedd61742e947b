// TOML size and nesting limits; see toml_limits.h. The lexer follows TOML 1.0's string
// and comment rules so that on valid text it sees exactly the structure toml++ builds;
// where the text is invalid, toml++ stops at the first error before nesting any deeper.
#include "base/toml_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "base/bounded_read.h"

namespace sci::toml_limits {
namespace {

// Both limit errors (this file's and read_file_bounded's) say this.
constexpr std::string_view kOverLimit = " over the limit of ";

enum class Container { kArray, kInlineTable };

struct Open {
  Container kind;
  int level;  // the level of the value this container is
};

// Index just past the string whose opening quote is at t[i]. Single-line strings end at
// the newline when unterminated (toml++ rejects them there).
size_t skip_string(std::string_view t, size_t i) {
  const char q = t[i];
  const bool basic = q == '"';
  const std::string_view triple = basic ? std::string_view("\"\"\"") : std::string_view("'''");
  if (t.compare(i, 3, triple) == 0) {
    size_t j = i + 3;
    while (j < t.size()) {
      if (basic && t[j] == '\\') {
        j += 2;
        continue;
      }
      if (t.compare(j, 3, triple) == 0) {
        j += 3;
        // Up to two quotes right before the delimiter belong to the content ("""a""""").
        for (int extra = 0; extra < 2 && j < t.size() && t[j] == q; ++extra) ++j;
        return j;
      }
      ++j;
    }
    return t.size();
  }
  size_t j = i + 1;
  while (j < t.size() && t[j] != '\n') {
    if (basic && t[j] == '\\' && j + 1 < t.size() && t[j + 1] != '\n') {
      j += 2;
      continue;
    }
    if (t[j] == q) return j + 1;
    ++j;
  }
  return j;
}

size_t skip_comment(std::string_view t, size_t i) {
  while (i < t.size() && t[i] != '\n') ++i;
  return i;
}

}  // namespace

int nesting_depth(std::string_view t) {
  std::vector<Open> open;  // arrays and inline tables around the current position
  int table_level = 0;     // components of the last [table] or [[array]] header
  bool in_key = true;      // reading a key: at a line start at the top, after '{' or ',' in an inline table
  int key_dots = 0;        // dots in the key being read
  int value_level = 0;     // the level of a value that starts here
  int deepest = 0;
  auto level_here = [&] { return open.empty() ? table_level : open.back().level; };
  auto after_close = [&] {
    open.pop_back();
    in_key = false;
    if (!open.empty() && open.back().kind == Container::kArray) value_level = open.back().level + 1;
  };

  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '"' || c == '\'') {
      i = skip_string(t, i) - 1;
      continue;
    }
    if (c == '#') {
      i = skip_comment(t, i) - 1;
      continue;
    }
    if (in_key) {
      if (c == '.') {
        ++key_dots;
      } else if (c == '=') {
        in_key = false;
        value_level = level_here() + key_dots + 1;
        deepest = std::max(deepest, value_level);
      } else if (c == '[' && open.empty()) {  // [table] or [[array.of.tables]]
        int dots = 0;
        size_t j = i + 1;
        for (; j < t.size() && t[j] != ']' && t[j] != '\n'; ++j) {
          if (t[j] == '"' || t[j] == '\'')
            j = skip_string(t, j) - 1;
          else if (t[j] == '.')
            ++dots;
        }
        table_level = dots + 1;
        deepest = std::max(deepest, table_level);
        i = j - 1;  // the ']' and the rest of the line are read as key text
      } else if (c == '}' && !open.empty() && open.back().kind == Container::kInlineTable) {
        after_close();  // "{}" or a trailing ','
      } else if (c == '\n' && open.empty()) {
        key_dots = 0;
      }
      continue;
    }
    switch (c) {
      case '[':
        open.push_back({Container::kArray, value_level});
        value_level += 1;  // its elements
        deepest = std::max(deepest, value_level);
        break;
      case '{':
        open.push_back({Container::kInlineTable, value_level});
        in_key = true;
        key_dots = 0;
        break;
      case ',':
        if (open.empty()) break;
        if (open.back().kind == Container::kInlineTable) {
          in_key = true;
          key_dots = 0;
        } else {
          value_level = open.back().level + 1;
        }
        break;
      case ']':
      case '}':
        if (!open.empty()) after_close();
        break;
      case '\n':
        if (open.empty()) {
          in_key = true;
          key_dots = 0;
        }
        break;
      default: break;
    }
  }
  return deepest;
}

Status check_nesting(std::string_view text, const std::string& file, int max_depth) {
  const int depth = nesting_depth(text);
  if (depth <= max_depth) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} nests {} levels deep (dotted keys, [tables], arrays and inline tables "
                                "together),{}{}: flatten it (no setting needs more than a few levels)",
                                file, depth, kOverLimit, max_depth));
}

Result<std::string> read_toml_text(const std::filesystem::path& path, const std::string& what) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file_bounded(path, kMaxFileBytes, what));
  SCI_TRY(check_nesting(text, what + " " + path.string()));
  return text;
}

bool is_limit_error(const Error& error) {
  return error.code == ErrorCode::kInvalidArgument && error.message.find(kOverLimit) != std::string::npos;
}

}  // namespace sci::toml_limits
