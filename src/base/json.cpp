// JSON adapters; see json.h.
#include "base/json.h"

#include <fmt/format.h>

#include "base/fs.h"

namespace sci::json {

Result<Json> parse(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return make_error(ErrorCode::kParse,
                      fmt::format("{}: invalid JSON at byte {}: {}", what, e.byte, e.what()));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse, fmt::format("{}: invalid JSON: {}", what, e.what()));
  }
}

Result<Json> parse_file(const std::string& path) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  return parse(text, path);
}

Result<std::string> get_string(const Json& obj, std::string_view key, std::string_view what) {
  if (!obj.is_object() || !obj.contains(key))
    return make_error(ErrorCode::kParse, fmt::format("{}: field '{}' missing", what, key));
  const Json& v = obj.at(std::string(key));
  if (!v.is_string())
    return make_error(ErrorCode::kParse, fmt::format("{}: field '{}' must be a string", what, key));
  return v.get<std::string>();
}

Result<double> get_number(const Json& obj, std::string_view key, std::string_view what) {
  if (!obj.is_object() || !obj.contains(key))
    return make_error(ErrorCode::kParse, fmt::format("{}: field '{}' missing", what, key));
  const Json& v = obj.at(std::string(key));
  if (!v.is_number())
    return make_error(ErrorCode::kParse, fmt::format("{}: field '{}' must be a number", what, key));
  return v.get<double>();
}

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace sci::json
