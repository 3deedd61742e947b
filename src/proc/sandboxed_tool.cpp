// Sandboxed tool runs; see sandboxed_tool.h. Output files live in a fresh 0700
// directory under the host's temp dir: the tool (and what it reads) can neither
// replace them with links nor see them.
#include "proc/sandboxed_tool.h"

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/strings.h"
#include "proc/find_program.h"

namespace sci::proc {

namespace stdfs = std::filesystem;

namespace {

std::string read_capped(const stdfs::path& dir, const char* name, std::uint64_t cap) {
  // The runner stops the tool once a stream passes the cap; allow its last chunk.
  auto text = fs::read_file_beneath(dir, name, cap + (1u << 20));
  return text.ok() ? *text : std::string();
}

}  // namespace

Result<ToolOutcome> run_tool(const ToolSandbox& sandbox, const ToolRun& run) {
  if (run.argv.empty()) return make_error(ErrorCode::kInvalidArgument, "run_tool: empty command");
  if (!find_program(run.argv[0]))
    return make_error(ErrorCode::kNotFound, fmt::format("program not found: {}", run.argv[0]));
  const SandboxProbe& probe = probe_sandbox();
  SCI_ASSIGN_OR_RETURN(SandboxLevel level, choose_sandbox_level(sandbox.request, probe, sandbox.unsafe));

  std::error_code ec;
  SandboxPolicy policy;
  policy.level = level;
  policy.workdir = stdfs::absolute(run.workdir, ec).lexically_normal();
  policy.read_only_paths = run.read_only;
  policy.hidden_paths = run.hidden;
  policy.network = NetworkAccess::kOff;
  policy.limits.address_space_bytes = run.memory_bytes;
  policy.limits.cpu_time_s = static_cast<std::uint64_t>(run.timeout.count()) * 2 + 10;
  policy.limits.open_files = 1024;
  policy.limits.max_processes = 64;
  policy.disk_quota_bytes = run.disk_quota_bytes;
  policy.timeout = run.timeout;
  policy.kill_grace = std::chrono::milliseconds(500);
  policy.max_output_bytes = run.max_output_bytes;
  policy.extra_env = run.env;
  policy.uid_base = sandbox.uid_base;
  policy.scratch_dir = sandbox.scratch_dir;

  fs::ScopedTempDir logs("scientist-tool");
  if (logs.path().empty()) return make_error(ErrorCode::kIo, "cannot create a private temp directory for tool output");
  PosixProcessRunner runner;
  Sandbox box(runner, probe);
  SCI_ASSIGN_OR_RETURN(SandboxOutcome ran,
                       box.run(policy, run.argv, logs.path() / "stdout.txt", logs.path() / "stderr.txt"));
  ToolOutcome out;
  out.level = level;
  const ProcessOutcome& po = ran.process;
  out.timed_out = po.kind == ExitKind::kTimedOut;
  if (po.kind == ExitKind::kCompleted) out.exit_code = po.exit_code;
  else out.problem = describe_outcome(po);
  out.stdout_text = read_capped(logs.path(), "stdout.txt", run.max_output_bytes);
  out.output = out.stdout_text + read_capped(logs.path(), "stderr.txt", run.max_output_bytes);
  return out;
}

Result<ToolOutcome> run_tool_on_copy(const ToolSandbox& sandbox, const stdfs::path& file,
                                     const std::vector<std::string>& argv_before,
                                     const std::vector<std::string>& argv_after, std::uint64_t max_bytes,
                                     std::chrono::seconds timeout, const std::string& package) {
  if (argv_before.empty()) return make_error(ErrorCode::kInvalidArgument, "run_tool_on_copy: empty command");
  if (!find_program(argv_before.front()))
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("{} not found: install {}", argv_before.front(), package));
  fs::ScopedTempDir work("scientist-tool-input", 0755);  // the tool's own uid must enter it
  if (work.path().empty()) return make_error(ErrorCode::kIo, "cannot create a private temp directory");
  const std::string name = "input" + file.extension().string();
  SCI_TRY(fs::copy_file_beneath(file.has_parent_path() ? file.parent_path() : stdfs::path("."), file.filename(),
                                work.path() / name, max_bytes));
  ToolRun run;
  run.argv = argv_before;
  run.argv.push_back(name);
  run.argv.insert(run.argv.end(), argv_after.begin(), argv_after.end());
  run.workdir = work.path();
  run.timeout = timeout;
  run.max_output_bytes = 16ull << 20;
  return run_tool(sandbox, run);
}

}  // namespace sci::proc
