// ScriptedPaperEditor: a writeup::PaperEditor for tests. A function of (instruction,
// current latex/template.tex) returns the new .tex, standing in for the coder's
// edits; every instruction is recorded. FakeLiterature: an in-process LiteratureClient.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "literature/client.h"
#include "writeup/writeup.h"

namespace sci::testing {

class ScriptedPaperEditor final : public writeup::PaperEditor {
 public:
  using Script = std::function<std::string(const std::string& instruction, const std::string& tex)>;
  ScriptedPaperEditor(std::filesystem::path idea_dir, Script script)
      : idea_dir_(std::move(idea_dir)), script_(std::move(script)) {}

  Result<coder::TurnResult> run(const std::string& instruction) override;
  Status set_chat_files(std::vector<std::string> files) override;

  const std::vector<std::string>& instructions() const { return instructions_; }
  const std::vector<std::string>& chat_files() const { return chat_files_; }

 private:
  std::filesystem::path idea_dir_;
  Script script_;
  std::vector<std::string> instructions_;
  std::vector<std::string> chat_files_;
};

class FakeLiterature final : public literature::LiteratureClient {
 public:
  explicit FakeLiterature(std::vector<literature::Paper> papers) : papers_(std::move(papers)) {}
  // Returns every paper whose title or abstract shares a word (4+ letters) with the query.
  Result<std::vector<literature::Paper>> search(const literature::SearchQuery& query) override;
  std::string engine_name() const override { return "fake"; }
  std::vector<std::string> queries;

 private:
  std::vector<literature::Paper> papers_;
};

// Six real, well-known papers with BibTeX, for citation rounds.
std::vector<literature::Paper> writeup_sample_papers();

}  // namespace sci::testing
