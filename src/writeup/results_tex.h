// Results and setup as data: latex/results.tex (a macro per metric per run per dataset,
// ready-made booktabs tables) and latex/environment.tex (hardware/software facts from
// run_i/environment.json and the template), so the writer never types a number.
//
// Macro naming (letters only, TeX control words cannot hold digits or '_'):
//   \Res Run<RunWord> <Dataset> <Metric>      mean, e.g. run_1, "moons", "test_acc" ->
//                                             \ResRunOneMoonsTestAcc
//   ...followed by Err                        its standard error (when logged)
//   \ResRun<RunWord>Label                     row label ("Baseline", "Variant A", ...);
//                                             the writer \renewcommand's it to a method name
//   \ResTable<Dataset>                        a tabular: runs x metrics, mean $\pm$ stderr,
//                                             best mean in bold where the direction is declared
//   \Env<Key>                                 environment.json of the latest run, key path
//                                             camel-cased ("gpu.model" -> \EnvGpuModel)
//   \EnvRun<RunWord>WallTimeS                 per-run wall time when recorded
//   \Tpl<Key>                                 template settings (\TplRunTimeoutS, \TplSeeds)
// Each name part is split at non-alphanumerics and capitalised; digits become words
// ("top1" -> "TopOne", run 12 -> "OneTwo"). A clash gets "B", "C", ... appended.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "writeup/run_data.h"

namespace sci::writeup {

// The canonical rendering of a result: 4 significant digits, fixed notation, trailing
// zeros dropped ("0.9123", "1235", "0.00123"); very large/small values keep 4 digits.
std::string format_number(double value, int significant = 4);

// "test_acc" -> "TestAcc", "top1" -> "TopOne"; letters only, never empty ("X").
std::string camel_letters(std::string_view raw);
// 0 -> "Zero", 1 -> "One", 12 -> "OneTwo".
std::string number_word(int n);

// Escapes LaTeX specials in plain text (\ { } $ & # ^ _ % ~).
std::string latex_escape(std::string_view text);

struct GeneratedTex {
  std::string results_tex;
  std::string environment_tex;
  std::map<std::string, std::string> macros;  // every macro of both files -> its replacement text
  std::string writer_guide;                   // for the prompt: every macro, table and metric direction
};

// Pure: renders both files from the loaded data. `manifest` may be null.
GeneratedTex generate_tex(const IdeaData& data, const templates::Manifest* manifest);

// Writes <idea>/latex/results.tex and environment.tex atomically. kIo on failure.
Status write_generated_tex(const std::filesystem::path& idea_dir, const GeneratedTex& tex);

}  // namespace sci::writeup
