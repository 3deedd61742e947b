// The writeup loop with a scripted writer, a scripted citation model and an in-process
// literature client, without LaTeX (--no-pdf): sections, citations, checks fed back.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "support/scripted_llm.h"
#include "support/test_paths.h"
#include "support/writeup_fake_writer.h"
#include "support/writeup_fixtures.h"
#include "support/writeup_scripted_editor.h"
#include "writeup/bibliography.h"
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

// Three queries, then done; selects the first two results each time.
void script_citations(testing::ScriptedLlm& llm) {
  auto queries = std::make_shared<std::vector<std::string>>(
      std::vector<std::string>{"learning rate schedules", "stochastic optimization", "overfitting neural networks"});
  auto asked = std::make_shared<size_t>(0);
  llm.set_responder([queries, asked](const llm::ChatRequest& r) -> std::string {
    const std::string& text = r.messages.back().text;
    if (text.find("The literature search for") != std::string::npos)
      return R"(Here: {"selected": [0, 1], "description": "Related Work, on schedules and optimisers"})";
    if (*asked < queries->size()) return R"({"done": false, "query": ")" + (*queries)[(*asked)++] + R"("})";
    return R"({"done": true})";
  });
}

struct WriteupRun {
  stdfs::path idea;
  templates::Manifest manifest = testing::writeup_basic_manifest();
  testing::ScriptedLlm llm;
  testing::FakeLiterature literature{testing::writeup_sample_papers()};
  std::unique_ptr<testing::ScriptedPaperEditor> editor;
  std::vector<WriteupEvent> events;
  WriteupContext ctx;

  explicit WriteupRun(const std::string& temp) {
    idea = idea_with_template(temp);
    editor = std::make_unique<testing::ScriptedPaperEditor>(idea, testing::writeup_fake_writer);
    script_citations(llm);
    ctx.idea_dir = idea;
    ctx.manifest = &manifest;
    ctx.editor = editor.get();
    ctx.llm = &llm;
    ctx.literature = &literature;
    ctx.idea_name = "cyclical_lr";
    ctx.idea_title = testing::kWriteupFakeIdeaTitle;
    ctx.idea_description = testing::kWriteupFakeIdeaDescription;
    ctx.options.pdf = PdfMode::kSkip;
    ctx.options.chktex_rounds = 0;
    ctx.options.cite_rounds = 5;
    ctx.on_event = [this](const WriteupEvent& e) { events.push_back(e); };
  }
};

TEST(WriteupTest, ScriptedWriterInventedNumberAndDuplicateSectionAreCorrected) {
  WriteupRun run("writeup_loop");
  auto out = run_writeup(run.ctx);
  ASSERT_TRUE(out.ok()) << out.error().to_string();

  // The first check round sent both planted problems back.
  bool sent_number = false, sent_duplicate = false;
  for (const auto& i : run.editor->instructions()) {
    if (i.find("found these problems") == std::string::npos) continue;
    sent_number |= i.find("97.5") != std::string::npos;
    sent_duplicate |= i.find("duplicate_section") != std::string::npos;
  }
  EXPECT_TRUE(sent_number);
  EXPECT_TRUE(sent_duplicate);

  auto tex = fs::read_file(run.idea / "latex/template.tex");
  ASSERT_TRUE(tex.ok());
  EXPECT_EQ(tex->find("97.5"), std::string::npos);
  size_t first = tex->find("\\section{Results}");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(tex->find("\\section{Results}", first + 1), std::string::npos);
  EXPECT_EQ(tex->find("filecontents"), std::string::npos) << "the bibliography moved out of the .tex";
  EXPECT_NE(tex->find("\\input{results}"), std::string::npos);
  EXPECT_NE(tex->find("\\bibliography{references}"), std::string::npos);

  EXPECT_TRUE(out->integrity.unsupported.empty()) << out->integrity.to_feedback();
  EXPECT_EQ(out->integrity.problem_count(), 0) << out->integrity.to_feedback();
  auto integrity = fs::read_file(run.idea / "integrity.json");
  ASSERT_TRUE(integrity.ok());
  EXPECT_NE(integrity->find("\"unsupported\": []"), std::string::npos) << *integrity;
  EXPECT_TRUE(stdfs::exists(run.idea / "latex/results.tex"));
  EXPECT_TRUE(stdfs::exists(run.idea / "latex/environment.tex"));
  EXPECT_TRUE(stdfs::exists(run.idea / "writeup.json"));
  EXPECT_TRUE(out->remaining_problems.empty()) << str::join(out->remaining_problems, "\n");
  EXPECT_FALSE(out->pdf_built);
}

TEST(WriteupTest, CitationsComeFromLiteratureRecordsWithStableDeduplicatedKeys) {
  WriteupRun run("writeup_cites");
  auto out = run_writeup(run.ctx);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_EQ(run.literature.queries.size(), 3u);
  auto bib_text = fs::read_file(run.idea / "latex/references.bib");
  ASSERT_TRUE(bib_text.ok());
  auto bib = Bibliography::parse(*bib_text);
  // The template's entry plus the distinct selected papers, each once.
  EXPECT_TRUE(bib.has("lecun2015deep"));
  EXPECT_TRUE(bib.has("loshchilov2017sgdr"));
  EXPECT_TRUE(bib.has("smith2017cyclical"));
  std::set<std::string> titles;
  for (const auto& e : bib.entries()) EXPECT_TRUE(titles.insert(e.title).second) << "duplicate " << e.title;
  EXPECT_GE(out->references_found, 4);
  EXPECT_EQ(out->references, static_cast<int>(bib.entries().size()));
  for (const auto& key : cited_keys(*fs::read_file(run.idea / "latex/template.tex"))) EXPECT_TRUE(bib.has(key)) << key;
  // The writer was told the reference target.
  bool told_target = false;
  for (const auto& c : run.llm.calls())
    told_target |= c.messages.back().text.find("at least\n12") != std::string::npos ||
                   c.messages.back().text.find("at least 12") != std::string::npos;
  EXPECT_TRUE(told_target);
}

TEST(WriteupTest, SectionsAreWrittenInOrderEachFollowedByARefinement) {
  WriteupRun run("writeup_order");
  ASSERT_TRUE(run_writeup(run.ctx).ok());
  const auto& ins = run.editor->instructions();
  ASSERT_GE(ins.size(), section_order().size() * 2);
  for (size_t i = 0; i < section_order().size(); ++i) {
    EXPECT_NE(ins[2 * i].find("Now write the " + section_order()[i].name + " part"), std::string::npos) << i;
    EXPECT_NE(ins[2 * i + 1].find("Read the " + section_order()[i].name), std::string::npos) << i;
  }
  EXPECT_EQ(run.editor->chat_files(), std::vector<std::string>{"latex/template.tex"});
  bool title = false;
  for (const auto& e : run.events) title |= e.phase == "title";
  EXPECT_TRUE(title);
}

TEST(WriteupTest, NoLiteratureModeStatesTheLimitAndMakesNoSearch) {
  WriteupRun run("writeup_nolit");
  run.ctx.options.literature = LiteratureMode::kTemplateOnly;
  run.ctx.llm = nullptr;
  run.ctx.literature = nullptr;
  auto out = run_writeup(run.ctx);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_TRUE(run.literature.queries.empty());
  auto tex = fs::read_file(run.idea / "latex/template.tex");
  EXPECT_NE(tex->find("citations are limited to the template's bibliography"), std::string::npos);
  EXPECT_EQ(out->references, 1);
}

TEST(WriteupTest, MissingTemplateIsNotFoundBeforeAnyModelCall) {
  WriteupRun run("writeup_notemplate");
  stdfs::remove(run.idea / "latex/template.tex");
  auto out = run_writeup(run.ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(run.editor->instructions().empty());
  EXPECT_TRUE(run.llm.calls().empty());
}

TEST(WriteupTest, CancelStopsTheStage) {
  WriteupRun run("writeup_cancel");
  std::atomic<bool> cancel{true};
  run.ctx.cancel = &cancel;
  auto out = run_writeup(run.ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kCancelled);
}

TEST(WriteupTest, NonLatinLanguagesBuildWithXelatex) {
  EXPECT_TRUE(needs_xelatex("Chinese"));
  EXPECT_TRUE(needs_xelatex(" russian "));
  EXPECT_FALSE(needs_xelatex("English"));
  EXPECT_FALSE(needs_xelatex("German"));
}

}  // namespace
}  // namespace sci::writeup
