// FakeScriptRunner: a ScriptRunner for plot-stage tests. Each call pops a scripted step
// that may write files into the idea directory (as plot.py would) and returns its
// outcome. Also PNG writers (libpng) to make real figures, blank ones and noise.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "experiment/script_runner.h"

namespace sci::testing {

struct FakeScriptStep {
  experiment::ScriptStatus status = experiment::ScriptStatus::kSucceeded;
  std::string stderr_tail;
  std::function<void(const std::filesystem::path& idea_dir)> effect;  // e.g. write PNGs
};

class FakeScriptRunner final : public experiment::ScriptRunner {
 public:
  void push(FakeScriptStep step) { steps_.push_back(std::move(step)); }
  Result<experiment::ScriptResult> run(const templates::Manifest& manifest,
                                       const experiment::ScriptRequest& request) override;
  const std::vector<experiment::ScriptRequest>& requests() const { return requests_; }
  size_t remaining() const { return steps_.size(); }

 private:
  std::deque<FakeScriptStep> steps_;
  std::vector<experiment::ScriptRequest> requests_;
};

// Writes an 8-bit RGB PNG of width x height. `pattern` 0 = all white (blank); any other
// value draws a diagonal line and a curve whose shape depends on the value.
void write_test_png(const std::filesystem::path& path, int pattern, std::uint32_t width = 160,
                    std::uint32_t height = 120);

}  // namespace sci::testing
