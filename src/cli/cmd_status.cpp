// `scientist status [RESULTS_DIR] [--json]`: per-idea stage, outcome, cost, paper and
// review scores of a running or finished batch, read from the files it writes.
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "pipeline/orchestrator.h"

namespace sci::cli {
namespace {

// "<time> (<age> ago) <kind> <idea> <stage>: <message>" of the last line of events.jsonl.
std::string last_event(const std::filesystem::path& events) {
  auto text = fs::read_file(events);
  if (!text.ok()) return "";
  auto lines = str::split_lines(*text);
  while (!lines.empty() && str::trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) return "";
  auto e = nlohmann::json::parse(lines.back(), nullptr, false);
  if (e.is_discarded() || !e.is_object()) return "";
  std::string at = e.value("time", "");
  std::string age;
  std::tm tm{};
  std::istringstream in(at);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (!in.fail()) age = fmt::format(" ({:.0f} s ago)", std::difftime(std::time(nullptr), ::timegm(&tm)));
  std::string who = str::join(std::vector<std::string>{e.value("idea", ""), e.value("stage", "")}, " ");
  return fmt::format("{}{} {} {}: {}", at, age, e.value("kind", ""), std::string(str::trim(who)), e.value("message", ""));
}

}  // namespace

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
  // The last event (a heartbeat every 30 s while ideas run): how fresh the batch's news is.
  if (auto last = last_event(std::filesystem::path(dir) / "events.jsonl"); !last.empty())
    std::printf("last event: %s\n", last.c_str());
  return kExitOk;
}

}  // namespace sci::cli
