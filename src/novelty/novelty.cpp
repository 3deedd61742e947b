// The novelty loop; see novelty.h.
#include "novelty/novelty.h"

#include <set>

#include <fmt/format.h>

#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "prompts/prompts.h"

namespace sci::novelty {
namespace {

using json::Json;

// The JSON object in a reply: last ```json block, else the last balanced {...}.
std::optional<std::string> find_json(std::string_view reply) {
  size_t fence = reply.rfind("```json");
  if (fence != std::string_view::npos) {
    size_t start = fence + 7;
    size_t end = reply.find("```", start);
    auto body = str::trim(reply.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!body.empty()) return std::string(body);
  }
  size_t close = reply.rfind('}');
  if (close == std::string_view::npos) return std::nullopt;
  int depth = 0;
  for (size_t i = close + 1; i-- > 0;) {
    if (reply[i] == '}') ++depth;
    else if (reply[i] == '{' && --depth == 0) return std::string(reply.substr(i, close - i + 1));
  }
  return std::nullopt;
}

std::string thought_of(std::string_view reply) {
  size_t t = reply.find("THOUGHT:");
  size_t start = t == std::string_view::npos ? 0 : t + 8;
  size_t end = reply.find("RESPONSE:", start);
  if (end == std::string_view::npos) end = reply.find("```", start);
  return std::string(str::trim(reply.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
}

struct Action {
  std::string query;
  std::string decision;  // "novel" | "not_novel"
  std::vector<std::string> closest;
  std::string reason;
};

Result<Action> parse_action(std::string_view reply) {
  auto text = find_json(reply);
  if (!text) {
    // The original's plain-text form, accepted for compatibility.
    std::string lower = str::to_lower(reply);
    if (lower.find("decision made: not novel") != std::string::npos) return Action{"", kNotNovel, {}, ""};
    if (lower.find("decision made: novel") != std::string::npos) return Action{"", kNovel, {}, ""};
    return make_error(ErrorCode::kInvalidArgument, "the answer has no JSON object");
  }
  auto j = json::parse(*text, "novelty answer");
  if (!j.ok() || !j->is_object())
    return make_error(ErrorCode::kInvalidArgument, "the JSON object is not valid JSON");
  Action a;
  if (auto d = j->find("Decision"); d != j->end() && d->is_string()) {
    std::string v = str::to_lower(str::trim(d->get<std::string>()));
    v = str::replace_all(v, " ", "_");
    v = str::replace_all(v, "-", "_");
    if (v != kNovel && v != kNotNovel)
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("\"Decision\" must be \"novel\" or \"not_novel\", got \"{}\"", d->get<std::string>()));
    a.decision = v;
    if (auto c = j->find("Closest"); c != j->end() && c->is_array())
      for (const auto& x : *c)
        if (x.is_string()) a.closest.push_back(x.get<std::string>());
    if (auto r = j->find("Reason"); r != j->end() && r->is_string()) a.reason = r->get<std::string>();
    return a;
  }
  if (auto q = j->find("Query"); q != j->end() && q->is_string() && !str::trim(q->get<std::string>()).empty()) {
    a.query = std::string(str::trim(q->get<std::string>()));
    return a;
  }
  return make_error(ErrorCode::kInvalidArgument, "the JSON object has neither a \"Query\" nor a \"Decision\"");
}

Json paper_json(const literature::Paper& p) {
  return {{"id", p.id},         {"title", p.title},   {"authors", p.authors},
          {"venue", p.venue},   {"year", p.year},     {"citation_count", p.citation_count},
          {"doi", p.doi},       {"arxiv_id", p.arxiv_id}, {"url", p.url},
          {"abstract", p.abstract}, {"bibtex_key", p.bibtex_key}, {"engine", p.engine}};
}

}  // namespace

std::string format_results(const std::vector<literature::Paper>& papers) {
  if (papers.empty()) return "No papers found.";
  std::string out;
  for (size_t i = 0; i < papers.size(); ++i) {
    const auto& p = papers[i];
    std::string authors = p.authors.empty() ? "unknown authors" : str::join(p.authors, ", ");
    if (p.authors.size() > 6)
      authors = str::join(std::vector<std::string>(p.authors.begin(), p.authors.begin() + 6), ", ") + " et al.";
    out += fmt::format("{}: [{}] {}. {}. {}, {}. Citations: {}.\nAbstract: {}\n\n", i, p.id, p.title, authors,
                       p.venue.empty() ? "venue unknown" : p.venue, p.year > 0 ? std::to_string(p.year) : "year unknown",
                       p.citation_count >= 0 ? std::to_string(p.citation_count) : "unknown",
                       p.abstract.empty() ? "(no abstract)" : p.abstract);
  }
  return out;
}

Result<Verdict> check_novelty(llm::LlmClient& llm, literature::LiteratureClient& literature, const IdeaForCheck& idea,
                              const NoveltyOptions& options) {
  Verdict v;
  SCI_ASSIGN_OR_RETURN(std::string system,
                       prompts::render("novelty/system", {{"rounds", std::to_string(options.rounds)},
                                                          {"task_description", options.task_description}}));
  std::string last_results = "(no search yet)";
  std::vector<literature::Paper> shown_all;
  int turn = 0;
  int engine_errors = 0;
  std::string last_engine_error;

  auto ask = [&](std::vector<llm::Message> messages) -> Result<std::string> {
    llm::ChatRequest req;
    req.model = options.model;
    req.system = system;
    req.messages = std::move(messages);
    req.temperature = options.temperature;
    req.max_output_tokens = options.max_output_tokens;
    req.tag = llm::CallTag{idea.name, "novelty", "novelty", turn++};
    SCI_ASSIGN_OR_RETURN(auto resp, llm.chat(req));
    ++v.llm_calls;
    v.cost_usd += resp.cost_usd;
    return resp.text;
  };

  for (int round = 1; round <= options.rounds; ++round) {
    SCI_ASSIGN_OR_RETURN(std::string prompt, prompts::render("novelty/round", {{"round", std::to_string(round)},
                                                                              {"rounds", std::to_string(options.rounds)},
                                                                              {"idea", idea.json},
                                                                              {"results", last_results}}));
    std::vector<llm::Message> messages = {{llm::Role::kUser, prompt, false}};
    SCI_ASSIGN_OR_RETURN(std::string reply, ask(messages));
    auto action = parse_action(reply);
    if (!action.ok()) {  // one repair retry, then the round is lost
      messages.push_back({llm::Role::kAssistant, reply, false});
      SCI_ASSIGN_OR_RETURN(std::string repair, prompts::render("novelty/repair", {{"problem", action.error().message}}));
      messages.push_back({llm::Role::kUser, repair, false});
      SCI_ASSIGN_OR_RETURN(reply, ask(messages));
      action = parse_action(reply);
      if (!action.ok()) {
        log::warn("novelty: '{}' round {}: unusable answer ({})", idea.name, round, action.error().message);
        v.rounds.push_back({round, thought_of(reply), "", {}, "unusable answer: " + action.error().message});
        continue;
      }
    }
    SearchRound r;
    r.round = round;
    r.thought = thought_of(reply);
    if (!action->decision.empty()) {
      v.rounds.push_back(r);
      v.reason = action->reason.empty() ? r.thought : action->reason;
      std::set<std::string> wanted(action->closest.begin(), action->closest.end());
      for (const auto& p : shown_all)
        if (wanted.count(p.id) || wanted.count(p.bibtex_key)) v.closest.push_back(p);
      if (action->decision == kNovel && v.total_results == 0) {
        v.status = kUnknown;
        v.reason = "the model said novel but no search returned any paper; zero results are not evidence of novelty";
        log::info("novelty: '{}': novel without any results -> unknown", idea.name);
      } else {
        v.status = action->decision;
      }
      return v;
    }
    r.query = action->query;
    auto found = literature.search({r.query, options.results_per_query});
    if (!found.ok()) {
      if (found.error().code == ErrorCode::kCancelled) return found.error();
      r.error = found.error().to_string();
      last_engine_error = r.error;
      last_results = "The search failed: " + found.error().message;
      v.rounds.push_back(r);
      if (++engine_errors >= options.max_consecutive_engine_errors) {
        v.status = kUnknown;
        v.reason = "the literature engine is unavailable: " + last_engine_error;
        log::warn("novelty: '{}': {}", idea.name, v.reason);
        return v;
      }
      continue;
    }
    engine_errors = 0;
    r.results = std::move(found).value();
    v.total_results += static_cast<int>(r.results.size());
    last_results = format_results(r.results);
    for (const auto& p : r.results) shown_all.push_back(p);
    v.rounds.push_back(std::move(r));
  }
  v.status = kUnknown;
  v.reason = v.total_results == 0
                 ? fmt::format("no decision after {} rounds and no search returned any paper", options.rounds)
                 : fmt::format("no decision after {} rounds", options.rounds);
  return v;
}

std::string verdict_to_json(const IdeaForCheck& idea, const Verdict& v) {
  Json rounds = Json::array();
  for (const auto& r : v.rounds) {
    Json results = Json::array();
    for (const auto& p : r.results) results.push_back(paper_json(p));
    Json jr = {{"round", r.round}, {"thought", r.thought}, {"query", r.query}, {"results", results}};
    if (!r.error.empty()) jr["error"] = r.error;
    rounds.push_back(jr);
  }
  Json closest = Json::array();
  for (const auto& p : v.closest) closest.push_back(paper_json(p));
  Json out = {{"idea", idea.name},         {"title", idea.title},       {"status", v.status},
              {"reason", v.reason},        {"total_results", v.total_results}, {"closest", closest},
              {"rounds", rounds},          {"llm_calls", v.llm_calls},  {"cost_usd", v.cost_usd}};
  return json::dump(out, 2) + "\n";
}

}  // namespace sci::novelty
