// JSON adapters: nlohmann::json is used inside modules, never across their public
// APIs (DESIGN.md §5). These helpers turn its exceptions into Result errors.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace sci::json {

using Json = nlohmann::json;

// Parses `text`; kParse with the byte offset on failure. `what` names the source.
Result<Json> parse(std::string_view text, std::string_view what);
// Reads and parses a file. kNotFound / kIo / kParse.
Result<Json> parse_file(const std::string& path);

// Typed field getters: kParse "<what>: field 'k' missing|must be a string|...".
Result<std::string> get_string(const Json& obj, std::string_view key, std::string_view what);
Result<double> get_number(const Json& obj, std::string_view key, std::string_view what);

// dump() that never throws on invalid UTF-8 (replaces bad bytes).
std::string dump(const Json& j, int indent = -1);

}  // namespace sci::json
