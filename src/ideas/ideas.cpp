// Idea generation, validation, de-duplication and the ideas.json archive; see ideas.h.
#include "ideas/ideas.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "prompts/prompts.h"

namespace sci::ideas {
namespace {

using json::Json;

Json to_json(const Idea& i) {
  Json j = {{"Name", i.name},
            {"Title", i.title},
            {"Experiment", i.experiment},
            {"Interestingness", i.interestingness},
            {"Feasibility", i.feasibility},
            {"Novelty", i.novelty},
            {"novelty_status", i.novelty_status}};
  // The original's boolean, kept for tools that read it; only when decided.
  if (i.novelty_status == "novel") j["novel"] = true;
  else if (i.novelty_status == "not_novel") j["novel"] = false;
  if (!i.novelty_evidence.empty()) j["novelty_evidence"] = i.novelty_evidence;
  if (i.score >= 0) j["Score"] = i.score;
  if (i.first_turn >= 0) j["generation_turns"] = {i.first_turn, i.last_turn};
  return j;
}

// Integer rating 1..10 from a number or a numeric string; explains what is wrong.
Result<int> rating(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return make_error(ErrorCode::kInvalidArgument, fmt::format("field \"{}\" is missing", key));
  double v = 0;
  if (it->is_number()) v = it->get<double>();
  else if (it->is_string()) {
    std::string s = std::string(str::trim(it->get<std::string>()));
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0')
      return make_error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be an integer 1-10, got \"{}\"", key, s));
  } else {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be an integer 1-10", key));
  }
  if (v != std::floor(v) || v < 1 || v > 10)
    return make_error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" must be an integer 1-10, got {}", key, v));
  return static_cast<int>(v);
}

Result<Idea> from_object(const Json& o, bool strict) {
  if (!o.is_object()) return make_error(ErrorCode::kInvalidArgument, "the idea is not a JSON object");
  Idea i;
  for (const char* k : {"Name", "Title", "Experiment"}) {
    auto it = o.find(k);
    if (it == o.end() || !it->is_string() || str::trim(it->get<std::string>()).empty())
      return make_error(ErrorCode::kInvalidArgument, fmt::format("field \"{}\" is missing or not a non-empty string", k));
  }
  i.name = make_safe_name(o["Name"].get<std::string>());
  if (i.name.empty())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("\"Name\" \"{}\" has no usable letters or digits", o["Name"].get<std::string>()));
  i.title = std::string(str::trim(o["Title"].get<std::string>()));
  i.experiment = std::string(str::trim(o["Experiment"].get<std::string>()));
  if (strict) {
    SCI_ASSIGN_OR_RETURN(i.interestingness, rating(o, "Interestingness"));
    SCI_ASSIGN_OR_RETURN(i.feasibility, rating(o, "Feasibility"));
    SCI_ASSIGN_OR_RETURN(i.novelty, rating(o, "Novelty"));
  } else {  // archive and seed files: be lenient, keep what is there
    i.interestingness = rating(o, "Interestingness").value_or(0);
    i.feasibility = rating(o, "Feasibility").value_or(0);
    i.novelty = rating(o, "Novelty").value_or(0);
  }
  if (auto it = o.find("novelty_status"); it != o.end() && it->is_string()) i.novelty_status = it->get<std::string>();
  else if (auto n = o.find("novel"); n != o.end() && n->is_boolean()) i.novelty_status = n->get<bool>() ? "novel" : "not_novel";
  if (auto it = o.find("novelty_evidence"); it != o.end() && it->is_string()) i.novelty_evidence = it->get<std::string>();
  if (auto it = o.find("Score"); it != o.end() && it->is_number()) i.score = it->get<double>();
  if (auto it = o.find("generation_turns"); it != o.end() && it->is_array() && it->size() == 2 &&
                                            (*it)[0].is_number_integer() && (*it)[1].is_number_integer()) {
    i.first_turn = (*it)[0].get<int>();
    i.last_turn = (*it)[1].get<int>();
  }
  return i;
}

std::set<std::string> word_set(std::string_view s) {
  static const std::set<std::string> kStop = {"a",   "an",  "the", "of",   "on",   "in",  "for", "to",  "and",
                                              "with", "is", "via", "by",   "from", "its", "we",  "our", "using",
                                              "at",  "as",  "or",  "this", "that", "be",  "it"};
  std::set<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty() && !kStop.count(cur)) out.insert(cur);
    cur.clear();
  };
  for (unsigned char c : s) {
    if (std::isalnum(c)) cur.push_back(static_cast<char>(std::tolower(c)));
    else flush();
  }
  flush();
  return out;
}

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  size_t inter = 0;
  for (const auto& w : a) inter += b.count(w);
  return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

std::string archive_for_prompt(const std::vector<Idea>& archive) {
  if (archive.empty()) return "(none yet)";
  std::string out;
  for (const auto& i : archive) {
    out += fmt::format("- {}: {} (interestingness {}, feasibility {}, novelty {}", i.name, i.title, i.interestingness,
                       i.feasibility, i.novelty);
    // Open-ended mode: what became of the ideas already researched.
    if (i.score >= 0) out += fmt::format("; researched, review score {:g} of 10{}", i.score, i.score == 0 ? ", it failed" : "");
    out += ")\n";
  }
  bool scored = std::any_of(archive.begin(), archive.end(), [](const Idea& i) { return i.score >= 0; });
  if (scored)
    out += "Ideas with a review score were already researched and their papers reviewed (0 means the research "
           "failed). Learn from the scores: build on what worked, avoid what failed.\n";
  return out;
}

}  // namespace

std::string make_safe_name(std::string_view raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) && c < 0x80) out.push_back(static_cast<char>(std::tolower(c)));
    else if (!out.empty() && out.back() != '_') out.push_back('_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 64) {
    out.resize(64);
    while (!out.empty() && out.back() == '_') out.pop_back();
  }
  return out;
}

std::optional<std::string> extract_json_object(std::string_view reply) {
  // Prefer the last fenced ```json block (the model may quote earlier versions).
  size_t fence = reply.rfind("```json");
  if (fence != std::string_view::npos) {
    size_t start = fence + 7;
    size_t end = reply.find("```", start);
    std::string_view body = reply.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    body = str::trim(body);
    if (!body.empty()) return std::string(body);
  }
  // Otherwise the first balanced {...}, skipping braces inside strings.
  size_t open = reply.find('{');
  while (open != std::string_view::npos) {
    int depth = 0;
    bool in_str = false;
    for (size_t i = open; i < reply.size(); ++i) {
      char c = reply[i];
      if (in_str) {
        if (c == '\\') ++i;
        else if (c == '"') in_str = false;
        continue;
      }
      if (c == '"') in_str = true;
      else if (c == '{') ++depth;
      else if (c == '}' && --depth == 0) return std::string(reply.substr(open, i - open + 1));
    }
    open = reply.find('{', open + 1);
    break;  // unbalanced: give the rest to the JSON parser for a precise error
  }
  if (auto o = reply.find('{'); o != std::string_view::npos) return std::string(reply.substr(o));
  return std::nullopt;
}

std::optional<std::string> find_duplicate(const Idea& idea, const std::vector<Idea>& archive) {
  auto title = word_set(idea.title);
  auto exp = word_set(idea.experiment);
  for (const auto& other : archive) {
    if (other.name == idea.name) return fmt::format("an idea named \"{}\" is already in the archive", idea.name);
    double t = jaccard(title, word_set(other.title));
    if (t >= 0.8)
      return fmt::format("its title is nearly the same as \"{}\" ({:.0f}% shared words)", other.name, t * 100);
    double e = jaccard(exp, word_set(other.experiment));
    if (e >= 0.8)
      return fmt::format("its experiment is nearly the same as \"{}\" ({:.0f}% shared words)", other.name, e * 100);
  }
  return std::nullopt;
}

Result<Idea> validate_idea(const std::string& json_text, const std::vector<Idea>& archive) {
  auto parsed = json::parse(json_text, "idea JSON");
  if (!parsed.ok())
    return make_error(ErrorCode::kInvalidArgument, "the idea JSON is not valid JSON (" + parsed.error().message + ")");
  SCI_ASSIGN_OR_RETURN(Idea idea, from_object(*parsed, /*strict=*/true));
  idea.novelty_status = "unchecked";
  idea.novelty_evidence.clear();
  if (auto dup = find_duplicate(idea, archive)) return make_error(ErrorCode::kInvalidArgument, "duplicate idea: " + *dup);
  return idea;
}

std::string idea_to_json(const Idea& idea, int indent) { return json::dump(to_json(idea), indent); }

Result<Idea> idea_from_json(const std::string& text) {
  SCI_ASSIGN_OR_RETURN(auto j, json::parse(text, "idea"));
  return from_object(j, /*strict=*/false);
}

Result<std::vector<Idea>> load_archive(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<Idea>{};
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  auto j = json::parse(text, path.string());
  if (!j.ok())
    return make_error(ErrorCode::kParse,
                      fmt::format("{} is corrupt ({}); fix or move it away to start a new archive", path.string(),
                                  j.error().message));
  if (!j->is_array()) return make_error(ErrorCode::kParse, path.string() + " must hold a JSON array of ideas");
  std::vector<Idea> out;
  size_t index = 0;
  for (const auto& o : *j) {
    auto idea = from_object(o, /*strict=*/false);
    if (!idea.ok())
      return make_error(ErrorCode::kParse, fmt::format("{}: idea #{}: {}", path.string(), index, idea.error().message));
    out.push_back(std::move(idea).value());
    ++index;
  }
  return out;
}

Status save_archive(const std::filesystem::path& path, const std::vector<Idea>& ideas) {
  Json arr = Json::array();
  for (const auto& i : ideas) arr.push_back(to_json(i));
  return fs::write_file_atomic(path, json::dump(arr, 4) + "\n");
}

Result<TemplateInfo> load_template_info(const std::filesystem::path& dir) {
  TemplateInfo info;
  info.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (info.name.empty()) info.name = std::filesystem::absolute(dir).parent_path().filename().string();
  auto prompt_path = dir / "prompt.json";
  auto prompt = json::parse_file(prompt_path.string());
  if (!prompt.ok()) {
    if (prompt.error().code == ErrorCode::kNotFound)
      return make_error(ErrorCode::kNotFound,
                        fmt::format("{} not found: a template needs prompt.json with \"system\" and \"task_description\"",
                                    prompt_path.string()));
    return prompt.error();
  }
  info.system = prompt->value("system", "");
  info.task_description = prompt->value("task_description", "");
  if (info.task_description.empty())
    return make_error(ErrorCode::kParse, prompt_path.string() + ": \"task_description\" is missing or empty");
  auto code = fs::read_file(dir / "experiment.py");
  if (!code.ok())
    return make_error(ErrorCode::kNotFound, fmt::format("{} not found: a template needs experiment.py",
                                                        (dir / "experiment.py").string()));
  info.code = std::move(code).value();
  std::error_code ec;
  if (std::filesystem::exists(dir / "seed_ideas.json", ec)) {
    auto seeds = load_archive(dir / "seed_ideas.json");
    if (!seeds.ok()) return seeds.error();
    info.seeds = std::move(seeds).value();
  }
  return info;
}

Result<GenerateReport> generate_ideas(llm::LlmClient& llm, const TemplateInfo& info, const GenerateOptions& options,
                                      const std::function<void(const Idea&)>& on_idea) {
  GenerateReport report;
  SCI_ASSIGN_OR_RETURN(report.archive, load_archive(options.archive_path));
  if (report.archive.empty() && !info.seeds.empty()) {
    report.archive = info.seeds;
    SCI_TRY(save_archive(options.archive_path, report.archive));
  }
  std::set<std::string> seed_names;
  for (const auto& s : info.seeds) seed_names.insert(s.name);
  int existing = 0;
  for (const auto& i : report.archive) existing += seed_names.count(i.name) ? 0 : 1;
  int wanted = std::max(0, options.num_ideas - existing);
  if (wanted == 0) {
    log::info("ideas: archive already holds {} generated ideas; nothing to do", existing);
    return report;
  }
  log::info("ideas: archive has {} ideas ({} generated); generating {} more", report.archive.size(), existing, wanted);

  int turn = options.first_turn;
  if (turn < 0) {
    turn = 0;
    for (const auto& i : report.archive) turn = std::max(turn, i.last_turn + 1);
  }
  SCI_ASSIGN_OR_RETURN(std::string system, prompts::render("ideas/system", {{"template_system", info.system}}));
  auto ask = [&](std::vector<llm::Message>& history) -> Result<std::string> {
    llm::ChatRequest req;
    req.model = options.model;
    req.system = system;
    req.messages = history;
    req.temperature = options.temperature;
    req.max_output_tokens = options.max_output_tokens;
    req.tag = llm::CallTag{"", "ideas", "ideas", turn++};
    SCI_ASSIGN_OR_RETURN(auto resp, llm.chat(req));
    ++report.llm_calls;
    report.cost_usd += resp.cost_usd;
    history.push_back({llm::Role::kAssistant, resp.text, false});
    return resp.text;
  };
  // One answer -> a valid idea, with one repair retry on a bad answer (`reply` becomes
  // the last answer, so "I am done" in a repaired answer is seen).
  auto parse_with_repair = [&](std::vector<llm::Message>& history, std::string& reply) -> Result<Idea> {
    for (int attempt = 0;; ++attempt) {
      Result<Idea> idea = make_error(ErrorCode::kInvalidArgument, "the answer has no JSON object");
      if (auto obj = extract_json_object(reply)) idea = validate_idea(*obj, report.archive);
      if (idea.ok() || attempt == 1) return idea;
      SCI_ASSIGN_OR_RETURN(std::string repair, prompts::render("ideas/repair", {{"problem", idea.error().message}}));
      history.push_back({llm::Role::kUser, repair, false});
      SCI_ASSIGN_OR_RETURN(reply, ask(history));
    }
  };

  for (int attempt = 1; attempt <= wanted; ++attempt) {
    const int attempt_first_turn = turn;
    std::vector<llm::Message> history;
    SCI_ASSIGN_OR_RETURN(std::string first,
                         prompts::render("ideas/generate", {{"task_description", info.task_description},
                                                            {"code", info.code},
                                                            {"archive", archive_for_prompt(report.archive)},
                                                            {"attempt", std::to_string(attempt)},
                                                            {"num_attempts", std::to_string(wanted)},
                                                            {"reflections", std::to_string(options.reflections)}}));
    history.push_back({llm::Role::kUser, first, true});
    SCI_ASSIGN_OR_RETURN(std::string reply, ask(history));
    auto idea = parse_with_repair(history, reply);
    if (!idea.ok()) {
      if (idea.error().code != ErrorCode::kInvalidArgument) return idea.error();
      std::string reason = fmt::format("attempt {}: dropped: {}", attempt, idea.error().message);
      log::warn("ideas: {}", reason);
      report.dropped.push_back(reason);
      continue;
    }
    Idea current = std::move(idea).value();
    for (int round = 1; round <= options.reflections; ++round) {
      if (reply.find("I am done") != std::string::npos) break;
      SCI_ASSIGN_OR_RETURN(std::string reflect, prompts::render("ideas/reflect", {{"round", std::to_string(round)},
                                                                                 {"reflections",
                                                                                  std::to_string(options.reflections)}}));
      history.push_back({llm::Role::kUser, reflect, false});
      SCI_ASSIGN_OR_RETURN(reply, ask(history));
      auto better = parse_with_repair(history, reply);
      if (!better.ok()) {
        if (better.error().code != ErrorCode::kInvalidArgument) return better.error();
        log::warn("ideas: reflection {} of '{}' unusable ({}); keeping the previous version", round, current.name,
                  better.error().message);
        break;
      }
      current = std::move(better).value();
    }
    current.first_turn = attempt_first_turn;
    current.last_turn = turn - 1;
    report.archive.push_back(current);
    SCI_TRY(save_archive(options.archive_path, report.archive));
    report.added.push_back(current);
    log::info("ideas: added '{}' ({})", current.name, current.title);
    if (on_idea) on_idea(current);
  }
  return report;
}

Status record_score(const std::filesystem::path& archive_path, const std::string& name, double score) {
  SCI_ASSIGN_OR_RETURN(std::vector<Idea> archive, load_archive(archive_path));
  for (auto& idea : archive) {
    if (idea.name != name) continue;
    idea.score = score;
    return save_archive(archive_path, archive);
  }
  return make_error(ErrorCode::kNotFound, fmt::format("idea '{}' is not in {}", name, archive_path.string()));
}

}  // namespace sci::ideas
