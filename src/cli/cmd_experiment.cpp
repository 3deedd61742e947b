// `scientist idea prepare`, `experiment`, `plot` and `notes`: the research loop on one
// prepared idea directory, stage by stage, with the sandbox and the coder agent.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/literature_setup.h"
#include "cli/signals.h"
#include "coder/coder.h"
#include "experiment/agent.h"
#include "experiment/local_run_executor.h"
#include "experiment/prepare.h"
#include "experiment/script_runner.h"
#include "experiment/stages.h"
#include "llm/factory.h"
#include "llm/model_ref.h"
#include "proc/sandbox.h"
#include "templates/manifest.h"

namespace sci::cli {

namespace {

namespace stdfs = std::filesystem;

int exit_code_for(experiment::StageStatus s) {
  switch (s) {
    case experiment::StageStatus::kCompleted: return kExitOk;
    case experiment::StageStatus::kPartial: return kExitPartial;
    case experiment::StageStatus::kFailed: return kExitFailure;
  }
  return kExitFailure;
}

enum class StageName { kExperiment, kPlot, kNotes };

// Shared by the three stage commands: flags, wiring (manifest, sandbox, LLM, coder), run.
int run_stage_command(Context& ctx, std::vector<std::string> args, StageName which) {
  const char* name = which == StageName::kExperiment ? "experiment" : which == StageName::kPlot ? "plot" : "notes";
  CLI::App app(fmt::format("Run the {} stage on a prepared idea directory", name), name);
  std::string idea_dir, gpus, metric_direction;
  bool json = false, unsafe = false;
  app.add_option("idea_dir", idea_dir, "idea directory made by `scientist idea prepare`")->required();
  app.add_flag("--json", json, "print the stage result as JSON");
  bind_config_flag(app, ctx, "--model", "llm.model_coder", "model for code edits");
  bind_config_flag(app, ctx, "--sandbox", "sandbox.level", "auto, strict, degraded or none");
  app.add_flag("--unsafe-no-sandbox", unsafe, "allow --sandbox none (runs LLM-written code unconfined)");
  if (which == StageName::kExperiment) {
    bind_config_flag(app, ctx, "--max-runs", "experiment.max_runs", "experiment runs");
    bind_config_flag(app, ctx, "--attempts-per-run", "experiment.attempts_per_run", "attempts per run");
    bind_config_flag(app, ctx, "--run-timeout-s", "experiment.run_timeout_s", "wall-clock limit per run");
    app.add_option("--gpus", gpus, "comma-separated GPU ids for the runs");
  }
  if (which == StageName::kPlot) {
    bind_config_flag(app, ctx, "--plot-timeout-s", "experiment.plot_timeout_s", "wall-clock limit for plot.py");
    bind_config_flag(app, ctx, "--plot-attempts", "experiment.plot_attempts", "attempts for plot.py");
  }
  if (which != StageName::kNotes)
    bind_config_flag(app, ctx, "--stderr-tail-chars", "experiment.stderr_tail_chars", "stderr shown to the model");
  app.add_option("--metric-direction", metric_direction, "NAME=lower|higher, overrides template.toml");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  std::error_code ec;
  stdfs::path dir = stdfs::absolute(idea_dir, ec);
  auto manifest = experiment::load_idea_manifest(dir);
  if (!manifest.ok()) return report_error(manifest.error());
  for (const auto& w : manifest->warnings) log::warn("{}", w);
  if (!metric_direction.empty()) {
    auto st = templates::apply_metric_direction(*manifest, metric_direction);
    if (!st.ok()) return report_error(st.error());
  }
  auto idea = experiment::load_idea_dir(dir);
  if (!idea.ok()) return report_error(idea.error());

  // Sandbox rules from config; the same options drive runs and plot.py.
  experiment::LocalRunExecutorOptions sandbox;
  auto level = proc::parse_sandbox_request(ctx.config.get_string("sandbox.level"));
  if (!level.ok()) return report_error(level.error());
  sandbox.sandbox = *level;
  sandbox.unsafe = unsafe ? proc::UnsafeNoSandbox::kYes : proc::UnsafeNoSandbox::kNo;
  sandbox.memory_mb = static_cast<int>(ctx.config.get_int("sandbox.memory_mb"));
  sandbox.disk_quota_mb = static_cast<int>(ctx.config.get_int("sandbox.disk_quota_mb"));
  sandbox.max_processes = static_cast<int>(ctx.config.get_int("sandbox.max_processes"));
  sandbox.max_files = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ctx.config.get_int("sandbox.max_files")));
  sandbox.network = ctx.config.get_string("sandbox.network") == "on" ? proc::NetworkAccess::kOn
                                                                    : proc::NetworkAccess::kOff;
  sandbox.max_output_mb = static_cast<std::uint64_t>(ctx.config.get_int("sandbox.max_output_mb"));
  sandbox.kill_grace_s = static_cast<int>(ctx.config.get_int("sandbox.kill_grace_s"));
  sandbox.uid_base = static_cast<int>(ctx.config.get_int("sandbox.uid_base"));
  sandbox.scratch_dir = ctx.config.get_string("sandbox.scratch_dir");
  if (!ctx.config.file_path().empty()) sandbox.hidden_paths.push_back(ctx.config.file_path());

  std::unique_ptr<experiment::RunExecutor> executor;
  std::unique_ptr<experiment::ScriptRunner> script_runner;
  if (which == StageName::kExperiment) {
    auto made = experiment::make_local_run_executor(sandbox);
    if (!made.ok()) return report_error(made.error());
    executor = std::move(made).value();
  } else if (which == StageName::kPlot) {
    auto made = experiment::make_sandbox_script_runner(sandbox);
    if (!made.ok()) return report_error(made.error());
    script_runner = std::move(made).value();
  }

  // The coder's model: llm.model_coder, else llm.model (provider:model or a bare name);
  // with llm.replay a cassette answers instead.
  std::atomic<bool>& cancel = install_cancel_handlers();
  std::string model;
  auto client = llm_client_for_role(ctx, "coder", &model, &cancel);
  if (!client.ok()) return report_error(client.error());
  coder::CoderOptions coder_options;
  coder_options.model = model == "replay" ? std::string() : model;
  coder_options.temperature = ctx.config.get_double("llm.temperature");
  coder_options.max_output_tokens = static_cast<int>(ctx.config.get_int("llm.max_output_tokens"));
  coder_options.tag = llm::CallTag{idea->name, name, "coder", 0};
  auto coder = coder::Coder::create(**client, dir, {}, coder_options);
  if (!coder.ok()) return report_error(coder.error());
  experiment::CoderAgent agent(*coder, coder_options.tag);

  experiment::StageContext sc;
  sc.idea_dir = dir;
  sc.manifest = &*manifest;
  sc.agent = &agent;
  sc.executor = executor.get();
  sc.script_runner = script_runner.get();
  sc.settings = experiment::settings_from_config(ctx.config);
  if (!gpus.empty()) sc.gpus = str::split(gpus, ',');
  sc.cancel = &cancel;
  sc.on_event = [json](const experiment::StageEvent& e) {
    if (json) return;  // stdout carries the JSON result only
    if (e.kind == "run_finished" || e.kind == "figures_checked" || e.kind == "plot_finished")
      std::fprintf(stderr, "%s: %s%s %s\n", e.stage.c_str(), e.run >= 0 ? fmt::format("run {} ", e.run).c_str() : "",
                   e.status.c_str(), e.message.c_str());
  };
  Result<experiment::StageOutcome> outcome = which == StageName::kExperiment ? experiment::run_experiment_stage(sc)
                                             : which == StageName::kPlot     ? experiment::run_plot_stage(sc)
                                                                             : experiment::run_notes_stage(sc);
  if (!outcome.ok()) return report_error(outcome.error());
  if (json) {
    std::printf("%s\n", outcome->details_json.c_str());
  } else {
    std::printf("%s %s\n", name, outcome->message.c_str());
    std::printf("details: %s; transcript: %s\n", outcome->details_path.string().c_str(),
                (dir / "transcript.md").string().c_str());
  }
  return exit_code_for(outcome->status);
}

}  // namespace

int cmd_idea_prepare(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Create an idea directory from a template and an idea", "idea prepare");
  std::string template_dir, idea_arg, results_dir;
  bool json = false;
  app.add_option("--template", template_dir, "template directory (with run_0/final_info.json)")->required();
  app.add_option("--idea", idea_arg, "idea JSON file (the original's shape: Name, Title, Experiment, ...)")
      ->required();
  app.add_option("--results-dir", results_dir, "where results/<template>/ goes (config: general.results_dir)");
  app.add_flag("--json", json, "machine-readable output");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  auto idea = experiment::load_idea(idea_arg);
  if (!idea.ok()) return report_error(idea.error());
  if (results_dir.empty()) results_dir = ctx.config.get_string("general.results_dir");
  auto prepared = experiment::prepare_idea(template_dir, *idea, results_dir);
  if (!prepared.ok()) return report_error(prepared.error());
  if (json) {
    std::printf("{\"idea_dir\": \"%s\", \"template\": \"%s\", \"idea\": \"%s\"}\n",
                prepared->idea_dir.string().c_str(), prepared->template_name.c_str(), idea->name.c_str());
  } else {
    std::printf("%s\n", prepared->idea_dir.string().c_str());
  }
  return kExitOk;
}

int cmd_experiment(Context& ctx, std::vector<std::string> args) {
  return run_stage_command(ctx, std::move(args), StageName::kExperiment);
}
int cmd_plot(Context& ctx, std::vector<std::string> args) {
  return run_stage_command(ctx, std::move(args), StageName::kPlot);
}
int cmd_notes(Context& ctx, std::vector<std::string> args) {
  return run_stage_command(ctx, std::move(args), StageName::kNotes);
}

}  // namespace sci::cli
