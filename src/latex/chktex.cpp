// chktex runner and output parser; see chktex.h. The output format is passed with a
// real newline because chktex does not interpret "\n" in -f. chktex reads model-written
// sources (and a chktexrc beside them): it runs in the sandbox, without following
// \input (-I0).
#include "latex/chktex.h"

#include <charconv>

#include <fmt/format.h>

#include "base/strings.h"
#include "latex/log_parser.h"
#include "proc/find_program.h"
#include "proc/sandboxed_tool.h"

namespace sci::latex {

const std::vector<int>& chktex_disabled_warnings() {
  static const std::vector<int> kDisabled = {1, 2, 8, 13, 24, 36, 37, 44};
  return kDisabled;
}

namespace {

bool parse_int(std::string_view s, int* out) {
  s = str::trim(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::vector<ChktexWarning> parse_chktex_output(std::string_view output) {
  std::vector<ChktexWarning> out;
  for (const auto& raw : str::split_lines(output)) {
    // file:line:col:num:message; the file name has no ':' in our layouts, the message may.
    auto parts = str::split(raw, ':');
    if (parts.size() < 5) continue;
    ChktexWarning w;
    if (!parse_int(parts[1], &w.line) || !parse_int(parts[2], &w.column) || !parse_int(parts[3], &w.number))
      continue;
    w.file = parts[0];
    std::vector<std::string> rest(parts.begin() + 4, parts.end());
    w.message = sanitize_utf8(str::trim(str::join(rest, ":")));
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::vector<ChktexWarning>> run_chktex(const std::filesystem::path& dir, const std::string& main_file,
                                              int timeout_s, const proc::ToolSandbox& sandbox) {
  if (!proc::find_program("chktex"))
    return make_error(ErrorCode::kExternalTool, "chktex not found: install chktex (or set writeup.chktex_rounds = 0)");
  std::vector<std::string> argv = {"chktex", "-q", "-v0", "-I0", "-f", "%f:%l:%c:%n:%m\n"};
  for (int n : chktex_disabled_warnings()) argv.push_back(fmt::format("-n{}", n));
  argv.push_back(main_file);
  proc::ToolRun run;
  run.argv = std::move(argv);
  run.workdir = std::filesystem::absolute(dir);
  run.timeout = std::chrono::seconds(timeout_s);
  SCI_ASSIGN_OR_RETURN(auto res, proc::run_tool(sandbox, run));
  if (res.timed_out)
    return make_error(ErrorCode::kTimeout, fmt::format("chktex on {} ran past {} s", main_file, timeout_s));
  // chktex exits 0 (clean), 2 (warnings) or 3 (errors); anything else is a failure to run.
  if (res.exit_code != 0 && res.exit_code != 2 && res.exit_code != 3)
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("chktex failed (exit {}): {}", res.exit_code, str::tail_utf8(res.output, 300)));
  return parse_chktex_output(res.stdout_text);
}

std::string format_chktex_warning(const ChktexWarning& w) {
  return fmt::format("{}:{}:{}: chktex {}: {}", w.file, w.line, w.column, w.number, w.message);
}

}  // namespace sci::latex
