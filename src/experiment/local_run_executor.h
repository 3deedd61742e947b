// LocalRunExecutor: the RunExecutor `scientist run` uses. Runs the manifest's command
// for run_<i> in the sandbox (proc/sandbox.h) under rules from the manifest and config,
// keeps failed attempts under attempts/, validates final_info.json and records
// run_<i>/environment.json.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "experiment/run_executor.h"
#include "proc/process_runner.h"
#include "proc/sandbox.h"

namespace sci::experiment {

struct LocalRunExecutorOptions {
  proc::SandboxRequest sandbox = proc::SandboxRequest::kAuto;  // sandbox.level
  proc::UnsafeNoSandbox unsafe = proc::UnsafeNoSandbox::kNo;   // --unsafe-no-sandbox
  int memory_mb = 0;          // sandbox.memory_mb; the manifest's value wins when set
  int disk_quota_mb = 10240;  // sandbox.disk_quota_mb; the manifest's value wins when set
  int max_processes = 256;    // sandbox.max_processes; the manifest's value wins when set
  std::uint64_t max_files = 100000;  // sandbox.max_files: entries the idea directory may hold
  proc::NetworkAccess network = proc::NetworkAccess::kOff;  // sandbox.network: on lets every template out
  std::uint64_t max_output_mb = 64;   // sandbox.max_output_mb, per stream
  int kill_grace_s = 10;              // SIGTERM -> SIGKILL
  int uid_base = 61000;               // sandbox.uid_base (only used as root)
  std::filesystem::path scratch_dir;  // sandbox.scratch_dir; empty = the sandbox's default
  std::vector<std::filesystem::path> hidden_paths;  // e.g. scientist's config file
  proc::ProcessRunner* runner = nullptr;  // seam; nullptr = the real PosixProcessRunner
  const proc::SandboxProbe* probe = nullptr;  // seam; nullptr = proc::probe_sandbox()
  bool record_environment = true;  // probe the interpreter for environment.json
};

// Builds the executor and fixes its sandbox level now, so a run fails fast:
// kUnavailable for --sandbox strict without namespaces, kInvalidArgument for none
// without --unsafe-no-sandbox (messages name the fix).
Result<std::unique_ptr<RunExecutor>> make_local_run_executor(const LocalRunExecutorOptions& options);

// The argv for run `run_index` ("{interpreter}", "{out_dir}" substituted).
std::vector<std::string> run_argv(const templates::Manifest& manifest, int run_index);

// True when `stderr_text` shows a CUDA out-of-memory failure (PyTorch, CUDA runtime, JAX).
bool is_cuda_oom(const std::string& stderr_text);

// The machine facts for environment.json (without the per-run fields), as JSON text.
// The interpreter is probed in a scrubbed environment from "/" with -I; cached per path.
std::string machine_environment_json(const std::string& interpreter, const std::vector<std::string>& gpus);

}  // namespace sci::experiment
