// Limits checked on TOML text before toml++ sees it (template.toml, config files): a file
// size and a nesting depth. toml++ and the code walking its tables recurse once per level,
// so `a.a.a....a = 1` with 100,000 dots or `x = [[[[...]]]]` would overflow the stack.
// A small lexer pass (strings and comments skipped) measures the depth without recursion.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sci::toml_limits {

inline constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;  // 1 MiB
inline constexpr int kMaxDepth = 64;  // tables, arrays and dotted-key levels, all together

// The deepest nesting in `text`: the length of the longest path of keys and array
// elements from the root to a value. Each component of a dotted key or [table.header] is
// one step, and so is each element of an array. "a = 1" is 1, "a.b.c = 1" is 3,
// "[a.b]\nc = [1, {d = 2}]" is 5 (a, b, c, the array's element, d). Dots, brackets and
// braces inside strings ("...", '...', """...""", '''...''') and '#' comments do not count.
// Pure, linear, never recursive; on malformed text it still returns a depth (toml++
// reports the syntax error afterwards).
int nesting_depth(std::string_view text);

// kInvalidArgument when `text` nests deeper than `max_depth`, naming `file` (as the
// user knows it: "template.toml", the config path), the depth found, the limit and the fix.
Status check_nesting(std::string_view text, const std::string& file, int max_depth = kMaxDepth);

// Reads `path` bounded to kMaxFileBytes and checks its nesting: the text, ready for toml++.
// `what` is the file's role in messages ("template.toml", "config file"), followed by the
// path. Errors: kNotFound, kIo, kInvalidArgument (too large, too deep, not a regular file).
Result<std::string> read_toml_text(const std::filesystem::path& path, const std::string& what);

// Whether `error` is one of this module's limit errors (callers with their own fix texts
// for syntax errors use it to keep the limit's fix instead).
bool is_limit_error(const Error& error);

}  // namespace sci::toml_limits
