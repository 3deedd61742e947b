// Cassette format, recording and replay (see cassette.h and docs/llm.md).
#include "llm/cassette.h"

#include <algorithm>

#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"

namespace sci::llm {

namespace {

using nlohmann::json;

const char* finish_name(FinishReason f) {
  switch (f) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kContentFilter: return "content_filter";
    case FinishReason::kToolUse: return "tool_use";
    case FinishReason::kOther: return "other";
  }
  return "other";
}

FinishReason finish_from(const std::string& s) {
  if (s == "length") return FinishReason::kLength;
  if (s == "content_filter") return FinishReason::kContentFilter;
  if (s == "tool_use") return FinishReason::kToolUse;
  if (s == "other") return FinishReason::kOther;
  return FinishReason::kStop;
}

json request_json(const ChatRequest& r) {
  json j = json::object();
  j["model"] = r.model;
  j["system"] = r.system;
  json messages = json::array();
  for (const auto& m : r.messages) {
    json mj = {{"role", m.role == Role::kUser ? "user" : "assistant"}, {"text", m.text}};
    if (m.cache_breakpoint) mj["cache_breakpoint"] = true;
    messages.push_back(std::move(mj));
  }
  j["messages"] = std::move(messages);
  if (r.temperature) j["temperature"] = *r.temperature;
  j["max_output_tokens"] = r.max_output_tokens;
  if (!r.stop.empty()) j["stop"] = r.stop;
  if (r.json_schema) j["json_schema"] = *r.json_schema;
  j["n_samples"] = r.n_samples;
  return j;
}

json tag_json(const CallTag& t) {
  return {{"idea", t.idea}, {"stage", t.stage}, {"role", t.role}, {"turn", t.turn}};
}

std::string str_field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::int64_t int_field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<std::int64_t>() : 0;
}

}  // namespace

std::string request_fingerprint(const ChatRequest& request) {
  return fs::sha256_hex(sci::json::dump(request_json(request)));
}

std::string tag_key(const CallTag& tag) { return fmt::format("{}/{}/{}/{}", tag.idea, tag.stage, tag.role, tag.turn); }

std::string cassette_line(const ChatRequest& request, const ChatResponse& response) {
  json line = json::object();
  line["v"] = 1;
  line["tag"] = tag_json(request.tag);
  line["fingerprint"] = request_fingerprint(request);
  line["request"] = request_json(request);
  json resp = {{"text", response.text},
               {"finish", finish_name(response.finish)},
               {"model", response.model},
               {"provider", response.provider},
               {"latency_s", response.latency_s}};
  if (response.samples.size() > 1) resp["samples"] = response.samples;
  line["response"] = std::move(resp);
  line["usage"] = {{"input_tokens", response.usage.input_tokens},
                   {"output_tokens", response.usage.output_tokens},
                   {"cached_input_tokens", response.usage.cached_input_tokens},
                   {"cache_write_tokens", response.usage.cache_write_tokens}};
  return sci::json::dump(line);
}

Result<CassetteEntry> parse_cassette_line(std::string_view text, size_t line_no) {
  auto where = fmt::format("cassette line {}", line_no);
  SCI_ASSIGN_OR_RETURN(json j, sci::json::parse(text, where));
  if (!j.is_object()) return make_error(ErrorCode::kParse, where + ": not a JSON object");
  CassetteEntry e;
  e.line = line_no;
  if (!j.contains("tag") || !j["tag"].is_object())
    return make_error(ErrorCode::kParse, where + ": missing \"tag\" {idea, stage, role, turn}");
  const json& t = j["tag"];
  e.tag.idea = str_field(t, "idea");
  e.tag.stage = str_field(t, "stage");
  e.tag.role = str_field(t, "role");
  e.tag.turn = static_cast<int>(int_field(t, "turn"));
  e.scripted = j.contains("scripted") && j["scripted"].is_boolean() && j["scripted"].get<bool>();
  e.fingerprint = str_field(j, "fingerprint");
  if (j.contains("request") && j["request"].is_object()) {
    const json& r = j["request"];
    e.has_request = true;
    e.request.model = str_field(r, "model");
    e.request.system = str_field(r, "system");
    if (r.contains("messages") && r["messages"].is_array())
      for (const auto& m : r["messages"]) {
        Message msg;
        msg.role = str_field(m, "role") == "assistant" ? Role::kAssistant : Role::kUser;
        msg.text = str_field(m, "text");
        msg.cache_breakpoint = m.is_object() && m.value("cache_breakpoint", false);
        e.request.messages.push_back(std::move(msg));
      }
    if (r.contains("temperature") && r["temperature"].is_number()) e.request.temperature = r["temperature"].get<double>();
    if (r.contains("max_output_tokens")) e.request.max_output_tokens = static_cast<int>(int_field(r, "max_output_tokens"));
    if (r.contains("stop") && r["stop"].is_array())
      for (const auto& s : r["stop"])
        if (s.is_string()) e.request.stop.push_back(s.get<std::string>());
    if (r.contains("json_schema") && r["json_schema"].is_string()) e.request.json_schema = r["json_schema"].get<std::string>();
    if (r.contains("n_samples")) e.request.n_samples = static_cast<int>(int_field(r, "n_samples"));
    e.request.tag = e.tag;
  }
  if (!j.contains("response") || !j["response"].is_object() || !j["response"].contains("text") ||
      !j["response"]["text"].is_string())
    return make_error(ErrorCode::kParse, where + ": missing \"response\": {\"text\": ...}");
  const json& r = j["response"];
  e.response.text = r["text"].get<std::string>();
  e.response.finish = finish_from(str_field(r, "finish"));
  e.response.model = str_field(r, "model");
  e.response.provider = str_field(r, "provider");
  if (r.contains("latency_s") && r["latency_s"].is_number()) e.response.latency_s = r["latency_s"].get<double>();
  if (r.contains("samples") && r["samples"].is_array()) {
    for (const auto& s : r["samples"])
      if (s.is_string()) e.response.samples.push_back(s.get<std::string>());
  }
  if (e.response.samples.empty()) e.response.samples = {e.response.text};
  if (j.contains("usage") && j["usage"].is_object()) {
    const json& u = j["usage"];
    e.response.usage.input_tokens = int_field(u, "input_tokens");
    e.response.usage.output_tokens = int_field(u, "output_tokens");
    e.response.usage.cached_input_tokens = int_field(u, "cached_input_tokens");
    e.response.usage.cache_write_tokens = int_field(u, "cache_write_tokens");
  }
  return e;
}

Result<std::vector<CassetteEntry>> load_cassette(const std::filesystem::path& path) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  std::vector<CassetteEntry> out;
  size_t line_no = 0;
  for (const auto& line : str::split_lines(text)) {
    ++line_no;
    auto t = str::trim(line);
    if (t.empty() || str::starts_with(t, "#") || str::starts_with(t, "//")) continue;
    auto e = parse_cassette_line(t, line_no);
    if (!e.ok()) return e.error().with_context(path.string());
    out.push_back(std::move(e).value());
  }
  return out;
}

RecordingClient::RecordingClient(std::shared_ptr<LlmClient> inner, std::filesystem::path path)
    : inner_(std::move(inner)), path_(std::move(path)) {}

Result<ChatResponse> RecordingClient::chat(const ChatRequest& request) {
  auto result = inner_->chat(request);
  if (!result.ok()) return result;
  std::string line = log::redact(cassette_line(request, *result));
  std::lock_guard lock(mu_);
  auto st = fs::append_line(path_, line);
  if (!st.ok()) return st.error().with_context("recording to cassette " + path_.string());
  return result;
}

Result<ReplayMatch> parse_replay_match(std::string_view name) {
  if (name == "tag" || name.empty()) return ReplayMatch::kTag;
  if (name == "exact") return ReplayMatch::kExact;
  if (name == "sequential") return ReplayMatch::kSequential;
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("replay mode '{}' must be tag, exact or sequential", name));
}

Result<std::shared_ptr<ReplayClient>> ReplayClient::open(const std::filesystem::path& path, ReplayMatch match) {
  SCI_ASSIGN_OR_RETURN(auto entries, load_cassette(path));
  return std::make_shared<ReplayClient>(std::move(entries), match, path.string());
}

ReplayClient::ReplayClient(std::vector<CassetteEntry> entries, ReplayMatch match, std::string source)
    : entries_(std::move(entries)), used_(entries_.size(), false), match_(match), source_(std::move(source)) {}

size_t ReplayClient::remaining() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count(used_.begin(), used_.end(), false));
}

Result<ChatResponse> ReplayClient::chat(const ChatRequest& request) { return chat_with(request, match_); }

namespace {

std::string request_text(const ChatRequest& r) {
  std::string out = "[system]\n" + r.system + "\n";
  for (const auto& m : r.messages) out += (m.role == Role::kUser ? "[user]\n" : "[assistant]\n") + m.text + "\n";
  return out;
}

}  // namespace

std::string prompt_diff(const std::string& recorded, const std::string& now, size_t max_lines) {
  auto a = str::split_lines(recorded);
  auto b = str::split_lines(now);
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("@@ line {} @@", pre + 1));
  for (size_t i = pre; i < a.size() - suf; ++i) lines.push_back("- " + a[i]);
  for (size_t i = pre; i < b.size() - suf; ++i) lines.push_back("+ " + b[i]);
  if (lines.size() > max_lines + 1) {
    size_t dropped = lines.size() - max_lines - 1;
    lines.resize(max_lines + 1);
    lines.push_back(fmt::format("... {} more line(s)", dropped));
  }
  return str::join(lines, "\n");
}

Result<ChatResponse> ReplayClient::chat_with(const ChatRequest& request, ReplayMatch match) {
  std::lock_guard lock(mu_);
  const std::string key = tag_key(request.tag);
  if (match == ReplayMatch::kSequential) {
    for (size_t i = 0; i < entries_.size(); ++i)
      if (!used_[i]) return take(i, request, match);
    return make_error(ErrorCode::kNotFound,
                      fmt::format("replay: cassette {} is exhausted ({} entries served)", source_, entries_.size()));
  }
  const std::string fp = match == ReplayMatch::kExact ? request_fingerprint(request) : "";
  bool key_seen = false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (used_[i] || tag_key(entries_[i].tag) != key) continue;
    key_seen = true;
    if (match == ReplayMatch::kExact && !entries_[i].scripted && entries_[i].fingerprint != fp) continue;
    return take(i, request, match);
  }
  if (match == ReplayMatch::kExact && key_seen)
    return make_error(ErrorCode::kNotFound,
                      fmt::format("replay: no entry for key {} with fingerprint {} in {} (the request changed; "
                                  "use tag matching to tolerate drift)",
                                  key, fp, source_));
  // Help the reader: list the turns the cassette does have for this idea/stage/role.
  std::vector<std::string> near;
  for (size_t i = 0; i < entries_.size() && near.size() < 8; ++i)
    if (entries_[i].tag.idea == request.tag.idea && entries_[i].tag.stage == request.tag.stage)
      near.push_back(tag_key(entries_[i].tag) + (used_[i] ? " (used)" : ""));
  return make_error(ErrorCode::kNotFound,
                    fmt::format("replay: no cassette entry for key {} (idea/stage/role/turn) in {}{}", key, source_,
                                near.empty() ? "" : "; entries for this idea and stage: " + str::join(near, ", ")));
}

Result<ChatResponse> ReplayClient::take(size_t index, const ChatRequest& request, ReplayMatch match) {
  used_[index] = true;
  const CassetteEntry& e = entries_[index];
  if (match != ReplayMatch::kExact && e.has_request && !e.scripted) {
    std::string now_fp = request_fingerprint(request);
    if (!e.fingerprint.empty() && e.fingerprint != now_fp) {
      log::info("replay: prompt drift for {} (cassette line {}):\n{}", tag_key(request.tag), e.line,
                prompt_diff(request_text(e.request), request_text(request)));
    }
  }
  ChatResponse r = e.response;
  if (r.model.empty()) r.model = request.model;
  if (r.provider.empty()) r.provider = "replay";
  return r;
}

}  // namespace sci::llm
