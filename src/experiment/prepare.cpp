// Idea directory preparation; see prepare.h.
#include "experiment/prepare.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/strings.h"
#include "base/time.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

namespace {
// run_<digits> with a number >= 1: a run from an earlier use of the template dir.
bool is_later_run(const std::string& name) {
  if (!str::starts_with(name, "run_") || name.size() == 4) return false;
  for (size_t i = 4; i < name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return name != "run_0";
}

bool skip_entry(const std::string& name) {
  return is_later_run(name) || name == "attempts" || name == "__pycache__" || name == "transcript.md" ||
         name == "idea.json";
}

std::string format_number(double v) { return fmt::format("{:.6g}", v); }
}  // namespace

std::string means_summary(const templates::FinalInfo& info) {
  std::vector<std::string> datasets;
  for (const auto& [name, d] : info.datasets) {
    std::vector<std::string> metrics;
    for (const auto& [m, v] : d.means) metrics.push_back(fmt::format("'{}': {}", m, format_number(v)));
    datasets.push_back(fmt::format("'{}': {{{}}}", name, str::join(metrics, ", ")));
  }
  return "{" + str::join(datasets, ", ") + "}";
}

std::string initial_notes(const Idea& idea, const templates::FinalInfo& baseline) {
  return fmt::format(
      "# Title: {}\n# Experiment description: {}\n## Run 0: Baseline\nResults: {}\nDescription: Baseline results.\n",
      idea.title, idea.experiment, means_summary(baseline));
}

namespace {
Result<stdfs::path> canonical_template(const stdfs::path& template_dir) {
  std::error_code ec;
  stdfs::path src = stdfs::absolute(template_dir, ec);
  if (ec || !stdfs::is_directory(src, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("template directory {} not found", template_dir.string()));
  return stdfs::weakly_canonical(src, ec);
}
// Keeps the template's template.toml ("" when it has none) read-only beside the idea directory.
Status keep_prepared_manifest(const stdfs::path& template_dir, const stdfs::path& idea_dir) {
  auto text = fs::read_file(template_dir / "template.toml");
  if (!text.ok() && text.error().code != ErrorCode::kNotFound) return text.error();
  const stdfs::path copy = prepared_manifest_path(idea_dir);
  SCI_TRY(fs::write_file_atomic(copy, text.ok() ? *text : std::string()));
  std::error_code ec;
  stdfs::permissions(copy, stdfs::perms::owner_read | stdfs::perms::group_read | stdfs::perms::others_read, ec);
  return ok_status();
}

}  // namespace

Result<PreparedIdea> prepare_idea(const stdfs::path& template_dir, const Idea& idea, const stdfs::path& results_root,
                                  std::string stamp) {
  SCI_ASSIGN_OR_RETURN(stdfs::path src, canonical_template(template_dir));
  std::error_code ec;
  return prepare_idea_in(src, idea, stdfs::absolute(results_root, ec) / src.filename(), std::move(stamp));
}

Result<PreparedIdea> prepare_idea_in(const stdfs::path& template_dir, const Idea& idea, const stdfs::path& batch_dir,
                                     std::string stamp) {
  SCI_ASSIGN_OR_RETURN(stdfs::path src, canonical_template(template_dir));
  std::error_code ec;
  auto baseline_path = src / "run_0" / "final_info.json";
  if (!stdfs::exists(baseline_path, ec))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{} missing: run the template's baseline first (experiment.py --out_dir=run_0)",
                                  baseline_path.string()));
  SCI_ASSIGN_OR_RETURN(templates::FinalInfo baseline, templates::load_final_info(baseline_path));

  PreparedIdea out;
  out.template_name = src.filename().string();
  if (stamp.empty()) stamp = time::now_dir_stamp();
  stdfs::path root = stdfs::absolute(batch_dir, ec);
  out.idea_dir = root / (stamp + "_" + idea.name);
  if (stdfs::exists(out.idea_dir, ec))
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("idea directory {} already exists: pick another name or remove it",
                                  out.idea_dir.string()));
  stdfs::create_directories(out.idea_dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, fmt::format("cannot create {}: {}", out.idea_dir.string(), ec.message()));

  // The results root may live inside the template (e.g. results/ next to it): never copy it into itself.
  stdfs::path root_canon = stdfs::weakly_canonical(root, ec);
  for (const auto& entry : stdfs::directory_iterator(src, ec)) {
    std::string name = entry.path().filename().string();
    if (skip_entry(name)) continue;
    if (fs::is_within(root_canon, stdfs::weakly_canonical(entry.path(), ec))) continue;
    std::error_code copy_ec;
    stdfs::copy(entry.path(), out.idea_dir / name,
                stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks, copy_ec);
    if (copy_ec)
      return make_error(ErrorCode::kIo, fmt::format("copying {} to {}: {}", entry.path().string(),
                                                    out.idea_dir.string(), copy_ec.message()));
  }
  if (ec) return make_error(ErrorCode::kIo, fmt::format("reading {}: {}", src.string(), ec.message()));

  SCI_TRY(keep_prepared_manifest(src, out.idea_dir));
  SCI_TRY(fs::write_file_atomic(out.idea_dir / "idea.json", idea_to_json(idea) + "\n"));
  SCI_TRY(fs::write_file_atomic(out.idea_dir / "notes.txt", initial_notes(idea, baseline)));
  out.baseline = std::move(baseline);
  return out;
}

stdfs::path prepared_manifest_path(const stdfs::path& idea_dir) {
  const stdfs::path dir = idea_dir.lexically_normal();
  const stdfs::path name = dir.has_filename() ? dir.filename() : dir.parent_path().filename();
  const stdfs::path parent = dir.has_filename() ? dir.parent_path() : dir.parent_path().parent_path();
  return parent / ".prepared" / (name.string() + ".template.toml");
}

Result<templates::Manifest> load_idea_manifest(const stdfs::path& idea_dir) {
  std::error_code ec;
  const stdfs::path dir = stdfs::absolute(idea_dir, ec).lexically_normal();
  const stdfs::path trusted = prepared_manifest_path(dir);
  if (!stdfs::is_regular_file(trusted, ec)) {
    SCI_ASSIGN_OR_RETURN(templates::Manifest m, templates::load_manifest(dir));
    m.warnings.push_back(fmt::format("{} has no prepare-time copy of template.toml ({}): its template.toml, which "
                                     "runs can write, gives the limits; prepare the idea again with `scientist idea "
                                     "prepare` to pin them",
                                     dir.string(), trusted.string()));
    return m;
  }
  SCI_ASSIGN_OR_RETURN(templates::Manifest m, templates::load_manifest(dir, trusted));
  auto pinned = fs::read_file(trusted);
  auto current = fs::read_file_beneath(dir, "template.toml", fs::kMaxSourceFileBytes);
  if (pinned.ok() && (current.ok() ? *current != *pinned : !pinned->empty()))
    m.warnings.push_back(fmt::format("{}/template.toml differs from the copy made at `idea prepare`: ignored (runs "
                                     "may not change their own limits); the prepare-time copy {} applies",
                                     dir.string(), trusted.string()));
  return m;
}

Result<Idea> load_idea_dir(const stdfs::path& idea_dir) {
  auto path = idea_dir / "idea.json";
  std::error_code ec;
  if (!stdfs::exists(path, ec))
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{} missing: prepare the directory with `scientist idea prepare`", path.string()));
  return load_idea(path.string());
}

}  // namespace sci::experiment
