// `scientist review-bench run` end to end: the built binary reviews a folder of papers
// through an OpenAI-compatible loopback server (one HTTP 429 on the way), scores the
// reviews against real decisions, keeps the API key out of every output, and on a second
// run resumes from its saved reviews without a single new call.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "base/fs.h"
#include "base/strings.h"
#include "http/loopback_server.h"
#include "review/bench.h"
#include "review/review.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

extern char** environ;

namespace sci::review {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kApiKey = "sk-test-secret-9f3c2a7d41e8b6";
constexpr const char* kStrongMarker = "STRONG-RESULT";

struct BenchPaper {
  std::string id;
  std::string decision;  // the real decision
  bool strong;           // carries the marker, so the fake reviewer accepts it
};

// 3 Accept, 3 Reject. The fake reviewer accepts exactly the marked papers: two real
// accepts (tp) and one real reject (fp); one accept is missed (fn), two rejects are right
// (tn). Accuracy 4/6. One id starts with '-', as OpenReview ids may.
const std::vector<BenchPaper> kPapers = {
    {"accAlpha1", "Accept", true},  {"-accBravo2", "Accept", true},  {"accCharlie3", "Accept", false},
    {"rejDelta4", "Reject", true},  {"rejEcho5", "Reject", false},   {"rejFoxtrot6", "Reject", false},
};
constexpr const char* kRetriedPaper = "accCharlie3";  // its first request gets HTTP 429

std::string paper_text(const BenchPaper& p) {
  std::string s = "Submission " + p.id + ": Sparse Gates for Small Recurrent Models\n\n";
  s += "Introduction. We study whether sparse gating reduces the validation loss of small recurrent models "
       "trained on character-level text. Section 2 describes the gating rule and Section 3 the setup.\n\n";
  s += "Method. Each gate keeps the top-k activations of its input and zeroes the rest; k is fixed per layer. "
       "We train with Adam for 5000 steps on three seeds.\n\n";
  if (p.strong)
    s += std::string("Results. ") + kStrongMarker +
         ": Table 1 shows a validation loss of 1.21 against 1.47 for the dense baseline, consistent over all seeds.\n\n";
  else
    s += "Results. Table 1 shows a validation loss of 1.46 against 1.47 for the dense baseline, within seed noise.\n\n";
  s += "Conclusion. We discuss limitations: one dataset, small models, and no wall-clock comparison.\n";
  return s;
}

std::string review_reply(int overall, const std::string& decision, const std::string& thought) {
  nlohmann::json r = {{"Summary", "The paper studies sparse gates in small recurrent models."},
                      {"Strengths", {"A clear question (Section 1)."}},
                      {"Weaknesses", {"Table 1 reports only three seeds.", "Section 3 uses one dataset."}},
                      {"Originality", 2}, {"Quality", 2}, {"Clarity", 3}, {"Significance", 2},
                      {"Questions", {"How was k chosen?"}}, {"Limitations", {"One dataset only."}},
                      {"Ethical Concerns", false}, {"Soundness", 2}, {"Presentation", 3}, {"Contribution", 2},
                      {"Overall", overall}, {"Confidence", 4}, {"Decision", decision}};
  return "THOUGHT:\n" + thought + "\n\nREVIEW JSON:\n```json\n" + r.dump(2) + "\n```\n";
}

// An OpenAI-compatible loopback server that reviews by looking for the marker in the paper.
class FakeReviewerServer {
 public:
  FakeReviewerServer() {
    auto started = http::LoopbackServer::start([this](const http::HttpRequest& req) { return handle(req); });
    EXPECT_TRUE(started.ok()) << started.error().to_string();
    if (started.ok()) server_ = std::move(started).value();
  }
  int port() const { return server_ ? server_->port() : 0; }
  int calls() const { return calls_; }
  int rate_limited() const { return rate_limited_; }
  int bad_requests() const { return bad_; }
  std::map<std::string, int> calls_per_paper() const {
    std::lock_guard l(mu_);
    return per_paper_;
  }
  std::set<std::string> models_seen() const {
    std::lock_guard l(mu_);
    return models_;
  }

 private:
  static http::HttpResponse json_response(int status, const nlohmann::json& body) {
    http::HttpResponse res;
    res.status = status;
    res.headers = {{"Content-Type", "application/json"}};
    res.body = body.dump();
    return res;
  }

  static http::HttpResponse openai_error(int status, const std::string& type, const std::string& message) {
    return json_response(status, {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", type}}}});
  }

  http::HttpResponse handle(const http::HttpRequest& req) {
    ++calls_;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    std::string auth;
    for (const auto& [k, v] : req.headers)
      if (str::to_lower(k) == "authorization") auth = v;
    if (req.method != "POST" || req.url != "/v1/chat/completions" || auth != std::string("Bearer ") + kApiKey ||
        body.is_discarded() || !body.contains("messages") || !body["messages"].is_array() ||
        body["messages"].empty()) {
      ++bad_;
      return openai_error(400, "invalid_request_error", "unexpected request " + req.method + " " + req.url);
    }
    // The paper sits in the first user message; later messages are the review and reflection prompts.
    std::string paper_id, first_user, last = body["messages"].back().value("content", "");
    for (const auto& m : body["messages"])
      if (m.value("role", "") == "user" && m["content"].is_string()) {
        first_user = m["content"].get<std::string>();
        break;
      }
    for (const auto& p : kPapers)
      if (first_user.find("Submission " + p.id + ":") != std::string::npos) paper_id = p.id;
    if (paper_id.empty()) {
      ++bad_;
      return openai_error(400, "invalid_request_error", "no known paper in the request");
    }
    {
      std::lock_guard l(mu_);
      models_.insert(body.value("model", ""));
      ++per_paper_[paper_id];
      if (paper_id == kRetriedPaper && !retried_once_) {
        retried_once_ = true;
        ++rate_limited_;
        auto res = openai_error(429, "rate_limit_exceeded", "Rate limit reached for requests. Please try again.");
        res.headers.push_back({"Retry-After", "0"});
        return res;
      }
    }
    bool strong = first_user.find(kStrongMarker) != std::string::npos;
    bool reflection = last.find("Reflection round") != std::string::npos;
    std::string content = review_reply(strong ? 8 : 3, strong ? "Accept" : "Reject",
                                       reflection ? "The review stands. I am done" : "A first read.");
    nlohmann::json out = {
        {"id", "chatcmpl-" + std::to_string(calls_.load())},
        {"object", "chat.completion"},
        {"created", 1767225600},
        {"model", body.value("model", "")},
        {"choices",
         {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}}},
        {"usage", {{"prompt_tokens", 1500}, {"completion_tokens", 300}, {"total_tokens", 1800}}}};
    return json_response(200, out);
  }

  std::atomic<int> calls_{0}, rate_limited_{0}, bad_{0};  // before server_: its threads use them
  mutable std::mutex mu_;
  bool retried_once_ = false;
  std::map<std::string, int> per_paper_;
  std::set<std::string> models_;
  std::unique_ptr<http::LoopbackServer> server_;
};

// The top-level JSON object printed on stdout (dumped with indent 2: "{" ... "}" lines),
// whatever log lines surround it on stderr.
nlohmann::json printed_json(const std::string& output) {
  std::istringstream in(output);
  std::string line, text;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "{") inside = true;
    if (inside) text += line + "\n";
    if (inside && line == "}") break;
  }
  return nlohmann::json::parse(text, nullptr, false);
}

// Files under `dir` whose content contains `needle`.
std::vector<std::string> files_containing(const stdfs::path& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : stdfs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      auto t = fs::read_file(e.path());
      if (t.ok() && t->find(needle) != std::string::npos) hits.push_back(e.path().string());
    }
  return hits;
}

TEST(ReviewBenchRunCli, ReviewsScoresAndResumesThroughTheBinaryOverHttp) {
  auto dir = testing::fresh_temp_dir("review_bench_run_cli");
  std::string tsv = "paper_id\tdecision\tratings\topenreview_decision\n";
  for (const auto& p : kPapers) {
    ASSERT_TRUE(fs::write_file_atomic(dir / "papers" / (p.id + ".txt"), paper_text(p)).ok());
    tsv += p.id + "\t" + p.decision + "\t" + (p.decision == "Accept" ? "8,6,6" : "3,5,3") + "\t" +
           (p.decision == "Accept" ? "Accept (Poster)" : "Reject") + "\n";
  }
  ASSERT_TRUE(fs::write_file_atomic(dir / "decisions.tsv", tsv).ok());
  // A scratch configuration: an empty scientist.toml in the working directory wins over any
  // user config, HOME/XDG point into the temp dir, and SCIENTIST_* variables are unset.
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml", "# scratch config for this test\n").ok());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("SCIENTIST_", 0) == 0) {
      env.push_back("-u");  // run_scientist runs `env -C DIR ENV... scientist`
      env.push_back(kv.substr(0, kv.find('=')));
    }
  }
  env.push_back("HOME=" + (dir / "home").string());
  env.push_back("XDG_CONFIG_HOME=" + (dir / "home" / ".config").string());
  env.push_back(std::string("OPENAI_API_KEY=") + kApiKey);

  FakeReviewerServer server;
  ASSERT_NE(server.port(), 0);
  const stdfs::path out = dir / "out";
  const std::vector<std::string> args = {
      "review-bench", "run", "--papers", (dir / "papers").string(), "--decisions", (dir / "decisions.tsv").string(),
      "--out", out.string(), "--model", "openai:gpt-4o-2024-05-13", "--base-url",
      "http://127.0.0.1:" + std::to_string(server.port()) + "/v1", "--ensemble", "1", "--reflections", "1",
      "--few-shot", "0", "--parallel", "2", "--bootstrap", "200", "--json"};

  // 1. First run: every paper reviewed (one review + one reflection each), one 429 retried.
  auto first = testing::run_scientist(args, dir, env, 60);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(server.bad_requests(), 0) << first.output;
  EXPECT_EQ(server.rate_limited(), 1);
  EXPECT_EQ(server.calls(), 6 * 2 + 1) << first.output;
  auto per_paper = server.calls_per_paper();
  ASSERT_EQ(per_paper.size(), kPapers.size());
  for (const auto& p : kPapers) EXPECT_EQ(per_paper[p.id], p.id == kRetriedPaper ? 3 : 2) << p.id;
  EXPECT_EQ(server.models_seen(), std::set<std::string>{"gpt-4o-2024-05-13"});
  EXPECT_NE(first.output.find("reviewed 6, reused 0, failed 0, no paper 0"), std::string::npos) << first.output;
  // The usage tokens were read off the wire: 12 answered calls x (1500 in at $5/M + 300 out at $15/M).
  EXPECT_NE(first.output.find("spent $0.1440"), std::string::npos) << first.output;

  auto j = printed_json(first.output);
  ASSERT_FALSE(j.is_discarded()) << first.output;
  EXPECT_EQ(j["n"], 6);
  EXPECT_EQ(j["n_accept"], 3);
  EXPECT_EQ(j["n_reject"], 3);
  EXPECT_EQ(j["missing_reviews"], 0);
  const auto& d = j["decision_field"];
  EXPECT_EQ(d["tp"], 2);
  EXPECT_EQ(d["fp"], 1);
  EXPECT_EQ(d["tn"], 2);
  EXPECT_EQ(d["fn"], 1);
  EXPECT_DOUBLE_EQ(d["accuracy"].get<double>(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(d["balanced_accuracy"].get<double>(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(d["f1"].get<double>(), 2.0 / 3.0);
  // Overall 8 vs 3 gives the same split at threshold 6.
  bool saw_t6 = false;
  for (const auto& t : j["overall_threshold"])
    if (t["t"].get<double>() == 6) {
      saw_t6 = true;
      EXPECT_DOUBLE_EQ(t["accuracy"].get<double>(), 4.0 / 6.0);
    }
  EXPECT_TRUE(saw_t6) << j.dump(2);
  // Accepts score {8, 8, 3}, rejects {8, 3, 3}: (4 wins + 4 ties / 2) / 9 pairs.
  EXPECT_NEAR(j["auc_overall"].get<double>(), 6.0 / 9.0, 1e-12);
  EXPECT_DOUBLE_EQ(j["mean_overall"].get<double>(), (8.0 * 3 + 3.0 * 3) / 6.0);
  EXPECT_EQ(j["bootstrap"], 200);
  ASSERT_TRUE(j.contains("ci") && j["ci"].is_object() && !j["ci"].empty()) << j.dump(2);
  for (const auto& [name, iv] : j["ci"].items()) EXPECT_LE(iv[0].get<double>(), iv[1].get<double>()) << name;

  // Saved reviews: one per paper, with the fake reviewer's verdict.
  for (const auto& p : kPapers) {
    auto text = fs::read_file(out / "reviews" / (p.id + ".json"));
    ASSERT_TRUE(text.ok()) << p.id;
    auto rep = parse_report_json(*text);
    ASSERT_TRUE(rep.ok()) << p.id << ": " << rep.error().to_string();
    EXPECT_EQ(rep->review.overall, p.strong ? 8 : 3) << p.id;
    EXPECT_EQ(rep->review.decision, p.strong ? Decision::kAccept : Decision::kReject) << p.id;
    EXPECT_EQ(rep->reflections_done, 1) << p.id;
  }
  auto reviews = read_reviews_tsv(out / "reviews.tsv");
  ASSERT_TRUE(reviews.ok()) << reviews.error().to_string();
  EXPECT_EQ(reviews->size(), kPapers.size());

  // The key went over the wire (the server checked the Bearer header) but nowhere else.
  EXPECT_EQ(first.output.find(kApiKey), std::string::npos) << first.output;
  EXPECT_EQ(files_containing(dir, kApiKey), std::vector<std::string>{});

  // 2. Same command again: everything is reused, no new call, the same metrics.
  auto second = testing::run_scientist(args, dir, env, 60);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(server.calls(), 6 * 2 + 1) << second.output;
  EXPECT_NE(second.output.find("reviewed 0, reused 6, failed 0, no paper 0"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("spent $0.0000"), std::string::npos) << second.output;
  auto j2 = printed_json(second.output);
  ASSERT_FALSE(j2.is_discarded()) << second.output;
  EXPECT_EQ(j2, j) << j2.dump(2);
  EXPECT_EQ(second.output.find(kApiKey), std::string::npos) << second.output;
  EXPECT_EQ(files_containing(dir, kApiKey), std::vector<std::string>{});
}

}  // namespace
}  // namespace sci::review
