// Real curl transport against loopback servers that speak the Semantic Scholar and
// OpenAlex wire formats, including 429 storms (the wait cap holds), Retry-After,
// 5xx, malformed JSON; plus the store cache and the local FTS5 library.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "base/fs.h"
#include "http/loopback_server.h"
#include "literature/engines.h"
#include "literature/local_library.h"
#include "store/database.h"
#include "store/literature_store.h"
#include "support/test_paths.h"

namespace sci::literature {
namespace {

const char* kS2Body = R"({"total": 1, "offset": 0, "data": [{"paperId": "649def34", "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
 "authors": [{"authorId": "1", "name": "Alethea Power"}, {"authorId": "2", "name": "Yuri Burda"}], "venue": "arXiv.org", "year": 2022,
 "abstract": "In this paper we propose to study generalization.", "citationCount": 321, "externalIds": {"ArXiv": "2201.02177"}}]})";

http::HttpResponse respond(int status, std::string body, http::Headers headers = {}) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  headers.emplace_back("Content-Type", "application/json");
  r.headers = std::move(headers);
  return r;
}

struct Server {
  std::atomic<int> hits{0};
  std::unique_ptr<http::LoopbackServer> server;
  std::string last_url;
  std::string last_key;
};

EngineOptions options_for(http::HttpTransport& t, const std::string& base) {
  EngineOptions o;
  o.transport = &t;
  o.s2_base_url = base + "/graph/v1";
  o.openalex_base_url = base;
  o.initial_backoff = std::chrono::milliseconds(50);
  o.request_timeout_s = 10;
  o.s2_rate_per_s_without_key = 50;
  o.s2_rate_per_s_with_key = 50;
  o.other_rate_per_s = 50;
  return o;
}

TEST(LoopbackS2Test, DocumentedSearchWithKeyHeaderAndCache) {
  Server s;
  auto started = http::LoopbackServer::start([&](const http::HttpRequest& req) {
    ++s.hits;
    s.last_url = req.url;
    for (const auto& [k, v] : req.headers)
      if (k == "x-api-key" || k == "X-Api-Key") s.last_key = v;
    if (req.url.rfind("/graph/v1/paper/search?", 0) != 0) return respond(404, R"({"error": "not found"})");
    return respond(200, kS2Body);
  });
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  s.server = std::move(started).value();
  auto transport = http::make_curl_transport();
  auto db = store::Database::open(":memory:", {5000, {store::literature_migrations()}});
  ASSERT_TRUE(db.ok());
  auto o = options_for(*transport, s.server->base_url());
  o.engine = "s2";
  o.s2_api_key = "test-key-abcdef";
  o.db = db->get();
  auto client = make_client(o);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->search({"grokking small datasets", 3});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].bibtex_key, "power2022grokking");
  EXPECT_EQ((*r)[0].citation_count, 321);
  // The server sees decoded parameters (sorted by name).
  EXPECT_NE(s.last_url.find("query=grokking small datasets"), std::string::npos) << s.last_url;
  EXPECT_NE(s.last_url.find("limit=3"), std::string::npos) << s.last_url;
  EXPECT_NE(s.last_url.find("fields=title,authors,venue,year,abstract,citationCount,externalIds,url"), std::string::npos)
      << s.last_url;
  EXPECT_EQ(s.last_key, "test-key-abcdef");
  // Second search is served from the store: the server is not hit again.
  auto again = (*client)->search({"Grokking small datasets ", 3});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 1u);
  EXPECT_EQ(s.hits.load(), 1);
}

TEST(LoopbackS2Test, RateLimitStormEndsWithinTheCapWithAClearMessage) {
  Server s;
  auto started = http::LoopbackServer::start([&](const http::HttpRequest&) {
    ++s.hits;
    return respond(429, R"({"message": "Too Many Requests. Please wait and try again or apply for a key"})",
                   {{"Retry-After", "1"}});
  });
  ASSERT_TRUE(started.ok());
  s.server = std::move(started).value();
  auto transport = http::make_curl_transport();
  auto o = options_for(*transport, s.server->base_url());
  o.s2_max_wait_s = 3;
  o.max_attempts = 50;
  auto t0 = std::chrono::steady_clock::now();
  auto r = make_s2_client(o)->search({"grokking", 5});
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
  EXPECT_NE(r.error().message.find("S2_API_KEY"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("wait cap of 3 s"), std::string::npos) << r.error().message;
  EXPECT_LT(elapsed_s, 10.0);  // bounded: the cap (3 s) plus request time, never an hour
  EXPECT_GE(s.hits.load(), 3);
}

TEST(LoopbackS2Test, ServerErrorThenSuccessAndMalformedJson) {
  Server s;
  auto started = http::LoopbackServer::start([&](const http::HttpRequest& req) {
    int n = ++s.hits;
    if (req.url.find("broken") != std::string::npos) return respond(200, "{\"data\": [ {\"title\": ");
    if (n == 1) return respond(502, "<html>Bad Gateway</html>");
    return respond(200, kS2Body);
  });
  ASSERT_TRUE(started.ok());
  s.server = std::move(started).value();
  auto transport = http::make_curl_transport();
  auto o = options_for(*transport, s.server->base_url());
  auto client = make_s2_client(o);
  auto r = client->search({"grokking", 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->size(), 1u);
  EXPECT_EQ(s.hits.load(), 2);
  auto bad = client->search({"broken", 5});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);
}

TEST(LoopbackOpenAlexTest, WorksSearchWithPolitePoolAndInvertedAbstract) {
  Server s;
  auto started = http::LoopbackServer::start([&](const http::HttpRequest& req) {
    ++s.hits;
    s.last_url = req.url;
    if (s.hits == 1) return respond(429, R"({"error": "rate limited"})", {{"Retry-After", "0"}});
    return respond(200, R"({"meta": {"count": 1, "db_response_time_ms": 10, "page": 1, "per_page": 5},
      "results": [{"id": "https://openalex.org/W4221143046", "doi": "https://doi.org/10.48550/arxiv.2201.02177",
      "title": "Grokking: Generalization Beyond Overfitting", "publication_year": 2022, "cited_by_count": 150,
      "authorships": [{"author_position": "first", "author": {"id": "https://openalex.org/A1", "display_name": "Alethea Power"}}],
      "primary_location": {"source": null},
      "abstract_inverted_index": {"we": [1], "In": [0], "grokking": [3], "study": [2]}}], "group_by": []})");
  });
  ASSERT_TRUE(started.ok());
  s.server = std::move(started).value();
  auto transport = http::make_curl_transport();
  auto o = options_for(*transport, s.server->base_url());
  o.contact_email = "team@example.org";
  auto r = make_openalex_client(o)->search({"grokking", 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].abstract, "In we study grokking");
  EXPECT_EQ((*r)[0].arxiv_id, "2201.02177");
  EXPECT_NE((*r)[0].bibtex.find("eprint = {2201.02177}"), std::string::npos) << (*r)[0].bibtex;
  EXPECT_EQ(s.last_url.rfind("/works?", 0), 0u) << s.last_url;
  for (const char* part : {"search=grokking", "per-page=5", "mailto=team@example.org"})
    EXPECT_NE(s.last_url.find(part), std::string::npos) << s.last_url;
  EXPECT_EQ(s.hits.load(), 2);
}

TEST(LoopbackCascadeTest, UnreachableEngineFallsThroughToTheNext) {
  Server s;
  auto started = http::LoopbackServer::start([&](const http::HttpRequest&) {
    return respond(200, R"({"meta": {}, "results": [{"id": "W1", "title": "Fallback hit", "publication_year": 2020}]})");
  });
  ASSERT_TRUE(started.ok());
  s.server = std::move(started).value();
  auto transport = http::make_curl_transport();
  auto o = options_for(*transport, s.server->base_url());
  o.s2_base_url = "http://127.0.0.1:9";  // discard port: connection refused
  o.max_attempts = 2;
  o.engine = "s2,openalex";
  auto client = make_client(o);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->search({"q", 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].title, "Fallback hit");
}

TEST(LocalLibraryTest, IndexesBibtexAndJsonlAndRanksByBm25) {
  auto dir = testing::fresh_temp_dir("lit_local");
  ASSERT_TRUE(fs::write_file_atomic(dir / "refs.bib", R"(@string{iclr = "ICLR"}
@article{power2022grokking, title = {Grokking: Generalization Beyond Overfitting},
  author = {Power, Alethea and Burda, Yuri}, journal = iclr, year = 2022,
  abstract = {Neural networks generalize long after overfitting small algorithmic datasets.}}
@inproceedings{ho2020denoising, title = "Denoising Diffusion Probabilistic Models", author = "Ho, Jonathan",
  booktitle = {NeurIPS}, year = {2020}}
)").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "more.jsonl",
                                    "{\"title\": \"Omnigrok: Grokking Beyond Algorithmic Data\", \"authors\": [\"Ziming Liu\"], "
                                    "\"year\": 2023, \"venue\": \"ICLR\"}\n\n"
                                    "{\"title\": \"Progress measures for grokking\", \"authors\": \"Nanda, Neel and Chan, Lawrence\", "
                                    "\"year\": \"2023\"}\n")
                  .ok());
  auto db = store::Database::open(dir / "library.db");
  ASSERT_TRUE(db.ok());
  auto n = index_library_file(**db, dir / "refs.bib");
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_EQ(*n, 2);
  ASSERT_EQ(*index_library_file(**db, dir / "more.jsonl"), 2);
  ASSERT_EQ(*index_library_file(**db, dir / "refs.bib"), 2);  // re-indexing does not duplicate
  auto client = make_local_client(**db);
  auto r = client->search({"grokking", 10});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 3u);
  for (const auto& p : *r) EXPECT_NE(p.title.find("rokking"), std::string::npos);
  auto diffusion = client->search({"diffusion models", 10});
  ASSERT_TRUE(diffusion.ok());
  ASSERT_EQ(diffusion->size(), 1u);
  EXPECT_EQ((*diffusion)[0].bibtex_key, "ho2020denoising");
  EXPECT_NE((*diffusion)[0].bibtex.find("@inproceedings{ho2020denoising,"), std::string::npos);
  auto nanda = client->search({"progress measures", 1});
  ASSERT_EQ(nanda->size(), 1u);
  EXPECT_EQ((*nanda)[0].authors, (std::vector<std::string>{"Neel Nanda", "Lawrence Chan"}));
  EXPECT_EQ((*nanda)[0].bibtex_key, "nanda2023progress");
  EXPECT_TRUE(client->search({"quantum chromodynamics", 5})->empty());
}

TEST(LocalLibraryTest, CorruptFilesAreReportedWithTheLine) {
  auto dir = testing::fresh_temp_dir("lit_corrupt");
  ASSERT_TRUE(fs::write_file_atomic(dir / "bad.jsonl", "{\"title\": \"ok\"}\n{\"title\": \"broken\"\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "notitle.jsonl", "{\"title\": \"ok\"}\n\n{\"year\": 2020}\n").ok());
  ASSERT_TRUE(fs::write_file_atomic(dir / "bad.bib", "@article{a, title={x}}\n\n@article{b,\n  title = {open\n").ok());
  auto e1 = load_library_file(dir / "bad.jsonl");
  ASSERT_FALSE(e1.ok());
  EXPECT_NE(e1.error().message.find("bad.jsonl:2"), std::string::npos) << e1.error().message;
  auto e2 = load_library_file(dir / "notitle.jsonl");
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message.find("notitle.jsonl:3"), std::string::npos) << e2.error().message;
  auto e3 = load_library_file(dir / "bad.bib");
  ASSERT_FALSE(e3.ok());
  EXPECT_EQ(e3.error().code, ErrorCode::kParse);
  EXPECT_NE(e3.error().message.find("bad.bib:4"), std::string::npos) << e3.error().message;
  auto missing = load_library_file(dir / "nope.bib");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sci::literature
