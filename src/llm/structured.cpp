// Tolerant JSON extraction, schema validation and the repair loop (see structured.h).
#include "llm/structured.h"

#include <cmath>

#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "prompts/prompts.h"

namespace sci::llm {

namespace {

using nlohmann::json;

// Contents of ``` fences, in order (an unclosed last fence runs to the end).
std::vector<std::string_view> fenced_blocks(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    size_t body = text.find('\n', open);
    if (body == std::string_view::npos) break;
    ++body;
    size_t close = text.find("```", body);
    out.push_back(text.substr(body, close == std::string_view::npos ? std::string_view::npos : close - body));
    if (close == std::string_view::npos) break;
    pos = close + 3;
  }
  return out;
}

// End (exclusive) of the balanced value starting at `start` ('{' or '['), honouring
// strings and escapes; npos when unbalanced.
size_t balanced_end(std::string_view text, size_t start) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
      if (depth < 0) return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// Escapes raw control characters inside strings and drops trailing commas before a
// closing bracket: the two mistakes models make most.
std::string repair(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
        out += c;
      } else if (c == '\\') {
        escaped = true;
        out += c;
      } else if (c == '"') {
        in_string = false;
        out += c;
      } else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
      else out += c;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j < text.size() && (text[j] == '}' || text[j] == ']')) continue;  // trailing comma
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<json> try_parse(std::string_view candidate) {
  try {
    return json::parse(candidate);
  } catch (...) {
  }
  try {
    return json::parse(repair(candidate));
  } catch (...) {
  }
  return std::nullopt;
}

std::optional<json> first_value_in(std::string_view text, std::string* last_error) {
  int starts_tried = 0;
  for (size_t i = 0; i < text.size() && starts_tried < 64; ++i) {
    if (text[i] != '{' && text[i] != '[') continue;
    ++starts_tried;
    size_t end = balanced_end(text, i);
    if (end == std::string_view::npos) {
      if (last_error->empty()) *last_error = "a JSON value starts but its brackets never close (reply cut short?)";
      continue;
    }
    auto candidate = text.substr(i, end - i);
    if (auto j = try_parse(candidate)) {
      // A bare [1] inside prose is rarely the answer; prefer objects and arrays of objects.
      if (j->is_object() || (j->is_array() && (j->empty() || (*j)[0].is_object() || (*j)[0].is_string())))
        return j;
      continue;
    }
    try {
      json ignored = json::parse(repair(candidate));
    } catch (const std::exception& e) {
      *last_error = e.what();
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> extract_json(std::string_view text) {
  std::string last_error;
  for (auto block : fenced_blocks(text)) {
    auto trimmed = str::trim(block);
    if (auto j = try_parse(trimmed)) {
      if (j->is_object() || j->is_array()) return sci::json::dump(*j);
    }
    if (auto j = first_value_in(block, &last_error)) return sci::json::dump(*j);
  }
  if (auto j = first_value_in(text, &last_error)) return sci::json::dump(*j);
  if (!last_error.empty()) return make_error(ErrorCode::kParse, "the JSON in the reply does not parse: " + last_error);
  return make_error(ErrorCode::kParse, "no JSON object found in the reply");
}

namespace {

std::string type_of(const json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_null()) return "null";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::floor(d) == d ? "integer" : "number";
  }
  return "unknown";
}

bool type_matches(const json& v, const std::string& want) {
  std::string have = type_of(v);
  if (want == have) return true;
  if (want == "number" && have == "integer") return true;
  return false;
}

void validate(const json& v, const json& schema, const std::string& path, std::vector<std::string>* problems) {
  if (problems->size() >= 8 || !schema.is_object()) return;
  if (schema.contains("type")) {
    const json& t = schema["type"];
    bool ok = false;
    std::string want;
    if (t.is_string()) {
      want = t.get<std::string>();
      ok = type_matches(v, want);
    } else if (t.is_array()) {
      for (const auto& one : t)
        if (one.is_string()) {
          want += (want.empty() ? "" : " or ") + one.get<std::string>();
          ok = ok || type_matches(v, one.get<std::string>());
        }
    } else {
      ok = true;
    }
    if (!ok) {
      problems->push_back(fmt::format("{}: must be {}, got {}", path, want, type_of(v)));
      return;
    }
  }
  if (schema.contains("enum") && schema["enum"].is_array()) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) problems->push_back(fmt::format("{}: must be one of {}", path, schema["enum"].dump()));
  }
  if (v.is_object()) {
    if (schema.contains("required") && schema["required"].is_array())
      for (const auto& r : schema["required"])
        if (r.is_string() && !v.contains(r.get<std::string>()))
          problems->push_back(fmt::format("{}: missing required field '{}'", path, r.get<std::string>()));
    const json* props = schema.contains("properties") && schema["properties"].is_object() ? &schema["properties"] : nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props && props->contains(it.key())) {
        validate(it.value(), (*props)[it.key()], path + "." + it.key(), problems);
      } else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_boolean() &&
                 !schema["additionalProperties"].get<bool>()) {
        problems->push_back(fmt::format("{}: unexpected field '{}'", path, it.key()));
      }
    }
  }
  if (v.is_array()) {
    if (schema.contains("minItems") && schema["minItems"].is_number() && v.size() < schema["minItems"].get<size_t>())
      problems->push_back(fmt::format("{}: needs at least {} item(s), has {}", path, schema["minItems"].get<size_t>(), v.size()));
    if (schema.contains("maxItems") && schema["maxItems"].is_number() && v.size() > schema["maxItems"].get<size_t>())
      problems->push_back(fmt::format("{}: allows at most {} item(s), has {}", path, schema["maxItems"].get<size_t>(), v.size()));
    if (schema.contains("items") && schema["items"].is_object())
      for (size_t i = 0; i < v.size(); ++i) validate(v[i], schema["items"], fmt::format("{}[{}]", path, i), problems);
  }
  if (v.is_number()) {
    double d = v.get<double>();
    if (schema.contains("minimum") && schema["minimum"].is_number() && d < schema["minimum"].get<double>())
      problems->push_back(fmt::format("{}: {} is below the minimum {}", path, d, schema["minimum"].get<double>()));
    if (schema.contains("maximum") && schema["maximum"].is_number() && d > schema["maximum"].get<double>())
      problems->push_back(fmt::format("{}: {} is above the maximum {}", path, d, schema["maximum"].get<double>()));
  }
  if (v.is_string() && schema.contains("minLength") && schema["minLength"].is_number() &&
      v.get<std::string>().size() < schema["minLength"].get<size_t>())
    problems->push_back(fmt::format("{}: shorter than {} character(s)", path, schema["minLength"].get<size_t>()));
}

}  // namespace

Status validate_json(std::string_view json_text, std::string_view schema_text) {
  SCI_ASSIGN_OR_RETURN(json value, sci::json::parse(json_text, "reply JSON"));
  SCI_ASSIGN_OR_RETURN(json schema, sci::json::parse(schema_text, "JSON schema"));
  std::vector<std::string> problems;
  validate(value, schema, "$", &problems);
  if (problems.empty()) return ok_status();
  return make_error(ErrorCode::kInvalidArgument, "the JSON does not match the schema: " + str::join(problems, "; "));
}

Result<StructuredReply> chat_json(LlmClient& client, const ChatRequest& request,
                                  const std::function<Status(const std::string&)>& accept) {
  ChatRequest current = request;
  Usage total;
  double total_cost_usd = 0;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    SCI_ASSIGN_OR_RETURN(ChatResponse response, client.chat(current));
    total.input_tokens += response.usage.input_tokens;
    total.output_tokens += response.usage.output_tokens;
    total.cached_input_tokens += response.usage.cached_input_tokens;
    total.cache_write_tokens += response.usage.cache_write_tokens;
    total_cost_usd += response.cost_usd;
    Status problem = ok_status();
    std::string extracted;
    if (auto j = extract_json(response.text); !j.ok()) {
      problem = j.error();
    } else {
      extracted = *j;
      if (request.json_schema) problem = validate_json(extracted, *request.json_schema);
      if (problem.ok() && accept) problem = accept(extracted);
    }
    if (problem.ok()) {
      StructuredReply out;
      response.usage = total;
      out.response = std::move(response);
      out.response.cost_usd = total_cost_usd;
      out.json = std::move(extracted);
      out.attempts = attempt;
      return out;
    }
    if (attempt == 2)
      return make_error(ErrorCode::kParse,
                        "the model's reply is still unusable after one repair: " + problem.error().message);
    log::info("llm: reply for {} unusable ({}); asking the model to repair it", current.tag.stage,
              problem.error().message);
    SCI_ASSIGN_OR_RETURN(std::string repair_prompt, prompts::render("llm/repair", {{"error", problem.error().message}}));
    current.messages.push_back(Message{Role::kAssistant, response.text, false});
    current.messages.push_back(Message{Role::kUser, repair_prompt, false});
    current.tag.turn += 1;
  }
  return make_error(ErrorCode::kInternal, "unreachable");
}

}  // namespace sci::llm
