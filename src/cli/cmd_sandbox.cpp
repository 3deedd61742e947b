// `scientist sandbox run --workdir DIR [--timeout-s N] [--network on|off] [--memory-mb N]
// [--max-files N] [--gpus LIST] [--cpus LIST] [--sandbox LEVEL] [--unsafe-no-sandbox]
// [--force] [--json] -- CMD ARGS...`: runs any command under the experiment sandbox's
// rules and prints the outcome. DIR must be new, empty or made by an earlier run (it
// holds .sandbox/), never a system directory or $HOME (proc/workdir_rules.h).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/environment.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/signals.h"
#include "proc/cpu_affinity.h"
#include "proc/sandbox.h"
#include "proc/workdir_rules.h"

namespace sci::cli {

int cmd_sandbox_run(Context& ctx, std::vector<std::string> args) {
  // Everything after "--" is the command, untouched by option parsing.
  std::vector<std::string> command;
  if (auto dash = std::find(args.begin(), args.end(), "--"); dash != args.end()) {
    command.assign(dash + 1, args.end());
    args.erase(dash, args.end());
  }
  CLI::App app("Run a command under the experiment sandbox's rules", "sandbox run");
  std::string workdir, network, gpus, cpus, level;
  int timeout_s = 600, memory_mb = -1, quota_mb = -1, max_procs = -1;
  std::int64_t max_files = -1;
  std::uint64_t max_output_mb = 64;
  std::vector<std::string> protect;
  bool json = false, unsafe = false, force = false;
  app.add_option("--workdir", workdir, "the only writable directory (created if missing)")->required();
  app.add_option("--timeout-s", timeout_s, "wall-clock limit; 0 = none")->capture_default_str();
  app.add_option("--network", network, "on or off (default: config sandbox.network)")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--memory-mb", memory_mb,
                 "memory limit of the whole run (cgroup; per process where no cgroup works) (default: config "
                 "sandbox.memory_mb)");
  app.add_option("--disk-quota-mb", quota_mb, "workdir quota (default: config sandbox.disk_quota_mb)");
  app.add_option("--max-files", max_files, "entries the workdir may hold; 0 = no limit (default: config sandbox.max_files)");
  app.add_option("--max-processes", max_procs, "process limit (default: config sandbox.max_processes)");
  app.add_option("--max-output-mb", max_output_mb, "cap per output stream")->capture_default_str();
  app.add_option("--gpus", gpus, "comma-separated GPU ids visible to the command");
  app.add_option("--cpus", cpus, "CPU ids to pin the command to, e.g. 0,1 or 0-3 (default: not pinned)");
  app.add_option("--sandbox", level, "auto, strict, degraded or none (default: config sandbox.level)");
  app.add_option("--protect", protect, "file under workdir that must not change (repeatable)");
  app.add_flag("--unsafe-no-sandbox", unsafe, "allow --sandbox none");
  app.add_flag("--force", force, "use a non-empty --workdir that no earlier sandbox run made (never a system dir)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  if (command.empty()) {
    std::fprintf(stderr, "scientist sandbox run: no command: put it after --, e.g. -- python3 script.py\n");
    return kExitUsage;
  }

  auto request = proc::parse_sandbox_request(level.empty() ? ctx.config.get_string("sandbox.level") : level);
  if (!request.ok()) return report_error(request.error());
  const auto& probe = proc::probe_sandbox();
  auto chosen = proc::choose_sandbox_level(*request, probe, unsafe ? proc::UnsafeNoSandbox::kYes : proc::UnsafeNoSandbox::kNo);
  if (!chosen.ok()) return report_error(chosen.error());

  std::error_code ec;
  std::filesystem::path dir = std::filesystem::weakly_canonical(std::filesystem::absolute(workdir, ec), ec);
  const auto host_env = env::snapshot();
  const auto home = host_env.find("HOME");
  if (auto st = proc::check_not_system_directory(dir, home == host_env.end() ? "" : home->second); !st.ok())
    return report_error(st.error().with_context("--workdir"));
  if (auto st = proc::check_made_for_runs(dir, force ? proc::ForceWorkdir::kYes : proc::ForceWorkdir::kNo); !st.ok())
    return report_error(st.error().with_context("--workdir"));
  // The marker (and the logs folder): the directory is now one made for runs.
  std::filesystem::create_directories(dir / proc::kSandboxMarker, ec);
  if (ec)
    return report_error(make_error(ErrorCode::kIo, fmt::format("--workdir: cannot create {}: {}",
                                                               (dir / proc::kSandboxMarker).string(), ec.message())));

  proc::SandboxPolicy policy;
  policy.level = *chosen;
  policy.workdir = dir;
  std::string net = network.empty() ? ctx.config.get_string("sandbox.network") : network;
  policy.network = net == "on" ? proc::NetworkAccess::kOn : proc::NetworkAccess::kOff;
  for (const auto& g : str::split(gpus, ','))
    if (!str::trim(g).empty()) policy.gpus.emplace_back(str::trim(g));
  if (!cpus.empty()) {
    auto ids = proc::parse_cpu_list(cpus);
    if (!ids.ok()) return report_error(ids.error().with_context("--cpus"));
    auto allowed = proc::allowed_cpu_ids();
    for (int id : *ids) {
      if (std::find(allowed.begin(), allowed.end(), id) != allowed.end()) continue;
      std::vector<std::string> names;
      for (int a : allowed) names.push_back(std::to_string(a));
      return report_error(make_error(ErrorCode::kInvalidArgument,
                                     fmt::format("--cpus: CPU {} is not available to this process (allowed: {})", id,
                                                 str::join(names, ","))));
    }
    policy.cpu_ids = *ids;
  }
  if (memory_mb < 0) memory_mb = static_cast<int>(ctx.config.get_int("sandbox.memory_mb"));
  if (quota_mb < 0) quota_mb = static_cast<int>(ctx.config.get_int("sandbox.disk_quota_mb"));
  if (max_files < 0) max_files = ctx.config.get_int("sandbox.max_files");
  if (max_procs < 0) max_procs = static_cast<int>(ctx.config.get_int("sandbox.max_processes"));
  if (memory_mb > 0) policy.limits.memory_bytes = std::uint64_t(memory_mb) << 20;
  policy.max_files = static_cast<std::uint64_t>(std::max<std::int64_t>(0, max_files));
  policy.limits.max_processes = static_cast<std::uint64_t>(std::max(0, max_procs));
  policy.limits.open_files = 4096;
  policy.disk_quota_bytes = std::uint64_t(std::max(0, quota_mb)) << 20;
  policy.timeout = std::chrono::seconds(std::max(0, timeout_s));
  policy.kill_grace = std::chrono::seconds(2);
  policy.max_output_bytes = max_output_mb << 20;
  policy.protected_files = protect;
  policy.uid_base = static_cast<uid_t>(ctx.config.get_int("sandbox.uid_base"));
  policy.scratch_dir = ctx.config.get_string("sandbox.scratch_dir");
  if (!ctx.config.file_path().empty()) policy.hidden_paths.push_back(ctx.config.file_path());

  // Logs live beside the workdir's content, in a folder the command cannot mistake for its
  // own. An earlier run owned the workdir and may have left links there: the folder is made
  // anew, ours, before every run (and stays ours during it).
  auto logs = dir / proc::kSandboxMarker;
  if (auto reset = proc::reset_private_dir(logs); !reset.ok()) return report_error(reset.error());
  proc::PosixProcessRunner runner;
  proc::Sandbox sandbox(runner, probe);
  auto outcome = sandbox.run(policy, command, logs / "stdout.txt", logs / "stderr.txt", &install_cancel_handlers());
  if (!outcome.ok()) return report_error(outcome.error());
  const auto& o = *outcome;
  const auto& p = o.process;
  bool ok = p.ok() && !o.tampered();
  std::string message = o.tampered() ? "protected files changed: " + str::join(o.tampered_files, ", ")
                                     : proc::describe_outcome(p);
  if (json) {
    nlohmann::json out = {{"ok", ok},
                          {"sandbox_level", proc::sandbox_level_name(o.level)},
                          {"outcome", proc::exit_kind_name(p.kind)},
                          {"exit_code", p.exit_code},
                          {"signal", p.signal},
                          {"message", message},
                          {"wall_s", p.wall_s},
                          {"peak_rss_kb", p.peak_rss_kb},
                          {"stdout_bytes", p.stdout_bytes},
                          {"stderr_bytes", p.stderr_bytes},
                          {"peak_disk_bytes", p.peak_disk_bytes},
                          {"peak_files", p.peak_files},
                          {"memory_limit", proc::memory_enforcement_name(p.memory_limit)},
                          {"tampered_files", o.tampered_files},
                          {"warnings", o.warnings},
                          {"run_uid", o.run_uid},
                          {"network", o.network.name},
                          {"network_detail", o.network.description},
                          {"cpus", policy.cpu_ids},
                          {"stdout_path", (logs / "stdout.txt").string()},
                          {"stderr_path", (logs / "stderr.txt").string()},
                          {"stdout_tail", p.stdout_tail},
                          {"stderr_tail", p.stderr_tail}};
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    if (!p.stdout_tail.empty()) std::printf("%s%s", p.stdout_tail.c_str(), str::ends_with(p.stdout_tail, "\n") ? "" : "\n");
    if (!p.stderr_tail.empty()) std::fprintf(stderr, "%s%s", p.stderr_tail.c_str(), str::ends_with(p.stderr_tail, "\n") ? "" : "\n");
    std::printf("sandbox %s: %s (%.1f s, network: %s)\n", proc::sandbox_level_name(o.level), message.c_str(), p.wall_s,
                o.network.description.c_str());
  }
  if (p.kind == proc::ExitKind::kCancelled) return kExitInterrupted;
  return ok ? kExitOk : kExitFailure;
}

}  // namespace sci::cli
