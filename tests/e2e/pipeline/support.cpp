// Helpers of the pipeline e2e tests; see support.h.
#include "support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/fs.h"
#include "base/strings.h"
#include "support/test_paths.h"

namespace sci::testing {

namespace stdfs = std::filesystem;

stdfs::path copy_fast_template(const stdfs::path& dir) {
  stdfs::path out = dir / "numpy_fast";
  stdfs::create_directories(out);
  for (const auto& e : stdfs::directory_iterator(source_dir() / "templates" / "numpy_fast")) {
    std::string name = e.path().filename().string();
    if (name == "run_0" || name == "__pycache__") continue;
    stdfs::copy(e.path(), out / name, stdfs::copy_options::recursive);
  }
  return out;
}

stdfs::path demo_cassette() { return source_dir() / "cassettes" / "numpy_fast" / "cassette.jsonl"; }
stdfs::path demo_config() { return source_dir() / "cassettes" / "numpy_fast" / "scientist.toml"; }

BackgroundScientist::BackgroundScientist(const std::vector<std::string>& args, const stdfs::path& log,
                                         const std::vector<std::string>& env) {
  std::vector<std::string> argv = {binary_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
}

BackgroundScientist::~BackgroundScientist() {
  if (pid_ > 0 && running()) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void BackgroundScientist::kill(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

bool BackgroundScientist::running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return r == 0;
}

int BackgroundScientist::wait(std::chrono::seconds timeout) {
  wait_until([&] { return !running(); }, timeout, std::chrono::milliseconds(50));
  return status_;
}

std::vector<nlohmann::json> read_events(const stdfs::path& batch) {
  std::vector<nlohmann::json> out;
  std::ifstream in(batch / "events.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::map<std::string, stdfs::path> idea_dirs(const stdfs::path& batch) {
  std::map<std::string, stdfs::path> out;
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(batch, ec)) {
    if (!stdfs::exists(e.path() / "state.json")) continue;
    auto state = nlohmann::json::parse(fs::read_file(e.path() / "state.json").value_or("{}"), nullptr, false);
    if (state.is_object()) out[state.value("name", e.path().filename().string())] = e.path();
  }
  return out;
}

namespace {
// Stages an idea has finished, from the history in its state.json.
std::set<std::string> finished_stages(const stdfs::path& idea_dir) {
  std::set<std::string> out;
  auto state = nlohmann::json::parse(fs::read_file(idea_dir / "state.json").value_or("{}"), nullptr, false);
  if (state.is_object() && state.contains("history") && state["history"].is_array())
    for (const auto& h : state["history"]) out.insert(h.value("stage", ""));
  return out;
}
}  // namespace

std::map<std::string, std::string> finished_artifacts(const stdfs::path& batch) {
  std::map<std::string, std::string> out;
  std::map<stdfs::path, std::set<std::string>> stages;
  for (const auto& [name, dir] : idea_dirs(batch)) stages[dir] = finished_stages(dir);
  auto finished = [&](const stdfs::path& file, const char* stage) {
    for (const auto& [dir, done] : stages)
      if (str::starts_with(file.string(), dir.string() + "/")) return done.count(stage) > 0;
    return false;
  };
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(batch, ec); it != stdfs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;
    stdfs::path rel = stdfs::relative(it->path(), batch);
    std::string name = it->path().filename().string();
    std::string parent = it->path().parent_path().filename().string();
    if (rel.string().find("attempts") != std::string::npos || rel.string().find("run_0") != std::string::npos) continue;
    bool run_result = str::starts_with(parent, "run_") && name == "final_info.json";
    // A run's code snapshot is finished once the run is (a crash mid-run leaves one behind).
    bool snapshot = str::starts_with(name, "run_") && str::ends_with(name, ".py") &&
                    stdfs::exists(it->path().parent_path() / it->path().stem() / "final_info.json");
    bool figure = str::ends_with(name, ".png") && parent != "latex";
    bool paper = str::ends_with(name, ".pdf") && parent != "latex";
    // Figures, papers and reviews count once their stage has finished.
    figure = figure && finished(it->path(), "plot");
    paper = paper && finished(it->path(), "writeup");
    bool review = name == "review.json" && finished(it->path(), "review");
    if (run_result || snapshot || figure || paper || review)
      out[rel.string()] = fs::sha256_file(it->path()).value_or("?");
  }
  return out;
}

std::pair<size_t, size_t> journal_lines_and_distinct_tags(const stdfs::path& batch) {
  std::ifstream in(batch / "llm_journal.jsonl");
  std::string line;
  size_t lines = 0;
  std::set<std::string> tags;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    ++lines;
    tags.insert(j["tag"].dump());
  }
  return {lines, tags.size()};
}

std::vector<std::string> files_containing(const stdfs::path& dir, const std::string& needle) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); it != stdfs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;
    auto text = fs::read_file(it->path());
    if (text.ok() && text->find(needle) != std::string::npos) out.push_back(stdfs::relative(it->path(), dir).string());
  }
  return out;
}

}  // namespace sci::testing
