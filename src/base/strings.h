// Small string utilities shared by every module (trim, split, join, edit distance).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sci::str {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::vector<std::string> split_lines(std::string_view s);  // keeps no '\n'
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
std::string replace_all(std::string s, std::string_view from, std::string_view to);
// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// Last `max_bytes` bytes of `s`, not splitting a UTF-8 sequence.
std::string tail_utf8(std::string_view s, size_t max_bytes);

}  // namespace sci::str
