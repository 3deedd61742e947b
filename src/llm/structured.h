// Structured output: a tolerant extractor that finds the JSON in a model's reply
// (```json fences, bare objects found by balanced-brace scanning, trailing prose, raw
// control characters in strings, trailing commas), a JSON Schema validator for the
// subset models are asked to follow, and chat_json with one repair retry.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "llm/client.h"

namespace sci::llm {

// The first JSON object or array in `text`, re-serialised compactly. Fenced blocks are
// tried first, then every '{' / '[' in order. kParse when nothing parses, with a
// one-line reason for the model ("no JSON object found", the parser's message).
Result<std::string> extract_json(std::string_view text);

// Validates JSON text against a JSON Schema (type, properties, required, items, enum,
// additionalProperties: false, minItems/maxItems, minimum/maximum, minLength). Errors:
// kInvalidArgument listing up to 8 problems as "$.path: problem"; kParse when either
// text is not JSON.
Status validate_json(std::string_view json_text, std::string_view schema_text);

struct StructuredReply {
  ChatResponse response;  // the reply that validated (usage summed over attempts)
  std::string json;       // compact JSON text of the extracted value
  int attempts = 1;       // 2 when the repair retry was needed
};

// Sends `request`; extracts JSON from the reply, validates it against
// request.json_schema (when set) and hands it to `accept` (e.g. parsing into a struct;
// may be empty). On any failure, sends the reply and the error back once (prompt
// llm/repair, turn + 1) and tries again. Errors: the client's errors; kParse naming
// the last problem when the repaired reply fails too.
Result<StructuredReply> chat_json(LlmClient& client, const ChatRequest& request,
                                  const std::function<Status(const std::string& json)>& accept = {});

}  // namespace sci::llm
