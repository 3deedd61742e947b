// The scripted writer; see writeup_fake_writer.h.
#include "support/writeup_fake_writer.h"

#include <regex>
#include <vector>

#include "base/strings.h"

namespace sci::testing {

namespace {

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  if (p != std::string::npos) s.replace(p, from.size(), to);
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

std::string writeup_fake_writer(const std::string& instruction, std::string tex) {
  const std::string& in = instruction;
  if (has(in, "Now write the Title and Abstract part")) {
    replace_once(tex, "TITLE HERE", "Cyclical Learning Rates for Two-Moons Classification");
    replace_once(tex, "ABSTRACT HERE",
                 "We replace the constant learning rate of a small classifier with a cyclical learning rate "
                 "schedule and measure the effect on two-moons classification. The cyclical schedule reaches a "
                 "test accuracy of \\ResRunOneMoonsTestAcc{} against \\ResRunZeroMoonsTestAcc{} for the constant "
                 "baseline, a gain well outside the standard errors over \\TplSeeds{} seeds.");
    replace_once(tex, "\\begin{document}", "\\renewcommand{\\ResRunOneLabel}{Cyclical}\n"
                                           "\\renewcommand{\\ResRunTwoLabel}{Step decay}\n\\begin{document}");
  } else if (has(in, "Now write the Introduction part")) {
    replace_once(tex, "INTRO HERE",
                 "The learning rate is the most sensitive setting of gradient training "
                 "\\citep{lecun2015deep}. A cyclical schedule lets it vary between bounds, which can speed up "
                 "training and improve accuracy. We test this on the two-moons classification task.\n"
                 "\\begin{itemize}\n\\item a cyclical learning rate schedule for a small classifier;\n"
                 "\\item a comparison with a constant and a step-decay schedule.\n\\end{itemize}");
  } else if (has(in, "Now write the Background part")) {
    replace_once(tex, "BACKGROUND HERE",
                 "Gradient descent updates the parameters against the gradient of the loss, scaled by the "
                 "learning rate. \\paragraph{Problem Setting} We classify points of two interleaved half circles "
                 "(moons) and circles with a small network trained by gradient descent.");
  } else if (has(in, "Now write the Method part")) {
    replace_once(tex, "METHOD HERE",
                 "Our method replaces the constant learning rate with a cyclical learning rate that rises and "
                 "falls linearly between a lower and an upper bound during training. The step-decay ablation "
                 "lowers the rate in steps instead. Both keep the classification network unchanged.");
  } else if (has(in, "Now write the Experimental Setup part")) {
    replace_once(tex, "EXPERIMENTAL SETUP HERE",
                 "We evaluate on the moons and circles tasks with test accuracy (higher is better) and training "
                 "loss (lower is better), each averaged over \\TplSeeds{} seeds. All runs used one "
                 "\\EnvGpuModel{} with Python \\EnvPython{} and NumPy \\EnvPackagesNumpy.");
  } else if (has(in, "Now write the Results part")) {
    // First draft: an invented number and a duplicated header.
    replace_once(tex, "RESULTS HERE",
                 "Table~\\ref{tab:moons} compares the schedules. Our method reaches 97.5\\% accuracy and improves "
                 "test accuracy from \\ResRunZeroMoonsTestAcc{} to \\ResRunOneMoonsTestAcc{}.\n\n"
                 "\\begin{table}[t]\n\\centering\n\\ResTableMoons\n\\caption{Moons: mean and standard error over "
                 "seeds.}\n\\label{tab:moons}\n\\end{table}\n\n\\section{Results}\nThe step-decay schedule "
                 "does not help on this task, which limits the claim to cyclical schedules.");
  } else if (has(in, "Now write the Conclusion part")) {
    replace_once(tex, "CONCLUSIONS HERE",
                 "A cyclical learning rate improves the accuracy of a small classifier on the moons task over a "
                 "constant rate. Future work should test larger networks and other data sets.");
  } else if (has(in, "Now write the Related Work part")) {
    replace_once(tex, "RELATED WORK HERE",
                 "% Sketch: schedules (cyclical, warm restarts), optimisers, regularisation.\n"
                 "Learning rate schedules and adaptive optimisers are studied widely.");
  } else if (has(in, "These papers were added to the bibliography")) {
    static const std::regex kKey(R"(- ([a-z0-9]+): )");
    std::vector<std::string> keys;
    for (auto it = std::sregex_iterator(in.begin(), in.end(), kKey); it != std::sregex_iterator(); ++it)
      keys.push_back((*it)[1].str());
    replace_once(tex, "are studied widely.",
                 "are studied widely \\citep{" + str::join(keys, ",") + "}; they are studied widely.");
  } else if (has(in, "The checks of latex/template.tex found these problems")) {
    if (has(in, "97.5")) replace_once(tex, "reaches 97.5\\% accuracy and improves", "improves");
    if (has(in, "duplicate_section")) {
      size_t first = tex.find("\\section{Results}");
      size_t second = tex.find("\\section{Results}", first + 1);
      if (second != std::string::npos) tex.erase(second, std::string("\\section{Results}\n").size());
    }
  }
  return tex;
}

}  // namespace sci::testing
