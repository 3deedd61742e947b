// Writeup test fixtures; see writeup_fixtures.h.
#include "support/writeup_fixtures.h"

#include "support/test_paths.h"

namespace sci::testing {

std::filesystem::path writeup_fixture(const std::string& name) {
  return source_dir() / "tests/golden/writeup" / name;
}

std::filesystem::path copy_writeup_fixture(const std::string& name, const std::string& temp_name) {
  auto dest = fresh_temp_dir(temp_name) / name;
  std::filesystem::copy(writeup_fixture(name), dest, std::filesystem::copy_options::recursive);
  return dest;
}

templates::Manifest writeup_basic_manifest() {
  templates::Manifest m;
  m.name = "idea_basic";
  m.title = "Two-moons classification";
  m.run_timeout_s = 600;
  m.page_limit = 8;
  m.metrics["test_acc"] = {"test_acc", templates::Direction::kHigher, "test accuracy"};
  m.metrics["train_loss"] = {"train_loss", templates::Direction::kLower, "training loss"};
  return m;
}

}  // namespace sci::testing
