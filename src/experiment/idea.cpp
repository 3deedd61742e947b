// Idea JSON parsing; see idea.h.
#include "experiment/idea.h"

#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/json.h"
#include "base/strings.h"

namespace sci::experiment {

namespace {
const json::Json* find_ci(const json::Json& obj, std::string_view key) {
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (str::to_lower(it.key()) == str::to_lower(key)) return &it.value();
  return nullptr;
}

Result<std::string> required_string(const json::Json& obj, std::string_view key, std::string_view what) {
  const json::Json* v = find_ci(obj, key);
  if (!v || !v->is_string() || str::trim(v->get<std::string>()).empty())
    return make_error(ErrorCode::kParse, fmt::format("{}: idea field '{}' missing or not a non-empty string", what, key));
  return v->get<std::string>();
}

int score(const json::Json& obj, std::string_view key) {
  const json::Json* v = find_ci(obj, key);
  if (!v) return 0;
  if (v->is_number()) return static_cast<int>(v->get<double>());
  if (v->is_string()) return std::atoi(v->get<std::string>().c_str());
  return 0;
}

// Directory-safe name: lower-case letters, digits and '_' only.
std::string sanitize_name(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) out += static_cast<char>(std::tolower(u));
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}
}  // namespace

Result<Idea> parse_idea(std::string_view json_text, std::string_view what) {
  SCI_ASSIGN_OR_RETURN(json::Json root, json::parse(json_text, what));
  if (root.is_array()) {
    if (root.empty()) return make_error(ErrorCode::kParse, fmt::format("{}: empty list of ideas", what));
    root = root.at(0);
  }
  if (!root.is_object()) return make_error(ErrorCode::kParse, fmt::format("{}: an idea must be a JSON object", what));
  Idea idea;
  SCI_ASSIGN_OR_RETURN(std::string name, required_string(root, "name", what));
  idea.name = sanitize_name(name);
  if (idea.name.empty())
    return make_error(ErrorCode::kParse, fmt::format("{}: idea name '{}' has no letters or digits", what, name));
  SCI_ASSIGN_OR_RETURN(idea.title, required_string(root, "title", what));
  SCI_ASSIGN_OR_RETURN(idea.experiment, required_string(root, "experiment", what));
  idea.interestingness = score(root, "interestingness");
  idea.feasibility = score(root, "feasibility");
  idea.novelty = score(root, "novelty");
  return idea;
}

Result<Idea> load_idea(const std::string& path) {
  SCI_ASSIGN_OR_RETURN(std::string text, fs::read_file(path));
  return parse_idea(text, path);
}

std::string idea_to_json(const Idea& idea) {
  json::Json j = {{"Name", idea.name},
                  {"Title", idea.title},
                  {"Experiment", idea.experiment},
                  {"Interestingness", idea.interestingness},
                  {"Feasibility", idea.feasibility},
                  {"Novelty", idea.novelty}};
  return json::dump(j, 2);
}

}  // namespace sci::experiment
