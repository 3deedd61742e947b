// The writeup stage; see writeup.h. The order follows the original AI Scientist
// (sections, refinement, citations, second refinement, compile and fix) with our
// additions: results and setup as macros, the bibliography owned by code, pre-compile
// checks and the numbers integrity check fed back in bounded rounds, and every build
// attempt kept.
#include "writeup/writeup.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/confined_fs.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "latex/build.h"
#include "latex/chktex.h"
#include "prompts/prompts.h"
#include "writeup/bibliography.h"
#include "writeup/preflight.h"
#include "writeup/results_tex.h"
#include "writeup/run_data.h"

namespace sci::writeup {

namespace stdfs = std::filesystem;

const std::vector<SectionSpec>& section_order() {
  static const std::vector<SectionSpec> kSections = {
      {"Title and Abstract", "writeup/section_abstract"},
      {"Introduction", "writeup/section_introduction"},
      {"Background", "writeup/section_background"},
      {"Method", "writeup/section_method"},
      {"Experimental Setup", "writeup/section_experimental_setup"},
      {"Results", "writeup/section_results"},
      {"Conclusion", "writeup/section_conclusion"},
      {"Related Work", "writeup/section_related_work"},
  };
  return kSections;
}

bool needs_xelatex(const std::string& language) {
  static const std::set<std::string> kNonLatin = {
      "chinese", "japanese", "korean", "russian", "ukrainian", "bulgarian", "serbian", "greek", "arabic",
      "persian", "farsi", "hebrew", "hindi", "bengali", "thai", "tamil", "urdu", "mandarin", "cantonese"};
  return kNonLatin.count(str::to_lower(str::trim(language))) > 0;
}

namespace {

constexpr const char* kTexRel = "latex/template.tex";
constexpr const char* kBibName = "references";
constexpr size_t kMaxPaperCharsInPrompt = 60000;
constexpr int kMaxFeedbackLines = 25;

std::string cap_lines(const std::string& text, int max_lines) {
  auto lines = str::split_lines(text);
  if (static_cast<int>(lines.size()) <= max_lines) return text;
  std::vector<std::string> keep(lines.begin(), lines.begin() + max_lines);
  return str::join(keep, "\n") + fmt::format("\n... and {} more\n", lines.size() - static_cast<size_t>(max_lines));
}

// The first {...} object in a model reply (fenced or not).
Result<json::Json> reply_json(const std::string& reply) {
  size_t open = reply.find('{');
  size_t close = reply.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return make_error(ErrorCode::kParse, "reply has no JSON object");
  return json::parse(std::string_view(reply).substr(open, close - open + 1), "citation reply");
}

// Moves \begin{filecontents}{X.bib}...\end{filecontents} blocks out of the .tex into
// `bib` (the template's own references) so the bibliography is owned by code.
std::string extract_filecontents_bib(std::string tex, Bibliography* bib, std::string* merged_bib_text) {
  for (;;) {
    size_t begin = tex.find("\\begin{filecontents");
    if (begin == std::string::npos) break;
    size_t end_tag = tex.find("\\end{filecontents", begin);
    if (end_tag == std::string::npos) break;
    size_t end = tex.find('}', end_tag);
    if (end == std::string::npos) break;
    std::string block = tex.substr(begin, end + 1 - begin);
    // Content starts after the {name} argument line.
    size_t name_open = block.find('{', block.find('}') + 1);
    size_t content = name_open == std::string::npos ? std::string::npos : block.find('}', name_open);
    std::string name = name_open == std::string::npos ? "" : block.substr(name_open + 1, content - name_open - 1);
    if (str::ends_with(name, ".bib") && content != std::string::npos) {
      std::string body = block.substr(content + 1, block.rfind("\\end{filecontents") - content - 1);
      *merged_bib_text += body + "\n";
      Bibliography parsed = Bibliography::parse(body, "template");
      for (const auto& e : parsed.entries()) bib->add_entry(e);
    }
    tex.erase(begin, end + 1 - begin);
  }
  return tex;
}

std::string insert_before_document(std::string tex, const std::string& line) {
  size_t pos = tex.find("\\begin{document}");
  if (pos == std::string::npos) return tex;
  tex.insert(pos, line + "\n");
  return tex;
}

// Makes the preamble load our generated macros and our bibliography.
std::string prepare_tex(std::string tex, LiteratureMode literature) {
  if (tex.find("\\input{results}") == std::string::npos && tex.find("\\input{results.tex}") == std::string::npos)
    tex = insert_before_document(tex, "\\input{results}");
  if (tex.find("\\input{environment}") == std::string::npos &&
      tex.find("\\input{environment.tex}") == std::string::npos)
    tex = insert_before_document(tex, "\\input{environment}");
  // The generated tables use booktabs rules.
  if (tex.find("booktabs") == std::string::npos) tex = insert_before_document(tex, "\\usepackage{booktabs}");
  if (tex.find("natbib") == std::string::npos && tex.find("biblatex") == std::string::npos)
    tex = insert_before_document(tex, "\\usepackage[numbers]{natbib}");
  if (tex.find("graphicx") != std::string::npos && tex.find("\\graphicspath") == std::string::npos)
    tex = insert_before_document(tex, "\\graphicspath{{../}}");
  size_t bib = tex.find("\\bibliography{");
  if (bib != std::string::npos) {
    size_t close = tex.find('}', bib);
    tex.replace(bib, close + 1 - bib, fmt::format("\\bibliography{{{}}}", kBibName));
  } else {
    size_t end = tex.find("\\end{document}");
    std::string block = fmt::format("{}\\bibliography{{{}}}\n",
                                    tex.find("\\bibliographystyle") == std::string::npos ? "\\bibliographystyle{plainnat}\n" : "",
                                    kBibName);
    if (end != std::string::npos) tex.insert(end, block);
  }
  if (literature == LiteratureMode::kTemplateOnly &&
      tex.find("citations are limited to the template") == std::string::npos) {
    size_t at = tex.find("\\bibliographystyle");
    if (at == std::string::npos) at = tex.find("\\bibliography{");
    if (at != std::string::npos)
      tex.insert(at,
                 "\\noindent\\textit{Note: no literature search was run for this paper; citations are limited "
                 "to the template's bibliography.}\n\n");
  }
  return tex;
}

// Figures the runs produced (not the paper itself, <idea>.pdf, from an earlier writeup).
std::vector<std::string> figure_files(const stdfs::path& idea_dir, const std::string& paper_pdf) {
  std::vector<std::string> out;
  auto listing = fs::list_dir_beneath(idea_dir, idea_dir);
  if (!listing.ok()) return out;
  for (const auto& e : listing->entries) {
    auto ext = str::to_lower(stdfs::path(e.name).extension().string());
    if (e.name == paper_pdf || e.kind != fs::EntryKind::kFile) continue;  // links are not figures
    if (ext == ".png" || ext == ".pdf" || ext == ".jpg" || ext == ".jpeg") out.push_back(e.name);
  }
  return out;  // sorted by name
}

class Writer {
 public:
  explicit Writer(const WriteupContext& ctx)
      : ctx_(ctx), opt_(ctx.options), latex_dir_(ctx.idea_dir / "latex"), tex_path_(latex_dir_ / "template.tex"),
        bib_path_(latex_dir_ / (std::string(kBibName) + ".bib")) {}

  Result<WriteupOutcome> run();

 private:
  void emit(const std::string& phase, const std::string& message) {
    log::info("writeup: {}: {}", phase, message);
    if (ctx_.on_event) ctx_.on_event(WriteupEvent{phase, message});
  }
  Status check_cancel() const {
    if (ctx_.cancel && ctx_.cancel->load()) return make_error(ErrorCode::kCancelled, "writeup cancelled");
    return ok_status();
  }
  Result<std::string> read_tex() const { return read_idea_file(ctx_.idea_dir, kTexRel); }
  Status save_bib() { return fs::write_file_atomic(bib_path_, bib_.render()); }
  Result<coder::TurnResult> edit(const std::string& instruction) {
    SCI_TRY(check_cancel());
    SCI_ASSIGN_OR_RETURN(auto turn, ctx_.editor->run(instruction));
    outcome_.cost_usd += turn.cost_usd;
    return turn;
  }
  Result<std::string> chat(const std::string& system, const std::string& user, int turn) {
    SCI_TRY(check_cancel());
    llm::ChatRequest req;
    req.model = opt_.citation_model;
    req.system = system;
    req.messages.push_back({llm::Role::kUser, user, false});
    req.max_output_tokens = 1024;
    req.tag = ctx_.tag;
    if (req.tag.stage.empty()) req.tag.stage = "writeup";
    req.tag.role = "citations";
    req.tag.turn = turn;
    SCI_ASSIGN_OR_RETURN(auto resp, ctx_.llm->chat(req));
    outcome_.cost_usd += resp.cost_usd;
    return resp.text;
  }
  std::map<std::string, std::string> base_vars() const;
  Status write_sections();
  Status citation_rounds();
  Status second_pass();
  Status revise_with_feedback();
  Result<std::string> problems_text(const std::string& tex, std::vector<PreflightFinding>* findings,
                                    IntegrityReport* report) const;
  Status check_rounds();
  Status chktex_rounds();
  Status build_rounds();
  Status finish();
  IntegrityReport integrity_of(const std::string& tex) const;

  const WriteupContext& ctx_;
  const WriteupOptions& opt_;
  stdfs::path latex_dir_, tex_path_, bib_path_;
  IdeaData data_;
  GeneratedTex gen_;
  Bibliography bib_;
  std::string notes_, figures_, idea_title_, idea_description_, idea_name_;
  WriteupOutcome outcome_;
};

std::map<std::string, std::string> Writer::base_vars() const {
  auto keys = bib_.keys();
  std::string key_list = keys.empty() ? "(none yet)" : str::join(std::vector<std::string>(keys.begin(), keys.end()), ", ");
  return {{"language", opt_.language},
          {"idea_title", idea_title_},
          {"idea_description", idea_description_},
          {"notes", notes_.empty() ? "(no notes)" : notes_},
          {"figures", figures_},
          {"results_guide", gen_.writer_guide},
          {"bib_keys", key_list},
          {"page_limit", data_.page_limit > 0 ? fmt::format("{} pages", data_.page_limit) : "no fixed limit"},
          {"references_target", std::to_string(opt_.min_references)}};
}

Status Writer::write_sections() {
  for (const auto& s : section_order()) {
    SCI_ASSIGN_OR_RETURN(std::string guidance, prompts::get(s.prompt));
    auto vars = base_vars();
    vars["section"] = s.name;
    vars["guidance"] = guidance;
    SCI_ASSIGN_OR_RETURN(std::string write, prompts::render("writeup/section", vars));
    emit("section", s.name);
    SCI_TRY(edit(write));
    SCI_ASSIGN_OR_RETURN(std::string refine, prompts::render("writeup/refine_section", vars));
    emit("refine", s.name);
    SCI_TRY(edit(refine));
  }
  return ok_status();
}

Status Writer::citation_rounds() {
  if (opt_.literature == LiteratureMode::kTemplateOnly || opt_.cite_rounds <= 0) return ok_status();
  int failures = 0;
  for (int round = 1; round <= opt_.cite_rounds; ++round) {
    outcome_.citation_rounds_used = round;
    SCI_ASSIGN_OR_RETURN(std::string tex, read_tex());
    auto vars = base_vars();
    vars["round"] = std::to_string(round);
    vars["rounds"] = std::to_string(opt_.cite_rounds);
    vars["references_count"] = std::to_string(bib_.entries().size());
    vars["paper"] = tex.size() > kMaxPaperCharsInPrompt ? tex.substr(0, kMaxPaperCharsInPrompt) : tex;
    SCI_ASSIGN_OR_RETURN(std::string ask, prompts::render("writeup/citation_query", vars));
    const std::string system = "You are an experienced researcher completing the citations of a paper draft.";
    SCI_ASSIGN_OR_RETURN(std::string reply, chat(system, ask, 2 * round - 1));
    auto j = reply_json(reply);
    if (!j.ok() || !j->is_object()) {
      emit("citations", fmt::format("round {}: unreadable reply, skipped", round));
      if (++failures >= 3) break;
      continue;
    }
    if (j->value("done", false)) {
      emit("citations", fmt::format("round {}: the writer is done", round));
      break;
    }
    std::string query = j->contains("query") && (*j)["query"].is_string() ? (*j)["query"].get<std::string>() : "";
    if (str::trim(query).empty()) {
      if (++failures >= 3) break;
      continue;
    }
    auto papers = ctx_.literature->search({query, opt_.results_per_query});
    if (!papers.ok()) {
      if (papers.error().code == ErrorCode::kCancelled) return papers.error();
      emit("citations", fmt::format("round {}: search failed: {}", round, papers.error().to_string()));
      if (++failures >= 3) break;
      continue;
    }
    if (papers->empty()) {
      emit("citations", fmt::format("round {}: no results for \"{}\"", round, query));
      continue;
    }
    std::string listing;
    for (size_t i = 0; i < papers->size(); ++i) {
      const auto& p = (*papers)[i];
      std::string abstract = p.abstract.size() > 400 ? p.abstract.substr(0, 400) + "..." : p.abstract;
      listing += fmt::format("{}. {} ({}; {}, {})\n   {}\n", i, p.title, str::join(p.authors, ", "),
                             p.venue.empty() ? "venue unknown" : p.venue, p.year, abstract);
    }
    SCI_ASSIGN_OR_RETURN(std::string pick,
                         prompts::render("writeup/citation_select", {{"query", query}, {"results", listing}}));
    SCI_ASSIGN_OR_RETURN(std::string pick_reply, chat(system, pick, 2 * round));
    auto sel = reply_json(pick_reply);
    if (!sel.ok() || !sel->contains("selected") || !(*sel)["selected"].is_array()) {
      if (++failures >= 3) break;
      continue;
    }
    std::string entries;
    std::set<std::string> added;
    for (const auto& idx : (*sel)["selected"]) {
      if (!idx.is_number_integer()) continue;
      long i = idx.get<long>();
      if (i < 0 || static_cast<size_t>(i) >= papers->size()) continue;
      const auto& p = (*papers)[static_cast<size_t>(i)];
      std::string key = bib_.add(p);
      if (added.insert(key).second) entries += fmt::format("- {}: {} ({})\n", key, p.title, p.year);
    }
    if (added.empty()) continue;
    SCI_TRY(save_bib());
    std::string where = sel->contains("description") && (*sel)["description"].is_string()
                            ? (*sel)["description"].get<std::string>()
                            : "where each paper supports a statement";
    SCI_ASSIGN_OR_RETURN(std::string instruction,
                         prompts::render("writeup/citation_edit", {{"entries", entries}, {"description", where}}));
    emit("citations", fmt::format("round {}: {} paper(s) for \"{}\"", round, added.size(), query));
    SCI_TRY(edit(instruction));
  }
  return ok_status();
}

Status Writer::second_pass() {
  SCI_ASSIGN_OR_RETURN(std::string title, prompts::render("writeup/title", base_vars()));
  emit("title", "title rethink");
  SCI_TRY(edit(title));
  for (const auto& s : section_order()) {
    SCI_ASSIGN_OR_RETURN(std::string guidance, prompts::get(s.prompt));
    auto vars = base_vars();
    vars["section"] = s.name;
    vars["guidance"] = guidance;
    SCI_ASSIGN_OR_RETURN(std::string refine, prompts::render("writeup/second_refine", vars));
    emit("refine", "second pass: " + s.name);
    SCI_TRY(edit(refine));
  }
  return ok_status();
}

Status Writer::revise_with_feedback() {
  emit("improve", "revising the paper with the review");
  auto vars = base_vars();
  vars["review"] = opt_.feedback;
  SCI_ASSIGN_OR_RETURN(std::string instruction, prompts::render("writeup/improve", vars));
  SCI_TRY(edit(instruction));
  return ok_status();
}

IntegrityReport Writer::integrity_of(const std::string& tex) const {
  IntegrityInput in;
  in.text = tex;
  in.macros = gen_.macros;
  for (auto& [k, v] : parse_macro_definitions(tex))
    if (!in.macros.count(k)) in.macros[k] = v;
  in.cited_years = bib_.years();
  return check_integrity(in, data_);
}

Result<std::string> Writer::problems_text(const std::string& tex, std::vector<PreflightFinding>* findings,
                                          IntegrityReport* report) const {
  PreflightInput in;
  in.tex = tex;
  in.figure_dirs = {latex_dir_, ctx_.idea_dir};
  in.bib_keys = bib_.keys();
  in.idea_title = idea_title_;
  in.idea_description = idea_description_;
  *findings = run_preflight(in);
  *report = integrity_of(tex);
  std::string text = preflight_feedback(*findings) + report->to_feedback();
  return cap_lines(text, kMaxFeedbackLines * 2);
}

Status Writer::check_rounds() {
  for (int round = 0;; ++round) {
    SCI_ASSIGN_OR_RETURN(std::string tex, read_tex());
    std::vector<PreflightFinding> findings;
    IntegrityReport report;
    SCI_ASSIGN_OR_RETURN(std::string problems, problems_text(tex, &findings, &report));
    int n = static_cast<int>(findings.size()) + report.problem_count();
    if (n == 0) {
      emit("check", "no problems found");
      break;
    }
    if (round >= opt_.integrity_rounds) {
      emit("check", fmt::format("{} problem(s) left after {} round(s)", n, round));
      break;
    }
    emit("check", fmt::format("round {}: {} problem(s) sent back", round + 1, n));
    SCI_ASSIGN_OR_RETURN(std::string instruction, prompts::render("writeup/fix_problems", {{"problems", problems}}));
    SCI_TRY(edit(instruction));
  }
  // Citations that still do not resolve are removed rather than left as "[?]".
  SCI_ASSIGN_OR_RETURN(std::string tex, read_tex());
  std::vector<std::string> removed;
  std::string cleaned = remove_unresolved_citations(tex, bib_.keys(), &removed);
  if (!removed.empty()) {
    emit("check", fmt::format("removed unresolved citation(s): {}", str::join(removed, ", ")));
    outcome_.removed_citations.insert(outcome_.removed_citations.end(), removed.begin(), removed.end());
    SCI_TRY(fs::write_file_atomic(tex_path_, cleaned));
  }
  return ok_status();
}

Status Writer::chktex_rounds() {
  if (opt_.chktex_rounds <= 0 || opt_.pdf == PdfMode::kSkip) return ok_status();
  // Each round sends the warnings back; after the last one chktex runs once more to
  // count what is left (style warnings are reported, not a reason to fail the paper).
  for (int round = 0;; ++round) {
    auto warnings = latex::run_chktex(latex_dir_, "template.tex", 60, opt_.tools);
    if (!warnings.ok()) {
      emit("chktex", "skipped: " + warnings.error().to_string());
      return ok_status();
    }
    // Only warnings in the paper itself; the generated macro files are ours.
    std::string text;
    int n = 0;
    for (const auto& w : *warnings) {
      if (w.file != "template.tex") continue;
      text += latex::format_chktex_warning(w) + "\n";
      ++n;
    }
    outcome_.chktex_warnings_left = n;
    if (n == 0) {
      emit("chktex", "clean");
      return ok_status();
    }
    if (round >= opt_.chktex_rounds) {
      emit("chktex", fmt::format("{} warning(s) left after {} round(s)", n, opt_.chktex_rounds));
      return ok_status();
    }
    emit("chktex", fmt::format("round {}: {} warning(s) sent back", round + 1, n));
    SCI_ASSIGN_OR_RETURN(std::string instruction,
                         prompts::render("writeup/fix_chktex", {{"warnings", cap_lines(text, kMaxFeedbackLines)}}));
    SCI_TRY(edit(instruction));
  }
  return ok_status();
}

Status Writer::build_rounds() {
  if (opt_.pdf == PdfMode::kSkip) return ok_status();
  latex::BuildOptions bo;
  bo.dir = latex_dir_;
  bo.main_file = "template.tex";
  bo.timeout_s = opt_.latex_timeout_s;
  bo.engine = needs_xelatex(opt_.language) ? latex::TexEngine::kXelatex : latex::TexEngine::kPdflatex;
  bo.overfull_threshold_pt = opt_.overfull_threshold_pt;
  bo.attempts_dir = latex_dir_ / "attempts";
  bo.figures_dir = ctx_.idea_dir;
  bo.sandbox = opt_.tools;
  const stdfs::path final_pdf = ctx_.idea_dir / (idea_name_ + ".pdf");
  for (int round = 0;; ++round) {
    SCI_TRY(check_cancel());
    SCI_ASSIGN_OR_RETURN(auto built, latex::build_paper(bo));
    ++outcome_.build_attempts;
    std::string diagnostics;
    int n = 0;
    for (const auto& d : built.log.diagnostics) {
      if (d.kind == latex::DiagnosticKind::kWarning) continue;
      diagnostics += latex::format_diagnostic(d) + "\n";
      ++n;
    }
    if (built.success) {
      // The last successful build is the paper; earlier ones stay in attempts/.
      SCI_TRY(fs::copy_file_beneath(latex_dir_, built.pdf, final_pdf, fs::kMaxPdfBytes));
      outcome_.pdf_built = true;
      outcome_.pdf = final_pdf;
      outcome_.pages = built.pages >= 0 ? built.pages : built.log.pages;
    }
    emit("build", fmt::format("attempt {}: {} ({} problem(s), {} page(s))", outcome_.build_attempts,
                              built.success ? "PDF built" : (built.timed_out ? "timed out" : "failed"), n,
                              built.success ? outcome_.pages : -1));
    bool over_limit = built.success && data_.page_limit > 0 && outcome_.pages > data_.page_limit;
    if ((built.success && n == 0 && !over_limit)) return ok_status();
    if (round >= opt_.latex_fix_rounds) {
      if (!built.success) outcome_.remaining_problems.push_back("the last LaTeX build failed");
      if (n > 0) outcome_.remaining_problems.push_back(fmt::format("{} LaTeX diagnostic(s) left", n));
      if (over_limit)
        outcome_.remaining_problems.push_back(
            fmt::format("{} pages, over the limit of {}", outcome_.pages, data_.page_limit));
      return ok_status();
    }
    std::string instruction;
    if (n > 0 || !built.success) {
      if (diagnostics.empty()) diagnostics = str::tail_utf8(built.tool_output_tail, 2000);
      SCI_ASSIGN_OR_RETURN(instruction,
                           prompts::render("writeup/fix_latex", {{"diagnostics", cap_lines(diagnostics, kMaxFeedbackLines * 3)}}));
    } else {
      SCI_ASSIGN_OR_RETURN(instruction, prompts::render("writeup/page_limit",
                                                        {{"pages", std::to_string(outcome_.pages)},
                                                         {"limit", std::to_string(data_.page_limit)}}));
    }
    SCI_TRY(edit(instruction));
  }
}

Status Writer::finish() {
  SCI_ASSIGN_OR_RETURN(std::string tex, read_tex());
  outcome_.integrity = integrity_of(tex);
  SCI_TRY(fs::write_file_atomic(ctx_.idea_dir / "integrity.json", outcome_.integrity.to_json()));
  for (const auto& line : str::split_lines(outcome_.integrity.to_feedback()))
    if (!line.empty() && line[0] != ' ') outcome_.remaining_problems.push_back(line);
  PreflightInput in;
  in.tex = tex;
  in.figure_dirs = {latex_dir_, ctx_.idea_dir};
  in.bib_keys = bib_.keys();
  in.idea_title = idea_title_;
  in.idea_description = idea_description_;
  for (const auto& line : str::split_lines(preflight_feedback(run_preflight(in))))
    if (!line.empty()) outcome_.remaining_problems.push_back(line);
  auto keys = bib_.keys();
  for (const auto& k : cited_keys(tex)) outcome_.references += keys.count(k) ? 1 : 0;
  outcome_.references_found = bib_.added_count();
  outcome_.tex = tex_path_;
  outcome_.bib = bib_path_;

  nlohmann::ordered_json j;
  j["pdf"] = outcome_.pdf_built ? outcome_.pdf.filename().string() : "";
  j["pdf_built"] = outcome_.pdf_built;
  j["pages"] = outcome_.pages;
  j["references"] = outcome_.references;
  j["references_found"] = outcome_.references_found;
  j["citation_rounds"] = outcome_.citation_rounds_used;
  j["build_attempts"] = outcome_.build_attempts;
  j["unsupported_numbers"] = outcome_.integrity.unsupported.size();
  j["remaining_problems"] = outcome_.remaining_problems;
  j["removed_citations"] = outcome_.removed_citations;
  if (outcome_.chktex_warnings_left >= 0) j["chktex_warnings_left"] = outcome_.chktex_warnings_left;
  j["cost_usd"] = outcome_.cost_usd;
  SCI_TRY(fs::write_file_atomic(ctx_.idea_dir / "writeup.json", json::dump(j, 2) + "\n"));
  emit("done", fmt::format("{}; {} reference(s); {} unsupported number(s)",
                           outcome_.pdf_built ? outcome_.pdf.filename().string() : "no PDF", outcome_.references,
                           outcome_.integrity.unsupported.size()));
  return ok_status();
}

Result<WriteupOutcome> Writer::run() {
  if (!ctx_.editor) return make_error(ErrorCode::kInvalidArgument, "writeup needs an editor (the coder)");
  if (opt_.literature == LiteratureMode::kSearch && (!ctx_.llm || !ctx_.literature))
    return make_error(ErrorCode::kInvalidArgument,
                      "writeup citations need an LLM client and a literature client (or run with --no-literature)");
  std::error_code ec;
  if (!stdfs::is_regular_file(tex_path_, ec))
    return make_error(ErrorCode::kNotFound, fmt::format("{} missing: the template must provide latex/template.tex",
                                                        tex_path_.string()));
  // Pre-flight: a missing LaTeX is found before any money is spent.
  auto engine = needs_xelatex(opt_.language) ? latex::TexEngine::kXelatex : latex::TexEngine::kPdflatex;
  if (opt_.pdf == PdfMode::kBuild && !latex::latex_available(engine))
    return make_error(ErrorCode::kExternalTool,
                      fmt::format("{} not found: install {} (or run with --no-pdf)",
                                  engine == latex::TexEngine::kXelatex ? "xelatex" : "pdflatex",
                                  engine == latex::TexEngine::kXelatex ? "texlive-xetex" : "texlive-latex-base"));

  idea_name_ = ctx_.idea_name.empty() ? ctx_.idea_dir.filename().string() : ctx_.idea_name;
  idea_title_ = ctx_.idea_title;
  idea_description_ = ctx_.idea_description;
  if (idea_title_.empty() || idea_description_.empty()) {
    auto idea = json::parse_file((ctx_.idea_dir / "idea.json").string());
    if (idea.ok() && idea->is_object()) {
      auto field = [&](const char* a, const char* b) {
        for (const char* k : {a, b})
          if (idea->contains(k) && (*idea)[k].is_string()) return (*idea)[k].get<std::string>();
        return std::string();
      };
      if (idea_title_.empty()) idea_title_ = field("Title", "title");
      if (idea_description_.empty()) idea_description_ = field("Experiment", "description");
    }
  }

  emit("prepare", "results.tex and environment.tex from the runs");
  SCI_ASSIGN_OR_RETURN(data_, load_idea_data(ctx_.idea_dir, ctx_.manifest));
  for (const auto& w : data_.warnings) emit("prepare", "warning: " + w);
  gen_ = generate_tex(data_, ctx_.manifest);
  SCI_TRY(write_generated_tex(ctx_.idea_dir, gen_));

  SCI_ASSIGN_OR_RETURN(std::string tex, read_tex());
  // The writer writes into latex/: none of it may lead out of the idea directory.
  SCI_TRY(fs::check_no_links_beneath(ctx_.idea_dir, tex_path_));
  SCI_TRY(fs::check_no_links_beneath(ctx_.idea_dir, bib_path_));
  auto existing = read_idea_file(ctx_.idea_dir, bib_path_);
  if (existing.ok()) bib_ = Bibliography::parse(*existing, "template");
  std::string merged;
  tex = extract_filecontents_bib(std::move(tex), &bib_, &merged);
  tex = prepare_tex(std::move(tex), opt_.literature);
  SCI_TRY(fs::write_file_atomic(tex_path_, tex));
  SCI_TRY(save_bib());

  auto notes = read_idea_file(ctx_.idea_dir, "notes.txt");
  notes_ = notes.ok() ? *notes : "";
  auto figs = figure_files(ctx_.idea_dir, idea_name_ + ".pdf");
  figures_ = figs.empty() ? "(none)" : "- " + str::join(figs, "\n- ");
  SCI_TRY(ctx_.editor->set_chat_files({kTexRel}));

  if (opt_.feedback.empty()) {
    SCI_TRY(write_sections());
    SCI_TRY(citation_rounds());
    SCI_TRY(second_pass());
  } else {
    SCI_TRY(revise_with_feedback());
  }
  SCI_TRY(check_rounds());
  SCI_TRY(chktex_rounds());
  SCI_TRY(build_rounds());
  SCI_TRY(finish());
  return outcome_;
}

}  // namespace

Result<WriteupOutcome> run_writeup(const WriteupContext& context) {
  Writer writer(context);
  return writer.run();
}

}  // namespace sci::writeup
