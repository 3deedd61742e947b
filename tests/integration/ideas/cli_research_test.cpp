// The built binary end to end: `lit index` / `lit search` on local, s2 and openalex
// (loopback servers via --base-url), a 429 storm within the cap, `ideas` against a
// loopback OpenAI-compatible server that fails mid-batch and a re-run that resumes,
// and `novelty` (local engine, zero hits -> unknown; --no-literature).
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "base/fs.h"
#include "base/json.h"
#include "http/loopback_server.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

http::HttpResponse json_reply(int status, const std::string& body, http::Headers h = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = body;
  h.emplace_back("Content-Type", "application/json");
  r.headers = std::move(h);
  return r;
}

// Minimal OpenAI Chat Completions server answering from a script (documented shape).
class ScriptedChatServer {
 public:
  explicit ScriptedChatServer(std::vector<std::string> replies) : replies_(replies.begin(), replies.end()) {
    auto s = http::LoopbackServer::start([this](const http::HttpRequest& req) {
      std::lock_guard l(mu_);
      ++calls_;
      if (req.url.find("/chat/completions") == std::string::npos) return json_reply(404, "{}");
      if (replies_.empty())
        return json_reply(401, R"({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                   "code": "invalid_api_key"}})");
      std::string text = replies_.front();
      replies_.pop_front();
      json::Json body = {{"id", "chatcmpl-1"},
                         {"object", "chat.completion"},
                         {"created", 1700000000},
                         {"model", "test-model"},
                         {"choices", {{{"index", 0},
                                       {"message", {{"role", "assistant"}, {"content", text}}},
                                       {"finish_reason", "stop"}}}},
                         {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 50}, {"total_tokens", 150}}}};
      return json_reply(200, body.dump());
    });
    if (s.ok()) server_ = std::move(s).value();
  }
  bool ok() const { return server_ != nullptr; }
  std::string base_url() const { return server_->base_url() + "/v1"; }
  void push(const std::string& r) { std::lock_guard l(mu_); replies_.push_back(r); }
  int calls() { std::lock_guard l(mu_); return calls_; }

 private:
  std::mutex mu_;
  std::deque<std::string> replies_;
  int calls_ = 0;
  std::unique_ptr<http::LoopbackServer> server_;
};

std::string idea_reply(const std::string& name, const std::string& title, const std::string& exp) {
  return "THOUGHT:\nA plan.\nI am done\n\nNEW IDEA JSON:\n```json\n{\"Name\": \"" + name + "\", \"Title\": \"" + title +
         "\", \"Experiment\": \"" + exp + "\", \"Interestingness\": 7, \"Feasibility\": 8, \"Novelty\": 6}\n```\n";
}

std::filesystem::path make_template(const std::filesystem::path& root) {
  auto t = root / "tiny";
  EXPECT_TRUE(fs::write_file_atomic(t / "prompt.json",
                                    R"({"system": "You study tiny models.", "task_description": "Study grokking on modular addition."})")
                  .ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "experiment.py", "print('baseline')\n").ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "seed_ideas.json",
                                    R"([{"Name": "batch_size", "Title": "Batch size and grokking", "Experiment": "Vary the batch size.",
                                    "Interestingness": 6, "Feasibility": 9, "Novelty": 4}])")
                  .ok());
  EXPECT_TRUE(fs::write_file_atomic(t / "latex" / "references.bib",
                                    "@article{power2022grokking, title={Grokking: Generalization Beyond Overfitting},"
                                    " author={Power, Alethea}, journal={arXiv}, year=2022}\n")
                  .ok());
  return t;
}

TEST(CliLitTest, IndexAndSearchTheLocalLibrary) {
  auto dir = fresh_temp_dir("cli_lit_local");
  ASSERT_TRUE(fs::write_file_atomic(dir / "lib.bib",
                                    "@inproceedings{ho2020denoising, title={Denoising Diffusion Probabilistic Models},"
                                    " author={Ho, Jonathan and Jain, Ajay}, booktitle={NeurIPS}, year=2020}\n"
                                    "@article{power2022grokking, title={Grokking}, author={Power, Alethea}, year=2022}\n")
                  .ok());
  auto idx = run_scientist({"lit", "index", "lib.bib", "--library", "lib.db"}, dir, {}, 60);
  ASSERT_EQ(idx.exit_code, 0) << idx.output;
  EXPECT_NE(idx.output.find("indexed 2 papers"), std::string::npos) << idx.output;
  auto r = run_scientist({"lit", "search", "diffusion models", "--engine", "local", "--json"}, dir,
                         {"SCIENTIST_LITERATURE_LIBRARY_DB=lib.db"}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = json::parse(r.output.substr(r.output.find('[')), "output");
  ASSERT_TRUE(j.ok()) << r.output;
  ASSERT_EQ(j->size(), 1u);
  EXPECT_EQ((*j)[0]["bibtex_key"], "ho2020denoising");

  ASSERT_TRUE(fs::write_file_atomic(dir / "bad.jsonl", "{\"title\": \"a\"}\n{oops\n").ok());
  auto bad = run_scientist({"lit", "index", "bad.jsonl", "--library", "lib.db"}, dir, {}, 60);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("bad.jsonl:2"), std::string::npos) << bad.output;
}

TEST(CliLitTest, SearchS2AndOpenAlexThroughBaseUrlAndSurviveA429Storm) {
  auto dir = fresh_temp_dir("cli_lit_remote");
  std::atomic<int> s2_hits{0};
  auto server = http::LoopbackServer::start([&](const http::HttpRequest& req) {
    if (req.url.find("/paper/search") != std::string::npos) {
      ++s2_hits;
      if (req.url.find("storm") != std::string::npos)
        return json_reply(429, R"({"message": "Too Many Requests"})", {{"Retry-After", "1"}});
      return json_reply(200, R"({"total": 1, "offset": 0, "data": [{"paperId": "p1", "title": "From S2",
        "authors": [{"name": "Ada Lovelace"}], "venue": "ICML", "year": 2020, "citationCount": 7}]})");
    }
    if (req.url.find("/works?") != std::string::npos)
      return json_reply(200, R"({"meta": {"count": 1}, "results": [{"id": "https://openalex.org/W9", "title": "From OpenAlex",
        "publication_year": 2019, "authorships": [{"author": {"display_name": "Alan Turing"}}],
        "abstract_inverted_index": {"Hello": [0], "world": [1]}}]})");
    return json_reply(404, "{}");
  });
  ASSERT_TRUE(server.ok());
  std::string base = (*server)->base_url();
  std::vector<std::string> env = {"SCIENTIST_LITERATURE_LIBRARY_DB=lib.db", "SCIENTIST_LITERATURE_S2_MAX_WAIT_S=2"};
  auto s2 = run_scientist({"lit", "search", "grokking", "--engine", "s2", "--base-url", base}, dir, env, 60);
  ASSERT_EQ(s2.exit_code, 0) << s2.output;
  EXPECT_NE(s2.output.find("From S2"), std::string::npos) << s2.output;
  EXPECT_NE(s2.output.find("lovelace2020s2"), std::string::npos) << s2.output;
  auto oa = run_scientist({"lit", "search", "grokking", "--engine", "openalex", "--base-url", base, "--json"}, dir, env,
                          60);
  ASSERT_EQ(oa.exit_code, 0) << oa.output;
  EXPECT_NE(oa.output.find("\"abstract\": \"Hello world\""), std::string::npos) << oa.output;
  auto storm = run_scientist({"lit", "search", "storm", "--engine", "s2", "--base-url", base}, dir, env, 60);
  EXPECT_EQ(storm.exit_code, 1) << storm.output;
  EXPECT_NE(storm.output.find("429"), std::string::npos) << storm.output;
  EXPECT_NE(storm.output.find("S2_API_KEY"), std::string::npos) << storm.output;
}

TEST(CliIdeasTest, FailureMidBatchKeepsFinishedIdeasAndTheRerunResumes) {
  auto dir = fresh_temp_dir("cli_ideas");
  auto tmpl = make_template(dir);
  ScriptedChatServer llm({idea_reply("lr_warmup", "Warmup and grokking", "Sweep warmup."),
                          "no json at all", "still no json"});
  ASSERT_TRUE(llm.ok());
  std::vector<std::string> args = {"ideas", "--template", tmpl.string(), "--num-ideas", "3", "--reflections", "2",
                                   "--model", "vllm:test-model", "--base-url", llm.base_url()};
  std::vector<std::string> env = {"SCIENTIST_GENERAL_RESULTS_DIR=" + (dir / "results").string()};
  auto first = run_scientist(args, dir, env, 120);
  // Third attempt hits a 401: the batch stops with an auth error, finished ideas stay.
  EXPECT_EQ(first.exit_code, 1) << first.output;
  auto archive_path = dir / "results" / "tiny" / "ideas.json";
  auto archive = json::parse_file(archive_path.string());
  ASSERT_TRUE(archive.ok()) << first.output;
  ASSERT_EQ(archive->size(), 2u) << first.output;  // seed + lr_warmup
  EXPECT_EQ((*archive)[1]["Name"], "lr_warmup");

  llm.push(idea_reply("label_noise", "Label noise and grokking", "Flip labels."));
  llm.push(idea_reply("depth", "Network depth and grokking delay", "Vary depth."));
  auto second = run_scientist(args, dir, env, 120);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  archive = json::parse_file(archive_path.string());
  ASSERT_TRUE(archive.ok());
  ASSERT_EQ(archive->size(), 4u) << second.output;  // seed + 3 generated
  EXPECT_EQ((*archive)[1]["Name"], "lr_warmup");
  EXPECT_EQ((*archive)[3]["novelty_status"], "unchecked");

  // Novelty with the local engine: the template's bibliography is indexed; a model
  // that never finds anything and says "novel" ends in "unknown".
  for (int i = 0; i < 4; ++i) {
    llm.push("THOUGHT: search.\nRESPONSE:\n```json\n{\"Query\": \"quantum chromodynamics lattice\"}\n```");
    llm.push("THOUGHT: nothing found.\nRESPONSE:\n```json\n{\"Decision\": \"novel\", \"Reason\": \"nothing\"}\n```");
  }
  auto nov = run_scientist({"novelty", "--template", tmpl.string(), "--engine", "local", "--rounds", "3", "--model",
                            "vllm:test-model", "--base-url", llm.base_url()},
                           dir, {env[0], "SCIENTIST_LITERATURE_LIBRARY_DB=" + (dir / "lib.db").string()}, 120);
  ASSERT_EQ(nov.exit_code, 0) << nov.output;
  archive = json::parse_file(archive_path.string());
  ASSERT_TRUE(archive.ok());
  for (const auto& idea : *archive) EXPECT_EQ(idea["novelty_status"], "unknown") << nov.output;
  auto evidence = json::parse_file((dir / "results" / "tiny" / "novelty" / "lr_warmup.json").string());
  ASSERT_TRUE(evidence.ok()) << nov.output;
  EXPECT_EQ((*evidence)["status"], "unknown");
  EXPECT_EQ((*evidence)["rounds"][0]["query"], "quantum chromodynamics lattice");

  auto skip = run_scientist({"novelty", "--template", tmpl.string(), "--no-literature"}, dir, env, 60);
  EXPECT_EQ(skip.exit_code, 0) << skip.output;
  EXPECT_NE(skip.output.find("UNCHECKED"), std::string::npos) << skip.output;
}

}  // namespace
}  // namespace sci::testing
