// Running a trusted tool (latexmk, pdflatex, bibtex, chktex, pdftotext, pdfinfo) over
// files a model or its code wrote: inside the same sandbox as the experiments (no
// network, scrubbed environment without secrets, a dropped uid as root, only `workdir`
// writable), with a timeout and bounded output. The tool's output is captured through
// files in a private host directory, never inside the directory the tool can write.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "proc/sandbox.h"

namespace sci::proc {

// Which sandbox tools get: the run's own setting (config sandbox.level, --unsafe-no-sandbox).
struct ToolSandbox {
  SandboxRequest request = SandboxRequest::kAuto;
  UnsafeNoSandbox unsafe = UnsafeNoSandbox::kNo;
  uid_t uid_base = 61000;
  std::filesystem::path scratch_dir;  // sandbox.scratch_dir; empty = the sandbox's default
};

struct ToolRun {
  std::vector<std::string> argv;
  std::filesystem::path workdir;                   // cwd and the only writable directory
  std::vector<std::filesystem::path> read_only;    // also visible (strict level), read-only
  std::vector<std::filesystem::path> hidden;       // made invisible (strict level)
  std::map<std::string, std::string> env;          // on top of the scrubbed sandbox environment
  std::chrono::seconds timeout{60};
  std::uint64_t max_output_bytes = 4ull << 20;     // per stream; kept in memory
  std::uint64_t memory_bytes = 4ull << 30;         // RLIMIT_AS per process
  std::uint64_t disk_quota_bytes = 2ull << 30;     // watchdog on workdir
};

struct ToolOutcome {
  int exit_code = -1;  // -1 when killed or timed out
  bool timed_out = false;
  std::string stdout_text;  // capped at max_output_bytes
  std::string output;       // stdout then stderr, for messages
  SandboxLevel level = SandboxLevel::kStrict;
  std::string problem;      // "" or why the tool was stopped (quota, output cap, signal)
};

// Runs the tool. A failing or timed-out tool is an outcome; errors are for not being
// able to run it (kNotFound: program missing; kUnavailable/kInvalidArgument: no sandbox
// level as requested, with the fix; kIo).
Result<ToolOutcome> run_tool(const ToolSandbox& sandbox, const ToolRun& run);

// Runs a tool that reads one file (pdfinfo, pdftotext) on a private copy of `file` (a
// regular file, never a link, at most `max_bytes`) in a fresh working directory:
// argv_before + "<copy name>" + argv_after. kExternalTool names `package` when the
// program is missing; kNotFound / kInvalidArgument when the file is missing or not a
// regular file.
Result<ToolOutcome> run_tool_on_copy(const ToolSandbox& sandbox, const std::filesystem::path& file,
                                     const std::vector<std::string>& argv_before,
                                     const std::vector<std::string>& argv_after, std::uint64_t max_bytes,
                                     std::chrono::seconds timeout, const std::string& package);

}  // namespace sci::proc
