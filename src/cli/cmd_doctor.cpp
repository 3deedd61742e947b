// `scientist doctor [--template DIR] [--json] [--no-pdf]`.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "base/environment.h"
#include "pipeline/doctor.h"

namespace sci::cli {

int cmd_doctor(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Check that everything needed to run a template is in place", "doctor");
  std::string template_dir, interpreter = "/usr/bin/python3";
  bool json = false, no_pdf = false;
  app.add_option("--template", template_dir, "template directory to check (imports, files)");
  app.add_option("--interpreter", interpreter, "experiment Python interpreter");
  app.add_flag("--json", json, "machine-readable output");
  app.add_flag("--no-pdf", no_pdf, "LaTeX is optional (papers are left as .tex)");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;

  pipeline::DoctorOptions options;
  if (!template_dir.empty()) options.template_dir = template_dir;
  options.interpreter = interpreter;
  options.results_dir = ctx.config.get_string("general.results_dir");
  options.pdf = no_pdf ? pipeline::PdfMode::kSkipped : pipeline::PdfMode::kRequired;
  options.environment = env::snapshot();
  options.sandbox_level = ctx.config.get_string("sandbox.level");
  options.llm_endpoints = pipeline::llm_endpoints(ctx.config);
  auto report = pipeline::run_doctor(options);

  if (json) {
    nlohmann::json out = {{"can_run", report.can_run}, {"checks", nlohmann::json::array()}};
    for (const auto& c : report.checks)
      out["checks"].push_back({{"name", c.name}, {"status", pipeline::check_status_name(c.status)},
                               {"detail", c.detail}, {"fix", c.fix}});
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const auto& c : report.checks) {
      std::printf("%-5s %-26s %s\n", pipeline::check_status_name(c.status), c.name.c_str(), c.detail.c_str());
      if (!c.fix.empty()) std::printf("      %-26s fix: %s\n", "", c.fix.c_str());
    }
    std::printf("\n%s\n", report.can_run ? "ready: the template can run" : "not ready: fix the FAIL lines above");
  }
  return report.can_run ? kExitOk : kExitFailure;
}

}  // namespace sci::cli
