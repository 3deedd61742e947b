// Template fixtures; see templates_fixtures.h.
#include "support/templates_fixtures.h"

#include <fstream>

#include "support/test_paths.h"

namespace sci::testing {

namespace stdfs = std::filesystem;

stdfs::path shipped_templates_dir() { return source_dir() / "templates"; }

stdfs::path copy_shipped_template(const std::string& name, const stdfs::path& dest) {
  stdfs::path from = shipped_templates_dir() / name;
  stdfs::create_directories(dest);
  for (auto it = stdfs::recursive_directory_iterator(from); it != stdfs::recursive_directory_iterator(); ++it) {
    stdfs::path rel = stdfs::relative(it->path(), from);
    std::string first = rel.begin()->string();
    std::string ext = rel.extension().string();
    bool skip = first.rfind("run_", 0) == 0 || first == "__pycache__" || ext == ".png" || ext == ".pdf" ||
                ext == ".aux" || ext == ".log" || ext == ".bbl" || ext == ".blg" || ext == ".pyc";
    if (skip) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory())
      stdfs::create_directories(dest / rel);
    else
      stdfs::copy_file(it->path(), dest / rel, stdfs::copy_options::overwrite_existing);
  }
  return dest;
}

void write_text(const stdfs::path& dir, const std::string& rel, const std::string& content) {
  stdfs::create_directories((dir / rel).parent_path());
  std::ofstream(dir / rel, std::ios::binary | std::ios::trunc) << content;
}

void write_minimal_template(const stdfs::path& dir) {
  stdfs::create_directories(dir);
  stdfs::copy(source_dir() / "tests/support/minimal_template", dir,
              stdfs::copy_options::recursive | stdfs::copy_options::overwrite_existing);
}

}  // namespace sci::testing
