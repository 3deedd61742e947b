// The research idea an idea directory is built around, as the experiment stages see
// it. Read from the original's idea JSON shape ("Name", "Title", "Experiment", scores)
// so ideas from the original's ideas.json work unchanged.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sci::experiment {

struct Idea {
  std::string name;        // short identifier, [a-z0-9_]; used in the directory name
  std::string title;
  std::string experiment;  // the planned experiment, in prose
  int interestingness = 0;
  int feasibility = 0;
  int novelty = 0;
};

// Parses one idea object. Keys are matched case-insensitively ("Name" or "name").
// Name, Title and Experiment are required; scores default to 0. A file holding a
// JSON array takes its first element. Errors: kParse naming the missing field.
Result<Idea> parse_idea(std::string_view json_text, std::string_view what);
Result<Idea> load_idea(const std::string& path);
// The idea as a JSON object in the original's key spelling (for idea.json).
std::string idea_to_json(const Idea& idea);

}  // namespace sci::experiment
