// PDF text extraction on PDFs built by our own pdflatex (poppler-cpp and pdftotext),
// page limits, a scanned (text-less) PDF, idea-directory inputs, and `scientist review`
// end to end through the built binary against a loopback OpenAI-compatible server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>

#include "base/fs.h"
#include "http/loopback_server.h"
#include "proc/find_program.h"
#include "proc/run_capture.h"
#include "review/paper_text.h"
#include "review/review.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::review {
namespace {

namespace stdfs = std::filesystem;

const char* kTwoPageTex = R"(\documentclass{article}
\begin{document}
\title{Gradient Noise Helps Tiny Networks}
\author{Test Author}
\maketitle
\section{Introduction}
We measure how injected gradient noise changes the validation loss of tiny networks.
\section{Results}
The noisy variant reaches a validation loss of 0.412 in Table 1.
\newpage
\section{Conclusion}
Second page text about careful conclusions.
\end{document}
)";

const char* kNoTextTex = R"(\documentclass{article}
\pagestyle{empty}
\begin{document}
\noindent\rule{10cm}{10cm}
\end{document}
)";

// Builds `tex` with pdflatex in `dir`; returns the PDF path or empty when pdflatex is missing/failed.
stdfs::path build_pdf(const stdfs::path& dir, const std::string& name, const std::string& tex) {
  if (!proc::find_program("pdflatex")) return {};
  EXPECT_TRUE(fs::write_file_atomic(dir / (name + ".tex"), tex).ok());
  auto r = proc::run_capture({"pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-output-directory=" + dir.string(),
                              (dir / (name + ".tex")).string()},
                             std::chrono::seconds(120));
  if (!r.ok() || r->exit_code != 0) {
    ADD_FAILURE() << "pdflatex failed: " << (r.ok() ? r->output : r.error().to_string());
    return {};
  }
  return dir / (name + ".pdf");
}

TEST(ReviewPdf, PopplerAndPdftotextExtractOurLatexPaper) {
  auto dir = testing::fresh_temp_dir("review_pdf_text");
  auto pdf = build_pdf(dir, "paper", kTwoPageTex);
  if (pdf.empty()) GTEST_SKIP() << "pdflatex not installed";
  for (auto backend : {PdfBackend::kPoppler, PdfBackend::kPdftotext}) {
    int total = 0, used = 0;
    auto text = extract_pdf_text(pdf, 0, backend, &total, &used);
    ASSERT_TRUE(text.ok()) << text.error().to_string();
    EXPECT_NE(text->find("Gradient Noise Helps Tiny Networks"), std::string::npos);
    EXPECT_NE(text->find("0.412"), std::string::npos);
    EXPECT_NE(text->find("careful conclusions"), std::string::npos);
    if (backend == PdfBackend::kPoppler) {
      EXPECT_EQ(total, 2);
      EXPECT_EQ(used, 2);
    }
  }
}

TEST(ReviewPdf, PageLimitKeepsOnlyTheFirstPages) {
  auto dir = testing::fresh_temp_dir("review_pdf_pages");
  auto pdf = build_pdf(dir, "paper", kTwoPageTex);
  if (pdf.empty()) GTEST_SKIP() << "pdflatex not installed";
  PaperOptions o;
  o.max_pages = 1;
  auto in = load_paper(pdf, o);
  ASSERT_TRUE(in.ok()) << in.error().to_string();
  EXPECT_EQ(in->kind, InputKind::kPdf);
  EXPECT_EQ(in->pages_total, 2);
  EXPECT_EQ(in->pages_used, 1);
  EXPECT_NE(in->text.find("0.412"), std::string::npos);
  EXPECT_EQ(in->text.find("careful conclusions"), std::string::npos);
  ASSERT_FALSE(in->notes.empty());
  EXPECT_NE(in->notes[0].find("first 1 of 2 pages"), std::string::npos);
}

TEST(ReviewPdf, ScannedPdfWithoutTextFailsClearly) {
  auto dir = testing::fresh_temp_dir("review_pdf_scanned");
  auto pdf = build_pdf(dir, "scan", kNoTextTex);
  if (pdf.empty()) GTEST_SKIP() << "pdflatex not installed";
  auto in = load_paper(pdf, PaperOptions{});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(in.error().message.find("scanned PDF"), std::string::npos);
  EXPECT_NE(in.error().message.find("OCR"), std::string::npos);
}

TEST(ReviewPdf, DamagedPdfIsAnError) {
  auto dir = testing::fresh_temp_dir("review_pdf_damaged");
  ASSERT_TRUE(fs::write_file_atomic(dir / "bad.pdf", "this is not a pdf at all").ok());
  auto in = load_paper(dir / "bad.pdf", PaperOptions{});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(load_paper(dir / "absent.pdf", PaperOptions{}).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(fs::write_file_atomic(dir / "x.docx", "x").ok());
  EXPECT_EQ(load_paper(dir / "x.docx", PaperOptions{}).error().code, ErrorCode::kInvalidArgument);
}

TEST(ReviewPdf, IdeaDirectoryBringsResultsAndIntegrityReport) {
  auto dir = testing::fresh_temp_dir("review_idea_dir");
  auto pdf = build_pdf(dir, "20260101_000000_noise", kTwoPageTex);
  if (pdf.empty()) GTEST_SKIP() << "pdflatex not installed";
  ASSERT_TRUE(fs::write_file_atomic(dir / "run_1" / "final_info.json", R"({"tiny": {"means": {"val_loss": 0.412}}})").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "integrity.json", R"({"unsupported": []})").ok());
  auto in = load_paper(dir, PaperOptions{});
  ASSERT_TRUE(in.ok()) << in.error().to_string();
  EXPECT_EQ(in->kind, InputKind::kIdeaDir);
  EXPECT_EQ(in->source, pdf);
  EXPECT_NE(in->results.find("run_1/final_info.json"), std::string::npos);
  EXPECT_NE(in->results.find("0.412"), std::string::npos);
  EXPECT_NE(in->integrity.find("unsupported"), std::string::npos);
}

// An OpenAI-compatible loopback server answering as a reviewer would.
class FakeOpenAi {
 public:
  FakeOpenAi() {
    auto started = http::LoopbackServer::start([this](const http::HttpRequest& req) {
      http::HttpResponse res;
      auto body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_discarded() || req.url.find("/chat/completions") == std::string::npos) {
        res.status = 404;
        return res;
      }
      std::string last = body["messages"].back()["content"].get<std::string>();
      int call = ++calls_;
      std::string content;
      if (last.find("area chair") != std::string::npos) content = review_reply(5, "Meta summary.", "Reject", "");
      else if (last.find("Reflection round") != std::string::npos) content = review_reply(5, "Reflected summary.", "Reject", "I am done");
      else content = review_reply(call % 2 ? 4 : 6, "Member summary.", "Reject", "");
      nlohmann::json out = {{"id", "chatcmpl-1"},
                            {"object", "chat.completion"},
                            {"model", body.value("model", "")},
                            {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
                            {"usage", {{"prompt_tokens", 1000}, {"completion_tokens", 200}, {"total_tokens", 1200}}}};
      res.status = 200;
      res.headers = {{"Content-Type", "application/json"}};
      res.body = out.dump();
      return res;
    });
    EXPECT_TRUE(started.ok()) << started.error().to_string();
    if (started.ok()) server_ = std::move(started).value();
  }
  int port() const { return server_ ? server_->port() : 0; }
  int calls() const { return calls_; }

  static std::string review_reply(int overall, const std::string& summary, const std::string& decision,
                                  const std::string& thought) {
    nlohmann::json r = {{"Summary", summary},
                        {"Strengths", {"Clear question (Section 1)."}},
                        {"Weaknesses", {"Table 1 reports one seed.", "The phrase \"helps tiny networks\" overclaims."}},
                        {"Originality", 2}, {"Quality", 2}, {"Clarity", 3}, {"Significance", 2},
                        {"Questions", {"How many seeds?"}}, {"Limitations", {"Tiny networks only."}},
                        {"Ethical Concerns", false}, {"Soundness", 2}, {"Presentation", 3}, {"Contribution", 2},
                        {"Overall", overall}, {"Confidence", 4}, {"Decision", decision}};
    return "THOUGHT:\n" + thought + "\n\nREVIEW JSON:\n```json\n" + r.dump(2) + "\n```\n";
  }

 private:
  std::atomic<int> calls_{0};  // before server_: the server's threads use it until server_ is gone
  std::unique_ptr<http::LoopbackServer> server_;
};

TEST(ReviewCli, ReviewsAPdfEndToEndThroughTheBinary) {
  auto dir = testing::fresh_temp_dir("review_cli_e2e");
  auto pdf = build_pdf(dir, "paper", kTwoPageTex);
  if (pdf.empty()) GTEST_SKIP() << "pdflatex not installed";
  FakeOpenAi server;
  auto r = testing::run_scientist({"review", pdf.string(), "--model", "openai:gpt-4o-2024-05-13", "--base-url",
                                   "http://127.0.0.1:" + std::to_string(server.port()) + "/v1", "--ensemble", "2",
                                   "--reflections", "3", "--few-shot", "1"},
                                  dir, {"OPENAI_API_KEY=sk-test-key-123456"}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Overall 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Decision Reject"), std::string::npos);
  EXPECT_EQ(r.output.find("sk-test-key-123456"), std::string::npos);
  EXPECT_EQ(server.calls(), 4);  // 2 members + meta + 1 reflection that was done
  auto json = fs::read_file(dir / "review.json");
  ASSERT_TRUE(json.ok());
  auto rep = parse_report_json(*json);
  ASSERT_TRUE(rep.ok()) << rep.error().to_string();
  EXPECT_EQ(rep->ensemble.size(), 2u);
  EXPECT_EQ(rep->review.summary, "Reflected summary.");
  EXPECT_EQ(rep->spread.at("Overall").min, 4);
  EXPECT_EQ(rep->spread.at("Overall").max, 6);
  EXPECT_EQ(rep->reflections_done, 1);
  EXPECT_TRUE(rep->stopped_early);
  EXPECT_TRUE(stdfs::exists(dir / "review.md"));
  EXPECT_TRUE(stdfs::exists(dir / "review.txt"));
}

TEST(ReviewCli, ReviewBenchPrintsMetricsAsJson) {
  auto dir = testing::fresh_temp_dir("review_bench_cli");
  ASSERT_TRUE(fs::write_file_atomic(dir / "d.tsv", "paper_id\tdecision\tratings\na\tAccept\t8,6\nb\tReject\t3,5\nc\tReject\t5\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "r.tsv", "paper_id\tOverall\tDecision\na\t7\tAccept\nb\t4\tReject\nc\t6\tReject\n").ok());
  auto r = testing::run_scientist({"review-bench", "--decisions", (dir / "d.tsv").string(), "--reviews",
                                   (dir / "r.tsv").string(), "--json", "--bootstrap", "50"},
                                  dir, {}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  EXPECT_EQ(j["n"], 3);
  EXPECT_EQ(j["decision_field"]["tp"], 1);
  EXPECT_EQ(j["decision_field"]["tn"], 2);
  EXPECT_DOUBLE_EQ(j["auc_overall"].get<double>(), 1.0);
  EXPECT_TRUE(j.contains("ci"));
  auto bad = testing::run_scientist({"review-bench", "--decisions", (dir / "absent.tsv").string(), "--reviews",
                                     (dir / "r.tsv").string()},
                                    dir, {}, 60);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("absent.tsv"), std::string::npos);
}

}  // namespace
}  // namespace sci::review
