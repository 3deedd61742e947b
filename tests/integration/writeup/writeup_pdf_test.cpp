// The writeup stage end to end with real pdflatex, bibtex and chktex: a scripted writer
// on the idea_basic runs ends with a compiled PDF whose citations resolve, every
// attempt kept, and zero unsupported numbers; plus the CLI's `latex build` and
// `paper check` through the built binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <fmt/format.h>

#include "base/fs.h"
#include "latex/build.h"
#include "base/strings.h"
#include "latex/chktex.h"
#include "proc/find_program.h"
#include "support/cli_runner.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"
#include "support/writeup_fake_writer.h"
#include "support/writeup_fixtures.h"
#include "support/writeup_scripted_editor.h"
#include "writeup/writeup.h"

namespace sci::writeup {
namespace {

namespace stdfs = std::filesystem;

stdfs::path idea_with_template(const std::string& temp) {
  auto idea = testing::copy_writeup_fixture("idea_basic", temp);
  stdfs::create_directories(idea / "latex");
  stdfs::copy_file(testing::writeup_fixture("paper_template/template.tex"), idea / "latex/template.tex");
  return idea;
}

// A writeup context on the idea_basic runs with the scripted model, editor and literature.
WriteupContext fixture_context(const stdfs::path& idea, const templates::Manifest& manifest, PaperEditor& editor,
                               llm::LlmClient& llm, literature::LiteratureClient& literature) {
  WriteupContext ctx;
  ctx.idea_dir = idea;
  ctx.manifest = &manifest;
  ctx.editor = &editor;
  ctx.llm = &llm;
  ctx.literature = &literature;
  ctx.idea_name = "cyclical_lr";
  ctx.idea_title = testing::kWriteupFakeIdeaTitle;
  ctx.idea_description = testing::kWriteupFakeIdeaDescription;
  ctx.options.latex_timeout_s = 120;
  return ctx;
}

// One writeup on the idea_basic runs: a model that answers every question with
// {"done": true}, the sample literature, and `rewrite` (instruction, tex) -> tex as the
// writer. One citation round; chktex and LaTeX-fix rounds as given (-1: the default).
struct ScriptedWriteup {
  explicit ScriptedWriteup(const std::string& temp)
      : idea(idea_with_template(temp)),
        manifest(testing::writeup_basic_manifest()),
        literature(testing::writeup_sample_papers()) {
    llm.set_responder([](const llm::ChatRequest&) -> std::string { return R"({"done": true})"; });
  }
  Result<WriteupOutcome> run(testing::ScriptedPaperEditor::Script rewrite, int chktex_rounds,
                             int latex_fix_rounds = -1) {
    testing::ScriptedPaperEditor editor(idea, std::move(rewrite));
    WriteupContext ctx = fixture_context(idea, manifest, editor, llm, literature);
    ctx.options.cite_rounds = 1;
    ctx.options.chktex_rounds = chktex_rounds;
    if (latex_fix_rounds >= 0) ctx.options.latex_fix_rounds = latex_fix_rounds;
    return run_writeup(ctx);
  }
  stdfs::path idea;
  templates::Manifest manifest;
  testing::ScriptedLlm llm;
  testing::FakeLiterature literature;
};

TEST(WriteupPdfTest, ScriptedWriterEndsWithACompiledPaperWithRealCitations) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  auto idea = idea_with_template("writeup_pdf");
  auto manifest = testing::writeup_basic_manifest();
  testing::ScriptedLlm llm;
  int asked = 0;
  llm.set_responder([&asked](const llm::ChatRequest& r) -> std::string {
    if (r.messages.back().text.find("The literature search for") != std::string::npos)
      return R"({"selected": [0, 1, 2], "description": "Related Work"})";
    return ++asked <= 2 ? R"({"query": "learning rate training"})" : R"({"done": true})";
  });
  testing::FakeLiterature literature(testing::writeup_sample_papers());
  testing::ScriptedPaperEditor editor(idea, testing::writeup_fake_writer);
  WriteupContext ctx = fixture_context(idea, manifest, editor, llm, literature);
  ctx.options.cite_rounds = 4;

  auto out = run_writeup(ctx);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_TRUE(out->pdf_built);
  EXPECT_EQ(out->pdf, idea / "cyclical_lr.pdf");
  auto pdf = fs::read_file(idea / "cyclical_lr.pdf");
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(pdf->substr(0, 4), "%PDF");
  EXPECT_GE(out->pages, 1);
  EXPECT_GE(out->build_attempts, 1);
  EXPECT_TRUE(stdfs::exists(idea / "latex/attempts/paper_1/template.tex"));
  EXPECT_TRUE(stdfs::exists(idea / "latex/attempts/paper_1/references.bib"));
  EXPECT_TRUE(out->integrity.unsupported.empty()) << out->integrity.to_feedback();
  EXPECT_GE(out->references, 4);

  // The bibliography resolved: titles from the literature records are in the PDF.
  auto text = latex::pdf_text(out->pdf);
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_NE(text->find("Stochastic"), std::string::npos) << *text;
  EXPECT_EQ(text->find("[?]"), std::string::npos);
  EXPECT_EQ(text->find("??"), std::string::npos);
  EXPECT_NE(text->find("0.9124"), std::string::npos) << "result macros expanded";
}

TEST(WriteupPdfTest, ChktexFindsRealProblemsWithLineNumbers) {
  if (!latex::latex_available()) GTEST_SKIP() << "LaTeX not installed";
  auto dir = testing::fresh_temp_dir("writeup_chktex");
  ASSERT_TRUE(fs::write_file_atomic(dir / "template.tex",
                                    "\\documentclass{article}\n\\begin{document}\nA (bad ] bracket.\n\\end{document}\n")
                  .ok());
  auto warnings = latex::run_chktex(dir, "template.tex");
  if (!warnings.ok() && warnings.error().code == ErrorCode::kExternalTool) GTEST_SKIP() << "chktex not installed";
  ASSERT_TRUE(warnings.ok()) << warnings.error().to_string();
  bool found = false;
  for (const auto& w : *warnings) found |= w.line == 3 && w.file == "template.tex";
  EXPECT_TRUE(found);
}

TEST(WriteupPdfTest, LatexBuildCommandReportsErrorsWithFileAndLine) {
  if (!latex::latex_available()) GTEST_SKIP() << "LaTeX not installed";
  auto dir = testing::fresh_temp_dir("writeup_cli_latex");
  ASSERT_TRUE(fs::write_file_atomic(dir / "template.tex",
                                    "\\documentclass{article}\n\\begin{document}\nFine.\n\\undefinedmacro\n\\end{document}\n")
                  .ok());
  auto r = testing::run_scientist({"latex", "build", dir.string()}, dir, {}, 180);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("template.tex:4:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Undefined control sequence"), std::string::npos) << r.output;
  auto j = testing::run_scientist({"latex", "build", dir.string(), "--json"}, dir, {}, 180);
  EXPECT_NE(j.output.find("\"line\": 4"), std::string::npos) << j.output;
}

TEST(WriteupPdfTest, PaperCheckCommandReportsUnsupportedNumbersOfAWrongPaper) {
  auto idea = testing::copy_writeup_fixture("idea_basic", "writeup_cli_check");
  ASSERT_TRUE(fs::write_file_atomic(idea / "latex/template.tex",
                                    "\\documentclass{article}\n\\begin{document}\nOur method reaches 0.9124 "
                                    "accuracy.\nIt also reaches 97.5\\% on circles.\n\\end{document}\n")
                  .ok());
  auto r = testing::run_scientist({"paper", "check", idea.string(), "--json", "--out", (idea / "integrity.json").string()},
                                  idea, {}, 120);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("\"value\": \"97.5%\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"line\": 4"), std::string::npos) << r.output;
  EXPECT_TRUE(stdfs::exists(idea / "integrity.json"));
  // A correct paper passes.
  ASSERT_TRUE(fs::write_file_atomic(idea / "latex/template.tex",
                                    "\\documentclass{article}\n\\begin{document}\nOur method reaches 0.9124 "
                                    "accuracy.\n\\end{document}\n")
                  .ok());
  auto ok = testing::run_scientist({"paper", "check", idea.string()}, idea, {}, 120);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

// The writer's first edit breaks the build with an undefined command; the build error,
// with its file and line, goes back to the writer, which removes it; the next build works.
TEST(WriteupPdfTest, ALatexErrorIsFedBackToTheWriterWhoFixesIt) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  ScriptedWriteup w("writeup_pdf_fix");
  const stdfs::path& idea = w.idea;
  const std::string broken = "\\undefinedmacroxyz{}";
  int edits = 0;
  bool fed_back = false;
  auto script = [&](const std::string& instruction, const std::string& tex) {
    if (instruction.find("undefinedmacroxyz") != std::string::npos) {
      fed_back = true;
      std::string fixed = tex;
      fixed.erase(fixed.find(broken), broken.size());
      return fixed;
    }
    std::string out = testing::writeup_fake_writer(instruction, tex);
    if (++edits == 1) {
      size_t at = out.find("\\section{Introduction}");
      if (at != std::string::npos) out.insert(at, broken + "\n");
    }
    return out;
  };
  auto out = w.run(script, 0);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_TRUE(fed_back) << "the build error never reached the writer";
  EXPECT_TRUE(out->pdf_built);
  EXPECT_GE(out->build_attempts, 2);
  EXPECT_TRUE(stdfs::exists(idea / "latex/attempts/paper_2"));
  auto tex = fs::read_file(idea / "latex/template.tex");
  ASSERT_TRUE(tex.ok());
  EXPECT_EQ(tex->find(broken), std::string::npos);
}

// Many paragraphs of filler in the Method section: several pages more than the paper
// the scripted writer otherwise produces (one to two pages).
std::string page_filler() {
  std::string filler = "\n% FILLER BEGIN\n";
  for (int i = 0; i < 60; ++i)
    filler += "This paragraph repeats the description of the schedule at length to make the paper longer than "
              "its page limit, restating that the learning rate rises and falls between two bounds while the "
              "classification network, the data and the number of training steps stay exactly the same.\n\n";
  return filler + "% FILLER END\n";
}

// Puts the filler at the end of the Method section the scripted writer wrote.
std::string add_filler(std::string tex) {
  const std::string method_end = "Both keep the classification network unchanged.";
  size_t at = tex.find(method_end);
  if (at != std::string::npos) tex.insert(at + method_end.size(), page_filler());
  return tex;
}

std::string remove_filler(std::string tex) {
  size_t begin = tex.find("\n% FILLER BEGIN\n");
  const std::string end_tag = "% FILLER END\n";
  size_t end = tex.find(end_tag, begin == std::string::npos ? 0 : begin);
  if (begin != std::string::npos && end != std::string::npos) tex.erase(begin, end + end_tag.size() - begin);
  return tex;
}

bool has_over_limit(const std::vector<std::string>& problems) {
  for (const auto& p : problems)
    if (p.find("over the limit") != std::string::npos) return true;
  return false;
}

// The writer pads the paper far past a 2-page limit; the built PDF's page count and the
// limit go back to the writer in the page-limit instruction, the writer removes the
// padding, and the next build fits.
TEST(WriteupPdfTest, APaperOverThePageLimitIsShortenedWhenTheWriterIsToldTheLimit) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  ScriptedWriteup w("writeup_pdf_pages");
  const stdfs::path& idea = w.idea;
  w.manifest.page_limit = 2;
  std::vector<std::string> limit_instructions;
  auto script = [&](const std::string& instruction, const std::string& tex) {
    if (instruction.find("the limit is") != std::string::npos) {
      limit_instructions.push_back(instruction);
      return remove_filler(tex);
    }
    std::string out = testing::writeup_fake_writer(instruction, tex);
    if (instruction.find("Now write the Method part") != std::string::npos) out = add_filler(out);
    return out;
  };
  auto out = w.run(script, 0);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_EQ(limit_instructions.size(), 1u) << "the page limit never reached the writer";
  // The instruction names the built page count (more than the limit) and the limit.
  std::smatch m;
  const std::regex numbers(R"(has (\d+) pages; the limit is (\d+) pages)");
  ASSERT_TRUE(std::regex_search(limit_instructions[0], m, numbers)) << limit_instructions[0];
  EXPECT_GT(std::stoi(m[1].str()), 2) << limit_instructions[0];
  EXPECT_EQ(m[2].str(), "2");
  EXPECT_TRUE(out->pdf_built);
  EXPECT_GE(out->build_attempts, 2);
  EXPECT_TRUE(stdfs::exists(idea / "latex/attempts/paper_2"));
  EXPECT_GE(out->pages, 1);
  EXPECT_LE(out->pages, 2);
  EXPECT_FALSE(has_over_limit(out->remaining_problems)) << str::join(out->remaining_problems, "\n");
  auto tex = fs::read_file(idea / "latex/template.tex");
  ASSERT_TRUE(tex.ok());
  EXPECT_EQ(tex->find("FILLER BEGIN"), std::string::npos);
}

// A writer that ignores the page-limit instruction: after latex_fix_rounds the outcome
// says how far over the limit the paper is, and the (too long) PDF is still kept.
TEST(WriteupPdfTest, APaperLeftOverThePageLimitIsReportedAndKept) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  ScriptedWriteup w("writeup_pdf_pages_ignored");
  const stdfs::path& idea = w.idea;
  w.manifest.page_limit = 2;
  int limit_instructions = 0;
  auto script = [&](const std::string& instruction, const std::string& tex) {
    if (instruction.find("the limit is 2 pages") != std::string::npos) {
      ++limit_instructions;
      return tex;  // ignored
    }
    std::string out = testing::writeup_fake_writer(instruction, tex);
    if (instruction.find("Now write the Method part") != std::string::npos) out = add_filler(out);
    return out;
  };
  auto out = w.run(script, 0, 1);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(limit_instructions, 1);
  EXPECT_EQ(out->build_attempts, 2);
  EXPECT_TRUE(out->pdf_built);
  EXPECT_TRUE(stdfs::exists(idea / "cyclical_lr.pdf"));
  EXPECT_GT(out->pages, 2);
  const std::string expected = fmt::format("{} pages, over the limit of 2", out->pages);
  EXPECT_NE(std::find(out->remaining_problems.begin(), out->remaining_problems.end(), expected),
            out->remaining_problems.end())
      << expected << " not in:\n" << str::join(out->remaining_problems, "\n");
}

// The writer quotes a word with straight double quotes, which chktex flags (warning 18);
// the warning, with its file and line, goes back to the writer, which uses TeX quotes;
// chktex then finds nothing in the paper.
TEST(WriteupPdfTest, ChktexWarningsAreFedBackAndFixed) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  if (!proc::find_program("chktex")) GTEST_SKIP() << "chktex not installed";
  ScriptedWriteup w("writeup_pdf_chktex");
  const stdfs::path& idea = w.idea;
  const std::string bad = "a \"cyclical\" learning rate";
  const std::string good = "a ``cyclical'' learning rate";
  std::vector<std::string> chktex_instructions;
  int bad_line = 0;
  auto script = [&](const std::string& instruction, const std::string& tex) {
    if (instruction.find("chktex reports these problems") != std::string::npos) {
      chktex_instructions.push_back(instruction);
      std::string fixed = tex;
      size_t at = fixed.find(bad);
      if (at == std::string::npos) return fixed;
      bad_line = 1 + static_cast<int>(std::count(tex.begin(), tex.begin() + static_cast<long>(at), '\n'));
      if (instruction.find("chktex 18") != std::string::npos) fixed.replace(at, bad.size(), good);
      // The shared scripted writer's Background also has one (chktex 12 before \paragraph).
      const std::string run_in = "learning rate. \\paragraph";
      size_t para = fixed.find(run_in);
      if (instruction.find("chktex 12") != std::string::npos && para != std::string::npos)
        fixed.replace(para, run_in.size(), "learning rate.\n\n\\paragraph");
      return fixed;
    }
    std::string out = testing::writeup_fake_writer(instruction, tex);
    if (instruction.find("Now write the Method part") != std::string::npos) {
      size_t at = out.find("a cyclical learning rate");
      if (at != std::string::npos) out.replace(at, std::string("a cyclical learning rate").size(), bad);
    }
    return out;
  };
  auto out = w.run(script, 2);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_FALSE(chktex_instructions.empty()) << "the chktex warning never reached the writer";
  // The line the quotes were on is in the instruction, with chktex's warning number.
  ASSERT_GT(bad_line, 0) << "the quotes were not in the paper when the warning came back";
  EXPECT_NE(chktex_instructions[0].find(fmt::format("template.tex:{}:", bad_line)), std::string::npos)
      << "line " << bad_line << " missing from:\n" << chktex_instructions[0];
  EXPECT_NE(chktex_instructions[0].find("chktex 18"), std::string::npos) << chktex_instructions[0];
  EXPECT_EQ(chktex_instructions.size(), 1u) << "the paper was clean after the fix";
  auto final_tex = fs::read_file(idea / "latex/template.tex");
  ASSERT_TRUE(final_tex.ok());
  EXPECT_EQ(final_tex->find(bad), std::string::npos);
  EXPECT_NE(final_tex->find(good), std::string::npos);
  auto attempt = fs::read_file(idea / "latex/attempts/paper_1/template.tex");
  ASSERT_TRUE(attempt.ok());
  EXPECT_EQ(attempt->find(bad), std::string::npos) << "the fix came before the build";
  EXPECT_TRUE(out->pdf_built);
  EXPECT_EQ(out->chktex_warnings_left, 0);
  // chktex itself, run again, agrees: nothing left in the paper.
  auto warnings = latex::run_chktex(idea / "latex", "template.tex");
  ASSERT_TRUE(warnings.ok()) << warnings.error().to_string();
  int left = 0;
  std::string listing;
  for (const auto& warning : *warnings)
    if (warning.file == "template.tex") ++left, listing += latex::format_chktex_warning(warning) + "\n";
  EXPECT_EQ(left, 0) << listing;
}

// A writer that ignores chktex: after the rounds the warnings left are counted in the
// outcome and in writeup.json, and the paper is still built (style is not a failure).
TEST(WriteupPdfTest, ChktexWarningsLeftAfterTheRoundsAreCountedNotFatal) {
  if (!latex::latex_available()) GTEST_SKIP() << "pdflatex/bibtex not installed";
  if (!proc::find_program("chktex")) GTEST_SKIP() << "chktex not installed";
  ScriptedWriteup w("writeup_pdf_chktex_left");
  const stdfs::path& idea = w.idea;
  int chktex_instructions = 0;
  auto script = [&](const std::string& instruction, const std::string& tex) {
    if (instruction.find("chktex reports these problems") != std::string::npos) {
      ++chktex_instructions;
      return tex;  // ignored
    }
    std::string out = testing::writeup_fake_writer(instruction, tex);
    size_t at = out.find("a cyclical learning rate");
    if (at != std::string::npos) out.replace(at, std::string("a cyclical learning rate").size(), "a \"cyclical\" learning rate");
    return out;
  };
  auto out = w.run(script, 1);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(chktex_instructions, 1);
  EXPECT_GE(out->chktex_warnings_left, 1);
  EXPECT_TRUE(out->pdf_built);
  for (const auto& p : out->remaining_problems) EXPECT_EQ(p.find("chktex"), std::string::npos) << p;
  auto record = fs::read_file(idea / "writeup.json");
  ASSERT_TRUE(record.ok()) << "writeup.json";
  EXPECT_NE(record->find(fmt::format("\"chktex_warnings_left\": {}", out->chktex_warnings_left)), std::string::npos)
      << *record;
}

}  // namespace
}  // namespace sci::writeup
