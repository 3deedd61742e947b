// Doctor checks; see doctor.h. Probes run with short timeouts so an odd tool can
// never hang the pre-flight.
#include "pipeline/doctor.h"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"
#include "http/transport.h"
#include "llm/model_ref.h"
#include "proc/cgroup.h"
#include "proc/find_program.h"
#include "proc/sandbox.h"
#include "proc/run_capture.h"

namespace sci::pipeline {
namespace {

using namespace std::chrono_literals;

struct ToolSpec {
  const char* name;
  const char* package;
  bool needed_for_pdf;
};

constexpr ToolSpec kTools[] = {
    {"pdflatex", "texlive-latex-base", true},   {"bibtex", "texlive-binaries", true},
    {"latexmk", "latexmk", false},              {"chktex", "chktex", false},
    {"pdftotext", "poppler-utils", false},
};

constexpr const char* kKeyVars[] = {"OPENAI_API_KEY",     "ANTHROPIC_API_KEY", "DEEPSEEK_API_KEY",
                                    "OPENROUTER_API_KEY", "GEMINI_API_KEY",    "GROQ_API_KEY",
                                    "TOGETHER_API_KEY",   "S2_API_KEY",        "OPENALEX_MAIL_ADDRESS"};

// Maps a Python import name to the Debian package that provides it.
std::string debian_package_for(const std::string& module) {
  static const std::map<std::string, std::string> kMap = {
      {"torch", "python3-torch"},   {"numpy", "python3-numpy"},    {"matplotlib", "python3-matplotlib"},
      {"scipy", "python3-scipy"},   {"sklearn", "python3-sklearn"}, {"pandas", "python3-pandas"},
      {"seaborn", "python3-seaborn"}, {"tqdm", "python3-tqdm"}};
  auto it = kMap.find(module);
  return it == kMap.end() ? "python3-" + module : it->second;
}

// How the sandbox's memory limit holds here: one cgroup per run, or RLIMIT_AS per process.
Check memory_limit_check() {
  const auto& cg = proc::probe_cgroup();
  if (cg.usable)
    return {"memory limit", CheckStatus::kOk,
            fmt::format("cgroup (one cgroup per run under {}: memory.max for the whole run, swap off, pids.max)",
                        cg.parent.string()),
            ""};
  return {"memory limit", CheckStatus::kWarn,
          fmt::format("per-process RLIMIT_AS, plus the run's total sampled every 100 ms (not a hard limit): no run "
                      "cgroup ({})",
                      cg.detail),
          "run scientist where cgroup v2 has the memory and pids controllers and a cgroup it may write (as root on a "
          "cgroup v2 host, or in a delegated cgroup, e.g. systemd Delegate=yes)"};
}

}  // namespace

const char* check_status_name(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk: return "OK";
    case CheckStatus::kWarn: return "WARN";
    case CheckStatus::kFail: return "FAIL";
  }
  return "?";
}

std::vector<std::string> template_imports(const std::filesystem::path& template_dir) {
  std::set<std::string> modules;
  static const std::regex kImport(R"(^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*))");
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(template_dir, ec)) {
    if (entry.path().extension() != ".py") continue;
    auto text = fs::read_file(entry.path());
    if (!text.ok()) continue;
    std::set<std::string> local;
    for (const auto& e2 : std::filesystem::directory_iterator(template_dir, ec))
      if (e2.path().extension() == ".py") local.insert(e2.path().stem().string());
    for (const auto& line : str::split_lines(*text)) {
      std::smatch m;
      if (std::regex_search(line, m, kImport) && !local.count(m[1].str()) && m[1].str() != "__future__")
        modules.insert(m[1].str());
    }
  }
  return {modules.begin(), modules.end()};
}

DoctorReport run_doctor(const DoctorOptions& options) {
  DoctorReport report;
  bool blocking_failure = false;
  auto add = [&](Check c, bool blocks) {
    if (c.status == CheckStatus::kFail && blocks) blocking_failure = true;
    report.checks.push_back(std::move(c));
  };

  for (const auto& tool : kTools) {
    auto found = proc::find_program(tool.name);
    Check c{tool.name, CheckStatus::kOk, found ? found->string() : "not found", ""};
    if (!found) {
      bool fail = tool.needed_for_pdf && options.pdf == PdfMode::kRequired;
      c.status = fail ? CheckStatus::kFail : CheckStatus::kWarn;
      c.fix = fmt::format("install {} (apt-get install {}){}", tool.package, tool.package,
                          tool.needed_for_pdf ? " or run with --no-pdf" : "");
    }
    add(std::move(c), true);
  }

  // Interpreter and the template's imports.
  auto interp = proc::find_program(options.interpreter);
  if (!interp) {
    add({"python interpreter", CheckStatus::kFail, options.interpreter + " not found",
         "install python3 (apt-get install python3) or set interpreter in template.toml"},
        true);
  } else {
    auto ver = proc::run_capture({interp->string(), "--version"}, 10s);
    add({"python interpreter", CheckStatus::kOk,
         fmt::format("{} ({})", interp->string(), ver.ok() ? std::string(str::trim(ver->output)) : "?"), ""},
        true);
    std::vector<std::string> modules = {"numpy", "matplotlib"};
    if (options.template_dir) modules = template_imports(*options.template_dir);
    else modules.push_back("torch");
    for (const auto& m : modules) {
      auto r = proc::run_capture({interp->string(), "-c", "import " + m}, 60s);
      bool ok = r.ok() && r->exit_code == 0;
      Check c{"python import " + m, ok ? CheckStatus::kOk : CheckStatus::kFail, ok ? "importable" : "import failed",
              ok ? "" : fmt::format("apt-get install {}", debian_package_for(m))};
      // Without a template, torch is only needed by the heavier templates.
      if (!ok && !options.template_dir && m == "torch") c.status = CheckStatus::kWarn;
      add(std::move(c), options.template_dir.has_value());
    }
  }

  // Sandbox: what this machine offers, the level the runs get and what it does and does not enforce.
  const proc::SandboxProbe& probe = proc::probe_sandbox();
  {
    Check c{"sandbox", probe.strict_available() ? CheckStatus::kOk : CheckStatus::kWarn,
            proc::describe_sandbox_availability(probe), ""};
    if (probe.bwrap.empty()) c.fix = "apt-get install bubblewrap";
    else if (!probe.namespaces_work)
      c.fix = "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run outside this "
              "container";
    else if (!probe.seccomp_works)
      c.fix = "install libseccomp2 and bubblewrap >= 0.3 (the strict level never runs without its seccomp filter)";
    add(std::move(c), false);
  }
  auto request = proc::parse_sandbox_request(options.sandbox_level);
  auto level = request.ok() ? proc::choose_sandbox_level(*request, probe, proc::UnsafeNoSandbox::kYes)
                            : Result<proc::SandboxLevel>(request.error());
  if (!level.ok()) {
    add({"sandbox level", CheckStatus::kFail, level.error().message,
         "set sandbox.level to auto or degraded, or fix what the message names"},
        true);
  } else {
    const bool strict = *level == proc::SandboxLevel::kStrict;
    const auto limits = proc::sandbox_level_limits(*level);
    add({"sandbox level", strict ? CheckStatus::kOk : CheckStatus::kWarn,
         fmt::format("{} (sandbox.level = {})", proc::sandbox_level_name(*level), options.sandbox_level),
         strict ? "" : "install bubblewrap and libseccomp2 with working user namespaces for the strict level"},
        false);
    auto net = proc::network_state(*level, proc::NetworkAccess::kOff);
    add({"sandbox network", net.name == "off" ? CheckStatus::kOk : CheckStatus::kWarn, "network: " + net.description,
         net.name == "off" ? "" : "run where the strict level works to isolate the network"},
        false);
    add({"sandbox enforces", CheckStatus::kOk, str::join(limits.enforced, "; "), ""}, false);
    add({"sandbox does not enforce", strict ? CheckStatus::kOk : CheckStatus::kWarn,
         str::join(limits.not_enforced, "; "), ""},
        false);
  }

  add(memory_limit_check(), false);

  // Results: as root, the runs' own uid must be able to reach the results directory.
  if (!options.results_dir.empty()) {
    auto reach = proc::check_sandbox_can_reach(options.results_dir);
    if (!reach.ok()) add({"results dir", CheckStatus::kFail, reach.error().message, "chmod o+x that directory, or choose --results DIR under directories every user may enter"}, true);
  }

  // Disk.
  std::error_code ec;
  auto probe_dir = options.results_dir;
  while (!probe_dir.empty() && !std::filesystem::exists(probe_dir, ec)) probe_dir = probe_dir.parent_path();
  if (probe_dir.empty()) probe_dir = ".";
  auto free = fs::free_bytes(probe_dir);
  if (!free.ok()) {
    add({"disk", CheckStatus::kFail, free.error().message, "make the results directory readable"}, true);
  } else {
    auto mb = *free >> 20;
    bool enough = mb >= options.min_free_disk_mb;
    add({"disk", enough ? CheckStatus::kOk : CheckStatus::kWarn,
         fmt::format("{} MiB free under {}", mb, probe_dir.string()),
         enough ? "" : fmt::format("free at least {} MiB or choose --results DIR elsewhere", options.min_free_disk_mb)},
        false);
  }

  // API keys: names only, never values.
  std::vector<std::string> set;
  for (const char* var : kKeyVars) {
    auto it = options.environment.find(var);
    if (it != options.environment.end() && !it->second.empty()) set.push_back(var);
  }
  add({"api keys", set.empty() ? CheckStatus::kWarn : CheckStatus::kOk,
       set.empty() ? "none set" : "set: " + str::join(set, ", "),
       set.empty() ? "set OPENAI_API_KEY, ANTHROPIC_API_KEY, ... or use a local server (--base-url) or a cassette" : ""},
      false);

  // LLM endpoints: reachable at all (any HTTP status) within a short timeout.
  if (!options.llm_endpoints.empty()) {
    auto transport = http::make_curl_transport();
    for (const auto& url : options.llm_endpoints) {
      http::HttpRequest req;
      req.url = url;
      req.timeout = std::chrono::milliseconds(options.endpoint_timeout_ms);
      req.connect_timeout = std::chrono::milliseconds(options.endpoint_timeout_ms);
      req.max_response_bytes = 1 << 16;
      auto r = transport->send(req);
      if (r.ok())
        add({"llm endpoint", CheckStatus::kOk, fmt::format("{} answers (HTTP {})", url, r->status), ""}, false);
      else
        add({"llm endpoint", CheckStatus::kWarn, fmt::format("{} unreachable: {}", url, r.error().message),
             "check the network or proxy (HTTPS_PROXY), the --base-url, or run offline with --replay"},
            false);
    }
  }

  if (options.template_dir) {
    bool exists = std::filesystem::is_directory(*options.template_dir, ec);
    add({"template", exists ? CheckStatus::kOk : CheckStatus::kFail, options.template_dir->string(),
         exists ? "" : "pass an existing template directory, e.g. --template templates/<name>"},
        true);
  }

  report.can_run = !blocking_failure;
  return report;
}

std::vector<std::string> llm_endpoints(const config::Config& config) {
  std::vector<std::string> out;
  if (!config.get_string("llm.replay").empty()) return out;
  auto providers = llm::providers_from_config(config);
  if (!providers.ok()) return out;
  for (const char* role : {"ideas", "coder", "writer", "citations", "reviewer"}) {
    auto reference = llm::model_reference_for_role(config, role);
    if (!reference.ok()) continue;
    auto resolved = llm::resolve_model(*reference, *providers, config.get_string("llm.base_url"));
    if (!resolved.ok() || resolved->provider.base_url.empty()) continue;
    if (std::find(out.begin(), out.end(), resolved->provider.base_url) == out.end())
      out.push_back(resolved->provider.base_url);
  }
  return out;
}

}  // namespace sci::pipeline
