// Record and replay. A cassette is JSONL, one call per line (docs/llm.md): the call's
// tag (idea, stage, role, turn), a fingerprint of the request, the request, the
// response and usage; never a key. RecordingClient appends lines; ReplayClient answers
// from a cassette keyed by tag (tolerating prompt drift, which it logs as a diff), by
// tag + exact fingerprint (regression tests), or in file order (serve-cassette).
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "llm/client.h"

namespace sci::llm {

struct CassetteEntry {
  CallTag tag;
  bool scripted = false;    // hand-written: request fields may be missing
  std::string fingerprint;  // "" when absent (scripted)
  bool has_request = false;
  ChatRequest request;
  ChatResponse response;    // text, samples, finish, model, provider, usage, latency_s
  size_t line = 0;          // 1-based line in the file
};

// sha256 hex of the canonical JSON of the request's content (model, system, messages,
// temperature, max_output_tokens, stop, json_schema, n_samples); the tag is excluded.
std::string request_fingerprint(const ChatRequest& request);
// "idea/stage/role/turn", the replay key.
std::string tag_key(const CallTag& tag);

// One cassette line (no trailing newline) for a finished call. Deterministic: the same
// request and response always give the same bytes.
std::string cassette_line(const ChatRequest& request, const ChatResponse& response);
// kParse naming the line for malformed JSON or a missing tag/response.text.
Result<CassetteEntry> parse_cassette_line(std::string_view line, size_t line_no);
// Every entry of a file (blank lines and lines starting with '#' or '//' are skipped).
// kNotFound / kIo / kParse.
Result<std::vector<CassetteEntry>> load_cassette(const std::filesystem::path& path);

// Appends every successful call of `inner` to `path`. Thread-safe.
class RecordingClient final : public LlmClient {
 public:
  RecordingClient(std::shared_ptr<LlmClient> inner, std::filesystem::path path);
  // The inner result; kIo if the line cannot be appended (the reply is not lost: the
  // error names the cassette).
  Result<ChatResponse> chat(const ChatRequest& request) override;

 private:
  std::shared_ptr<LlmClient> inner_;
  std::filesystem::path path_;
  std::mutex mu_;
};

enum class ReplayMatch {
  kTag,         // (idea, stage, role, turn); drift in the prompt is logged, not fatal
  kExact,       // tag and fingerprint must both match (scripted entries match by tag)
  kSequential,  // entries in file order, whatever the request
};

// Parses "tag" | "exact" | "sequential".
Result<ReplayMatch> parse_replay_match(std::string_view name);

class ReplayClient final : public LlmClient {
 public:
  static Result<std::shared_ptr<ReplayClient>> open(const std::filesystem::path& path, ReplayMatch match);
  ReplayClient(std::vector<CassetteEntry> entries, ReplayMatch match, std::string source);

  // Entries with the same key are served in file order. A miss is kNotFound naming the
  // key (and the fingerprint in exact mode) and the cassette. Thread-safe.
  Result<ChatResponse> chat(const ChatRequest& request) override;
  // Serves with an explicit match mode (serve-cassette: tag when the request carries
  // one, sequential otherwise).
  Result<ChatResponse> chat_with(const ChatRequest& request, ReplayMatch match);
  size_t remaining() const;

 private:
  Result<ChatResponse> take(size_t index, const ChatRequest& request, ReplayMatch match);

  mutable std::mutex mu_;
  std::vector<CassetteEntry> entries_;
  std::vector<bool> used_;
  ReplayMatch match_;
  std::string source_;
};

// A readable line diff of two prompts (common prefix/suffix elided), at most
// `max_lines` lines; used to log prompt drift.
std::string prompt_diff(const std::string& recorded, const std::string& now, size_t max_lines = 20);

}  // namespace sci::llm
