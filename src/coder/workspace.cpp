// Workspace I/O for the coder; see workspace.h. Paths are checked twice: lexically
// (normalise_path) and physically (weakly_canonical), because a symlink inside the
// idea directory must not let the model write outside it.
#include "coder/workspace.h"

#include <system_error>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "edit/parser.h"

namespace sci::coder {

namespace stdfs = std::filesystem;

namespace {

bool is_within(const stdfs::path& base, const stdfs::path& p) {
  auto b = base.begin(), pe = p.begin();
  for (; b != base.end(); ++b, ++pe) {
    if (b->empty()) continue;  // trailing separator of base
    if (pe == p.end() || *pe != *b) return false;
  }
  return true;
}

}  // namespace

Result<std::string> resolve_inside(const stdfs::path& root, const std::string& relative) {
  std::error_code ec;
  stdfs::path canonical_root = stdfs::canonical(root, ec);
  if (ec) return make_error(ErrorCode::kNotFound, fmt::format("idea directory {} does not exist", root.string()));
  std::string norm = edit::normalise_path(relative);
  if (norm.empty())
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("\"{}\" is not a path inside the idea directory {}; use a relative path "
                                  "that does not climb out with \"..\"",
                                  relative, root.string()));
  stdfs::path resolved = stdfs::weakly_canonical(canonical_root / norm, ec);
  if (ec || !is_within(canonical_root, resolved) || resolved == canonical_root)
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("\"{}\" resolves outside the idea directory {} (through a symlink); "
                                  "only files inside it can be edited",
                                  relative, root.string()));
  return norm;
}

Status load_files(const stdfs::path& root, const std::vector<std::string>& paths, edit::FileSet& files) {
  for (const auto& p : paths) {
    if (files.count(p)) continue;
    std::error_code ec;
    if (!stdfs::is_regular_file(root / p, ec)) continue;
    SCI_ASSIGN_OR_RETURN(std::string content, fs::read_file_beneath(root, p, fs::kMaxSourceFileBytes));
    files[p] = std::move(content);
  }
  return ok_status();
}

Status write_files(const stdfs::path& root, const std::vector<std::string>& changed, const edit::FileSet& files) {
  for (const auto& p : changed) {
    auto it = files.find(p);
    if (it == files.end()) continue;
    SCI_TRY(fs::write_file_atomic(root / p, it->second));
  }
  return ok_status();
}

Result<edit::ApplyResult> apply_to_directory(const stdfs::path& root, std::string_view message,
                                             const std::vector<std::string>& chat_files) {
  auto inside = [&](const std::string& p) { return resolve_inside(root, p).ok(); };
  // Parse once with existence taken from the disk, so a whole-file block never
  // overwrites an existing file that was simply not loaded.
  edit::ParseOptions parse_options;
  parse_options.file_exists = [&](const std::string& p) {
    auto r = resolve_inside(root, p);
    std::error_code ec;
    return !r.ok() || stdfs::exists(root / *r, ec);
  };
  edit::ParseResult parsed = edit::parse_message(message, parse_options);

  std::vector<std::string> to_load;
  for (const auto& f : chat_files)
    if (auto r = resolve_inside(root, f); r.ok()) to_load.push_back(*r);
  for (const auto& b : parsed.blocks)
    if (auto r = resolve_inside(root, b.file); r.ok()) to_load.push_back(*r);
  edit::FileSet files;
  SCI_TRY(load_files(root, to_load, files));

  edit::ApplyOptions options;
  options.chat_files = chat_files;
  options.allow_file = inside;
  edit::ApplyResult result = edit::apply_parsed(std::move(parsed), files, options);
  SCI_TRY(write_files(root, result.changed_files, files));
  return result;
}

}  // namespace sci::coder
