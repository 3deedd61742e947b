// chktex: static checks of a .tex source before compiling. Runs chktex with a selected
// set of warnings (style nits the writer cannot usefully act on are switched off) and
// parses its output into file:line:column findings that are fed back to the writer.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proc/sandboxed_tool.h"

namespace sci::latex {

struct ChktexWarning {
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  int number = 0;  // chktex's warning number
  std::string message;
};

// Warning numbers switched off: 1 (command terminated with space), 2 (non-breaking
// space), 8 (dash length), 13 (intersentence spacing), 24 (space before \label),
// 36/37 (space around parentheses), 44 (table rules); style, not correctness.
const std::vector<int>& chktex_disabled_warnings();

// Parses output written with the format "%f:%l:%c:%n:%m" (one per line). Never fails;
// lines that do not match are skipped.
std::vector<ChktexWarning> parse_chktex_output(std::string_view output);

// Runs chktex on `dir`/`main_file` in the sandbox. kExternalTool when chktex is not installed
// ("chktex not found: install chktex"), kTimeout when it runs past `timeout_s`.
// Warnings are the result, not an error.
Result<std::vector<ChktexWarning>> run_chktex(const std::filesystem::path& dir, const std::string& main_file,
                                              int timeout_s = 60, const proc::ToolSandbox& sandbox = {});

// "template.tex:12:5: chktex 9: `)' expected, found `]'."
std::string format_chktex_warning(const ChktexWarning& w);

}  // namespace sci::latex
