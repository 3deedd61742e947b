// Live terminal view of a batch: one line per active idea (stage, progress, elapsed,
// cost, last event) and a total line, redrawn in place on a TTY; plain log lines
// otherwise (CI, pipes). An EventSink, so the pipeline stays free of terminal code.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "pipeline/events.h"

namespace sci::cli {

enum class ViewMode { kLive, kPlain };

class TerminalView final : public pipeline::EventSink {
 public:
  TerminalView(std::FILE* out, ViewMode mode) : out_(out), mode_(mode), start_(std::chrono::steady_clock::now()) {}
  // kLive when `out` is a terminal, else kPlain.
  static ViewMode detect(std::FILE* out);
  void emit(const pipeline::Event& event) override;

 private:
  struct Line {
    std::string stage;
    std::string message;
    double cost_usd = 0;
    std::chrono::steady_clock::time_point since;
  };
  void redraw();
  std::FILE* out_;
  ViewMode mode_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::map<std::string, Line> lines_;
  double total_cost_usd_ = 0;
  int drawn_lines_ = 0;
};

}  // namespace sci::cli
