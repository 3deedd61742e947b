// Shared helpers of the pipeline e2e tests: a fresh copy of the fast template, the
// scripted cassette, a scientist process started in the background (to kill it or to
// serve a cassette), and readers for the artifacts a batch leaves behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sci::testing {

// templates/numpy_fast copied into `dir`/numpy_fast without a cached baseline, so that
// the run builds run_0 itself and never writes into the source tree.
std::filesystem::path copy_fast_template(const std::filesystem::path& dir);
std::filesystem::path demo_cassette();  // cassettes/numpy_fast/cassette.jsonl
std::filesystem::path demo_config();    // cassettes/numpy_fast/scientist.toml

// `scientist ARGS...` started in the background in its own process group, its output
// going to `log`. The destructor kills what is left (bounded: SIGKILL to the group).
class BackgroundScientist {
 public:
  BackgroundScientist(const std::vector<std::string>& args, const std::filesystem::path& log,
                      const std::vector<std::string>& env = {});
  ~BackgroundScientist();
  BackgroundScientist(const BackgroundScientist&) = delete;
  BackgroundScientist& operator=(const BackgroundScientist&) = delete;

  void kill(int signal);  // to the process only (SIGKILL: a crash) or SIGINT (Ctrl-C)
  // The exit code (128 + signal when killed); -1 when it did not end within `timeout`.
  int wait(std::chrono::seconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Polls until `predicate` holds or `timeout` passes; returns whether it held.
template <typename F>
bool wait_until(F predicate, std::chrono::milliseconds timeout, std::chrono::milliseconds step = std::chrono::milliseconds(20));

// Every line of <batch>/events.jsonl parsed (a torn last line is skipped).
std::vector<nlohmann::json> read_events(const std::filesystem::path& batch);
// Idea directories of a batch (subdirectories holding state.json), by idea name.
std::map<std::string, std::filesystem::path> idea_dirs(const std::filesystem::path& batch);
// sha256 of every finished artifact of a batch (run results and code snapshots,
// figures, PDFs, reviews), keyed by path relative to the batch.
std::map<std::string, std::string> finished_artifacts(const std::filesystem::path& batch);
// Lines of <batch>/llm_journal.jsonl and how many distinct call tags they hold.
std::pair<size_t, size_t> journal_lines_and_distinct_tags(const std::filesystem::path& batch);
// Every file under `dir` containing `needle` (binary-safe), relative paths.
std::vector<std::string> files_containing(const std::filesystem::path& dir, const std::string& needle);

template <typename F>
bool wait_until(F predicate, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (predicate()) return true;
    std::this_thread::sleep_for(step);
  }
  return predicate();
}

}  // namespace sci::testing
