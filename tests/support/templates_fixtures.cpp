// Template fixtures; see templates_fixtures.h.
#include "support/templates_fixtures.h"

#include <fstream>

#include "support/test_paths.h"

namespace sci::testing {

namespace stdfs = std::filesystem;

stdfs::path shipped_templates_dir() { return source_dir() / "templates"; }

stdfs::path copy_shipped_template(const std::string& name, const stdfs::path& dest) {
  stdfs::path from = shipped_templates_dir() / name;
  stdfs::create_directories(dest);
  for (auto it = stdfs::recursive_directory_iterator(from); it != stdfs::recursive_directory_iterator(); ++it) {
    stdfs::path rel = stdfs::relative(it->path(), from);
    std::string first = rel.begin()->string();
    std::string ext = rel.extension().string();
    bool skip = first.rfind("run_", 0) == 0 || first == "__pycache__" || ext == ".png" || ext == ".pdf" ||
                ext == ".aux" || ext == ".log" || ext == ".bbl" || ext == ".blg" || ext == ".pyc";
    if (skip) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory())
      stdfs::create_directories(dest / rel);
    else
      stdfs::copy_file(it->path(), dest / rel, stdfs::copy_options::overwrite_existing);
  }
  return dest;
}

void write_text(const stdfs::path& dir, const std::string& rel, const std::string& content) {
  stdfs::create_directories((dir / rel).parent_path());
  std::ofstream(dir / rel, std::ios::binary | std::ios::trunc) << content;
}

void write_minimal_template(const stdfs::path& dir) {
  write_text(dir, "experiment.py", R"(import argparse, json, os
import numpy as np
p = argparse.ArgumentParser()
p.add_argument("--out_dir", default="run_0")
a = p.parse_args()
os.makedirs(a.out_dir, exist_ok=True)
rng = np.random.default_rng(0)
x = rng.normal(size=100)
curve = np.cumsum(x).tolist()
with open(os.path.join(a.out_dir, "final_info.json"), "w") as f:
    json.dump({"toy": {"means": {"score": float(x.mean()), "loss": float((x * x).mean())}}}, f)
with open(os.path.join(a.out_dir, "curve.json"), "w") as f:
    json.dump(curve, f)
)");
  write_text(dir, "plot.py", R"(import json, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
labels = {"run_0": "Baseline"}
for run in sorted(d for d in os.listdir(".") if d.startswith("run_") and d in labels):
    plt.plot(json.load(open(os.path.join(run, "curve.json"))), label=labels[run])
plt.legend()
plt.savefig("curve.png")
)");
  write_text(dir, "prompt.json", R"({"system": "You are a researcher.", "task_description": "A toy task."})");
  write_text(dir, "seed_ideas.json",
             R"([{"Name": "toy_idea", "Title": "A toy idea", "Experiment": "Change the toy.",
                  "Interestingness": 3, "Feasibility": 9, "Novelty": 2}])");
  write_text(dir, "template.toml", R"(title = "Minimal"
literature = "literature.bib"
[metrics.score]
direction = "higher"
name = "Score"
[metrics.loss]
direction = "lower"
)");
  write_text(dir, "latex/template.tex", R"(\documentclass{article}
\usepackage{graphicx}
\usepackage{natbib}
\graphicspath{{../}}
\title{TITLE HERE}
\begin{document}
\maketitle
\begin{abstract}
ABSTRACT HERE
\end{abstract}
\section{Introduction}
INTRO HERE \citep{polyak1964some}
\section{Related Work}
RELATED WORK HERE
\section{Method}
METHOD HERE
\section{Experimental Setup}
EXPERIMENTAL SETUP HERE
\section{Results}
RESULTS HERE
\includegraphics[width=0.5\textwidth]{curve.png}
\section{Conclusions}
CONCLUSIONS HERE
\bibliographystyle{plainnat}
\bibliography{references}
\end{document}
)");
  const char* bib = R"(@article{polyak1964some,
  title = {Some methods of speeding up the convergence of iteration methods},
  author = {Polyak, Boris T.},
  journal = {USSR Computational Mathematics and Mathematical Physics},
  volume = {4}, number = {5}, pages = {1--17}, year = {1964}
}
)";
  write_text(dir, "latex/references.bib", bib);
  write_text(dir, "literature.bib", bib);
}

}  // namespace sci::testing
