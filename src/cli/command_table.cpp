// The command table: names, one-line summaries and handlers, in `help` order.
#include "cli/commands.h"

namespace sci::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"run", "run research on a template: ideas, experiments, plots, paper, review", cmd_run},
      {"resume", "continue a batch after a crash, Ctrl-C, a budget stop or --stop-after", cmd_resume},
      {"doctor", "check tools, sandbox, keys and disk; exit 0 when the template can run", cmd_doctor},
      {"status", "show each idea's stage, outcome, cost, paper and review scores of a batch", cmd_status},
      {"writeup", "write, check and build an idea's paper: sections, citations, integrity check, LaTeX", cmd_writeup},
      {"latex build", "build a LaTeX paper and print its diagnostics (errors with file:line)", cmd_latex_build},
      {"paper check", "check every number in a paper against the runs; write integrity.json", cmd_paper_check},
      {"review", "review a paper (PDF, .tex or an idea dir): scores, decision, review.json/.md", cmd_review},
      {"review-bench", "score automated reviews against real decisions (accuracy, AUC, CIs)", cmd_review_bench},
      {"review-bench run", "review a folder of papers with one model, then score them (resumable)", cmd_review_bench_run},
      {"ideas", "generate research ideas for a template with self-reflection (resumable archive)", cmd_ideas},
      {"novelty", "check ideas against the literature: novel, not_novel or unknown, with evidence", cmd_novelty},
      {"lit search", "search papers with Semantic Scholar, OpenAlex, arXiv, Crossref or the local library", cmd_lit_search},
      {"idea prepare", "create an idea directory from a template and an idea JSON (copy, notes.txt, run_0)", cmd_idea_prepare},
      {"experiment", "run the experiment stage on an idea directory: planned runs in the sandbox with feedback", cmd_experiment},
      {"plot", "run the plot stage: plot.py from the real result files, figures checked (not blank, distinct)", cmd_plot},
      {"notes", "run the notes stage: describe every figure in notes.txt for the writeup", cmd_notes},
      {"lit index", "index a BibTeX or JSONL file of papers into the local library (FTS5)", cmd_lit_index},
      {"config show", "print the effective configuration (secrets redacted)", cmd_config_show},
      {"template check", "validate a template directory against the contract and print every fix", cmd_template_check},
      {"template baseline", "run a template's experiment (run_0) and plot.py once and cache them", cmd_template_baseline},
      {"template new", "scaffold a new template from the fast numpy one", cmd_template_new},
      {"template list", "list the shipped templates with check and baseline status", cmd_template_list},
      {"edit apply", "apply one model message (SEARCH/REPLACE blocks) to files and report each block", cmd_edit_apply},
      {"llm chat", "send one chat request (any provider, or a loopback server); reply on stdout, tokens and cost on stderr", cmd_llm_chat},
      {"llm models", "list the known models with their prices per million tokens and their providers", cmd_llm_models},
      {"llm serve-cassette", "serve a cassette as an OpenAI/Anthropic-compatible server on 127.0.0.1 (offline end-to-end runs)", cmd_llm_serve_cassette},
      {"sandbox run", "run any command under the experiment sandbox (limits, timeout, no network) and print the outcome", cmd_sandbox_run},
  };
  return kCommands;
}

}  // namespace sci::cli
