// The writeup stage end to end with real pdflatex, bibtex and chktex: a scripted writer
// on the idea_basic runs ends with a compiled PDF whose citations resolve, every
// attempt kept, and zero unsupported numbers; plus the CLI's `latex build` and
// `paper check` through the built binary.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "latex/build.h"
#include "latex/chktex.h"
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
  auto idea = idea_with_template("writeup_pdf_fix");
  auto manifest = testing::writeup_basic_manifest();
  testing::ScriptedLlm llm;
  llm.set_responder([](const llm::ChatRequest&) -> std::string { return R"({"done": true})"; });
  testing::FakeLiterature literature(testing::writeup_sample_papers());
  const std::string broken = "\\undefinedmacroxyz{}";
  int edits = 0;
  bool fed_back = false;
  testing::ScriptedPaperEditor editor(idea, [&](const std::string& instruction, const std::string& tex) {
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
  });
  WriteupContext ctx = fixture_context(idea, manifest, editor, llm, literature);
  ctx.options.cite_rounds = 1;
  ctx.options.chktex_rounds = 0;

  auto out = run_writeup(ctx);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_TRUE(fed_back) << "the build error never reached the writer";
  EXPECT_TRUE(out->pdf_built);
  EXPECT_GE(out->build_attempts, 2);
  EXPECT_TRUE(stdfs::exists(idea / "latex/attempts/paper_2"));
  auto tex = fs::read_file(idea / "latex/template.tex");
  ASSERT_TRUE(tex.ok());
  EXPECT_EQ(tex->find(broken), std::string::npos);
}

}  // namespace
}  // namespace sci::writeup
