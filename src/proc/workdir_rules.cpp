// Workdir rules; see workdir_rules.h. Paths are canonicalised first, so a symlink
// (or "/tmp/../etc") to a system directory is refused like the directory itself.
#include "proc/workdir_rules.h"

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/strings.h"

namespace sci::proc {

namespace fsys = std::filesystem;

namespace {

fsys::path resolved(const fsys::path& p) {
  std::error_code ec;
  fsys::path abs = fsys::absolute(p, ec);
  fsys::path c = fsys::weakly_canonical(abs, ec);
  return (ec ? abs : c).lexically_normal();
}

Status refuse(const fsys::path& dir, const std::string& why) {
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("refusing {} as a sandbox working directory: {}; the run would take it over (its "
                                "files are handed to the sandbox uid): use a new directory, e.g. --workdir ./run1",
                                dir.string(), why));
}

}  // namespace

Status check_not_system_directory(const fsys::path& dir, const fsys::path& home) {
  const fsys::path d = resolved(dir);
  if (d == d.root_path()) return refuse(d, "it is the root directory");
  // Whole trees: nothing below them is a place for a run.
  for (const char* tree : {"/etc", "/usr", "/bin", "/sbin", "/boot", "/proc", "/sys", "/dev"})
    if (fs::is_within(d, tree)) return refuse(d, fmt::format("it is in the system tree {}", tree));
  const std::string top = d.begin() == d.end() ? std::string() : (++d.begin())->string();
  if (str::starts_with(top, "lib") && fs::is_within(d, "/" + top))
    return refuse(d, fmt::format("it is in the system tree /{}", top));
  // These themselves (their subdirectories are fine: /tmp/x, /home/me/runs).
  for (const char* sys : {"/var", "/home", "/root", "/run", "/tmp", "/opt", "/srv", "/mnt", "/media"})
    if (d == fsys::path(sys)) return refuse(d, "it is a system directory");
  if (!home.empty()) {
    const fsys::path h = resolved(home);
    if (d == h) return refuse(d, "it is your home directory ($HOME)");
    if (fs::is_within(h, d)) return refuse(d, fmt::format("it contains your home directory {}", h.string()));
  }
  return ok_status();
}

Status check_made_for_runs(const fsys::path& dir, ForceWorkdir force) {
  std::error_code ec;
  if (force == ForceWorkdir::kYes || !fsys::exists(dir, ec)) return ok_status();
  if (!fsys::is_directory(dir, ec)) return refuse(dir, "it is not a directory");
  if (fsys::is_empty(dir, ec) || fsys::is_directory(dir / kSandboxMarker, ec)) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("refusing {} as a sandbox working directory: it already holds files and no {}/ "
                                "from an earlier `scientist sandbox run`, so it was not made for runs (the run may "
                                "rewrite anything in it): use a new or empty directory, or pass --force if this "
                                "directory is meant for it",
                                dir.string(), kSandboxMarker));
}

}  // namespace sci::proc
