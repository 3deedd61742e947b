// Terminal view; see terminal_view.h. ANSI cursor-up + clear-line redraws the block.
#include "cli/terminal_view.h"

#include <unistd.h>

#include <fmt/format.h>

namespace sci::cli {

ViewMode TerminalView::detect(std::FILE* out) {
  return ::isatty(::fileno(out)) ? ViewMode::kLive : ViewMode::kPlain;
}

void TerminalView::emit(const pipeline::Event& e) {
  std::lock_guard lock(mu_);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (e.idea.empty()) total_cost_usd_ = std::max(total_cost_usd_, e.cost_usd);
  if (mode_ == ViewMode::kPlain) {
    if (e.kind == pipeline::EventKind::kHeartbeat) return;
    std::fputs(fmt::format("[{:7.1f}s] {:<14} {:<24} {:<10} {} (${:.4f})\n", elapsed,
                           pipeline::event_kind_name(e.kind), e.idea.empty() ? "-" : e.idea,
                           e.stage.empty() ? "-" : e.stage, e.message, e.cost_usd)
                   .c_str(),
               out_);
    std::fflush(out_);
    return;
  }
  if (!e.idea.empty()) {
    auto& line = lines_[e.idea];
    if (line.stage != e.stage) line.since = std::chrono::steady_clock::now();
    line.stage = e.stage;
    line.message = e.message;
    line.cost_usd = e.cost_usd;
  }
  redraw();
}

void TerminalView::redraw() {
  std::string block;
  for (int i = 0; i < drawn_lines_; ++i) block += "\x1b[1A\x1b[2K";
  auto now = std::chrono::steady_clock::now();
  double total = 0;
  for (const auto& [idea, line] : lines_) {
    double el = std::chrono::duration<double>(now - line.since).count();
    total += line.cost_usd;
    std::string msg = line.message.size() > 60 ? line.message.substr(0, 57) + "..." : line.message;
    block += fmt::format("  {:<28.28} {:<10} {:>7.0f}s  ${:<8.4f} {}\n", idea, line.stage, el, line.cost_usd, msg);
  }
  double elapsed = std::chrono::duration<double>(now - start_).count();
  block += fmt::format("  {:<28} {:<10} {:>7.0f}s  ${:<8.4f}\n", "total", "", elapsed, std::max(total, total_cost_usd_));
  drawn_lines_ = static_cast<int>(lines_.size()) + 1;
  std::fputs(block.c_str(), out_);
  std::fflush(out_);
}

}  // namespace sci::cli
