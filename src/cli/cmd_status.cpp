// `scientist status [RESULTS_DIR] [--json]`: per-idea stage, outcome, cost, paper and
// review scores of a running or finished batch, read from the files it writes.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "pipeline/orchestrator.h"

namespace sci::cli {

int cmd_status(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Show the state of a batch (running or finished)", "status");
  std::string dir;
  bool json = false;
  app.add_option("dir", dir, "results directory of the batch (results/<template>)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  if (dir.empty()) {
    // The most recently modified batch under general.results_dir.
    std::filesystem::path root = ctx.config.get_string("general.results_dir");
    std::error_code ec;
    std::filesystem::file_time_type newest{};
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      auto batch = e.path() / "batch.json";
      if (std::filesystem::exists(batch, ec) && std::filesystem::last_write_time(batch, ec) > newest) {
        newest = std::filesystem::last_write_time(batch, ec);
        dir = e.path().string();
      }
    }
    if (dir.empty())
      return report_error(make_error(ErrorCode::kNotFound,
                                     fmt::format("no batch found under {}: pass the results directory", root.string())));
  }
  auto status = pipeline::read_batch_status(dir);
  if (!status.ok()) return report_error(status.error());
  if (json) {
    std::fputs(pipeline::summary_to_json(*status).c_str(), stdout);
    return kExitOk;
  }
  std::printf("%-28s %-10s %-12s %-12s %9s %8s  %s\n", "idea", "novelty", "stage", "outcome", "cost", "overall",
              "paper");
  for (const auto& i : status->ideas) {
    std::string overall = i.review_overall >= 0 ? fmt::format("{:.1f}", i.review_overall) : "-";
    std::printf("%-28.28s %-10s %-12s %-12s %9s %8s  %s\n", i.name.c_str(), i.novelty.c_str(), i.stage.c_str(),
                i.outcome.c_str(), fmt::format("${:.4f}", i.cost_usd).c_str(), overall.c_str(), i.paper.c_str());
  }
  std::printf("\n%s; total cost $%.4f\n", status->message.c_str(), status->cost_usd);
  return kExitOk;
}

}  // namespace sci::cli
