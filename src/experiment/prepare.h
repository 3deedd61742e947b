// `idea prepare`: turns a template plus an idea into an idea directory
// results/<template>/<YYYYMMDD_HHMMSS>_<idea>/ ready for the experiment stage.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "experiment/idea.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::experiment {

struct PreparedIdea {
  std::filesystem::path idea_dir;  // absolute
  std::string template_name;
  templates::FinalInfo baseline;   // run_0/final_info.json
};

// Copies `template_dir` (everything except run_N/ for N >= 1, attempts/, __pycache__/
// and transcript.md) to `results_root`/<template name>/<stamp>_<idea.name>/, copying
// run_0/ as a real directory (a copy, not a symlink: the sandbox binds only the idea
// directory, and a link pointing outside it would dangle inside the sandbox), then
// writes idea.json and notes.txt (title, experiment, baseline means). `stamp` empty =
// time::now_dir_stamp(). Errors: kNotFound (no template or no run_0/final_info.json:
// run the baseline first), kParse (bad baseline), kInvalidArgument (target exists), kIo.
Result<PreparedIdea> prepare_idea(const std::filesystem::path& template_dir, const Idea& idea,
                                  const std::filesystem::path& results_root, std::string stamp = {});

// As prepare_idea, but the idea directory is `batch_dir`/<stamp>_<idea.name> (the
// pipeline's batch directory already names the template).
Result<PreparedIdea> prepare_idea_in(const std::filesystem::path& template_dir, const Idea& idea,
                                     const std::filesystem::path& batch_dir, std::string stamp = {});

// The initial notes.txt text (exposed for tests and the pipeline).
std::string initial_notes(const Idea& idea, const templates::FinalInfo& baseline);

// "{'moons': {'accuracy': 0.91}}"-style one-line rendering of the baseline means,
// the shape the original wrote into notes.txt.
std::string means_summary(const templates::FinalInfo& info);

// Where prepare keeps the template's manifest as it was copied: beside the idea
// directory (<batch>/.prepared/<idea dir name>.template.toml, read-only), where no run
// can write (strict hides the batch directory; the degraded level's run uid cannot write it).
std::filesystem::path prepared_manifest_path(const std::filesystem::path& idea_dir);

// The manifest of a prepared idea directory: limits, mounts, network and timeouts come
// from the prepare-time copy, never from <idea_dir>/template.toml, which runs can
// write. A changed or missing copy is reported in Manifest::warnings (with the fix).
Result<templates::Manifest> load_idea_manifest(const std::filesystem::path& idea_dir);

// Reads <idea_dir>/idea.json. kNotFound when the directory was not prepared.
Result<Idea> load_idea_dir(const std::filesystem::path& idea_dir);

}  // namespace sci::experiment
