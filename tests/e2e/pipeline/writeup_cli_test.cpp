// `scientist writeup IDEA_DIR` through the built binary: an idea directory with real
// runs (made by `run --stop-after notes` from the scripted cassette) becomes a compiled
// PDF whose citations come from a loopback server speaking the Semantic Scholar Graph
// API; results.tex macros carry the numbers and integrity.json has no unsupported one.
#include <atomic>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "http/loopback_server.h"
#include "support.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

// Two papers in the S2 /paper/search response shape.
http::HttpResponse s2_search(const http::HttpRequest& request, std::atomic<int>* searches) {
  http::HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/json");
  if (request.url.find("/paper/search") == std::string::npos) {
    r.status = 404;
    r.body = R"({"error": "not found"})";
    return r;
  }
  ++*searches;
  json papers = json::array(
      {{{"paperId", "b022f2a277a4bf5f42382e86e4380b96340b9e86"},
        {"title", "SGDR: Stochastic Gradient Descent with Warm Restarts"},
        {"authors", json::array({{{"name", "Ilya Loshchilov"}}, {{"name", "Frank Hutter"}}})},
        {"venue", "International Conference on Learning Representations"},
        {"year", 2017},
        {"abstract", "Cosine annealing of the learning rate with warm restarts."},
        {"citationCount", 7000},
        {"externalIds", {{"ArXiv", "1608.03983"}}}},
       {{"paperId", "0d57ba12a6d958e178d83be4c84513f7e42b24e5"},
        {"title", "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour"},
        {"authors", json::array({{{"name", "Priya Goyal"}}, {{"name", "Piotr Dollar"}}})},
        {"venue", "arXiv.org"},
        {"year", 2017},
        {"abstract", "Linear scaling of the learning rate with a gradual warmup."},
        {"citationCount", 3000},
        {"externalIds", {{"ArXiv", "1706.02677"}}}}});
  r.status = 200;
  r.body = json{{"total", 2}, {"offset", 0}, {"data", papers}}.dump();
  return r;
}

TEST(WriteupCliE2E, IdeaDirWithRunsBecomesACheckedPdfWithCitationsFromALoopbackS2Server) {
  auto dir = fresh_temp_dir("writeup_cli");
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  auto runs = run_scientist({"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas",
                             "2", "--replay", demo_cassette().string(), "--engine", "local", "--results",
                             batch.string(), "--stop-after", "notes"},
                            dir, {}, 600);
  ASSERT_EQ(runs.exit_code, 0) << runs.output;
  auto ideas = idea_dirs(batch);
  ASSERT_TRUE(ideas.count("lr_warmup_cosine"));
  stdfs::path idea = ideas["lr_warmup_cosine"];
  ASSERT_FALSE(stdfs::exists(idea / "lr_warmup_cosine.pdf")) << "stopped after notes: no paper yet";

  std::atomic<int> searches{0};
  auto server = http::LoopbackServer::start([&](const http::HttpRequest& r) { return s2_search(r, &searches); });
  ASSERT_TRUE(server.ok());
  std::vector<std::string> env = {"SCIENTIST_LITERATURE_S2_BASE_URL=" + (*server)->base_url() + "/graph/v1",
                                  "SCIENTIST_LITERATURE_LIBRARY_DB=" + (dir / "library.db").string()};
  auto r = run_scientist({"--config", demo_config().string(), "writeup", idea.string(), "--replay",
                          demo_cassette().string(), "--engine", "s2"},
                         dir, env, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GE(searches.load(), 1) << "citations were searched on the loopback S2 server";
  auto pdf = fs::read_file(idea / "lr_warmup_cosine.pdf");
  ASSERT_TRUE(pdf.ok()) << r.output;
  EXPECT_EQ(pdf->rfind("%PDF", 0), 0u);
  auto bib = fs::read_file(idea / "latex" / "references.bib");
  ASSERT_TRUE(bib.ok());
  EXPECT_NE(bib->find("loshchilov2017sgdr"), std::string::npos) << "the S2 record became a BibTeX entry";
  EXPECT_NE(bib->find("1608.03983"), std::string::npos);
  auto results = fs::read_file(idea / "latex" / "results.tex");
  ASSERT_TRUE(results.ok());
  EXPECT_NE(results->find("\\ResRunOne"), std::string::npos);
  json integrity = json::parse(fs::read_file(idea / "integrity.json").value_or("{}"), nullptr, false);
  ASSERT_TRUE(integrity.is_object());
  EXPECT_TRUE(integrity["unsupported"].empty()) << integrity.dump(2);
  EXPECT_NE(r.output.find("unsupported numbers: 0"), std::string::npos) << r.output;
}

TEST(WriteupCliE2E, NotAnIdeaDirectoryIsRefusedWithTheFix) {
  auto dir = fresh_temp_dir("writeup_cli_bad");
  auto r = run_scientist({"writeup", dir.string()}, dir, {}, 60);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not an idea directory"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sci::testing
