// HTTP engines over a fake transport and a fake clock: request formats, reply parsing,
// 429 storms within the wait cap, 5xx, malformed replies, zero hits, the cascade.
#include <gtest/gtest.h>

#include "literature/engines.h"
#include "literature/fetch.h"
#include "support/literature_fake_transport.h"

namespace sci::literature {
namespace {

using testing::LiteratureFakeTransport;

const char* kS2Reply = R"({"total": 2, "offset": 0, "data": [
 {"paperId": "abc123", "title": "Grokking: Generalization Beyond Overfitting", "authors": [{"authorId": "1", "name": "Alethea Power"}],
  "venue": "arXiv.org", "year": 2022, "abstract": "We study grokking.", "citationCount": 300,
  "externalIds": {"ArXiv": "2201.02177", "DOI": "10.48550/arXiv.2201.02177"}, "url": "https://www.semanticscholar.org/paper/abc123"},
 {"paperId": "def", "title": "Omnigrok", "authors": [], "venue": "", "year": null, "abstract": null, "citationCount": 5}
]})";

EngineOptions opts(http::HttpTransport& t, time::FakeClock& clock) {
  EngineOptions o;
  o.transport = &t;
  o.clock = &clock;
  o.s2_base_url = "http://s2.test/graph/v1/";
  o.openalex_base_url = "http://oa.test";
  return o;
}

TEST(S2EngineTest, SendsDocumentedRequestAndParsesRecords) {
  LiteratureFakeTransport t([](const http::HttpRequest&) { return LiteratureFakeTransport::reply(200, kS2Reply); });
  time::FakeClock clock;
  auto o = opts(t, clock);
  o.s2_api_key = "secret-key-123";
  auto r = make_s2_client(o)->search({"grokking & transformers", 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  const auto& p = (*r)[0];
  EXPECT_EQ(p.id, "abc123");
  EXPECT_EQ(p.authors, std::vector<std::string>{"Alethea Power"});
  EXPECT_EQ(p.year, 2022);
  EXPECT_EQ(p.citation_count, 300);
  EXPECT_EQ(p.arxiv_id, "2201.02177");
  EXPECT_EQ(p.bibtex_key, "power2022grokking");
  EXPECT_NE(p.bibtex.find("@article{power2022grokking,"), std::string::npos);
  EXPECT_EQ((*r)[1].year, 0);
  EXPECT_EQ((*r)[1].citation_count, 5);
  auto reqs = t.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url,
            "http://s2.test/graph/v1/paper/search?query=grokking%20%26%20transformers&limit=5&fields=title%2Cauthors%2C"
            "venue%2Cyear%2Cabstract%2CcitationCount%2CexternalIds%2Curl");
  bool has_key = false;
  for (const auto& [k, v] : reqs[0].headers) has_key |= (k == "x-api-key" && v == "secret-key-123");
  EXPECT_TRUE(has_key);
}

TEST(S2EngineTest, ZeroHitsIsAnEmptyResultNotAnError) {
  LiteratureFakeTransport t([](const http::HttpRequest&) {
    return LiteratureFakeTransport::reply(200, R"({"total": 0, "offset": 0})");
  });
  time::FakeClock clock;
  auto r = make_s2_client(opts(t, clock))->search({"nothing matches this", 10});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(S2EngineTest, RateLimitStormStopsAtTheWaitCapWithTheFix) {
  LiteratureFakeTransport t([](const http::HttpRequest&) {
    return LiteratureFakeTransport::reply(429, R"({"message": "Too Many Requests"})");
  });
  time::FakeClock clock;
  auto o = opts(t, clock);
  o.s2_max_wait_s = 20;
  o.max_attempts = 100;
  auto r = make_s2_client(o)->search({"grokking", 10});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kRateLimited);
  EXPECT_NE(r.error().message.find("S2_API_KEY"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("--engine openalex"), std::string::npos);
  EXPECT_LE(clock.total_slept(), std::chrono::milliseconds(20000));
  EXPECT_GE(t.requests().size(), 3u);
}

TEST(S2EngineTest, RetryAfterIsHonouredThenSucceeds) {
  int n = 0;
  LiteratureFakeTransport t([&](const http::HttpRequest&) {
    if (n++ < 2) return LiteratureFakeTransport::reply(429, "", {{"Retry-After", "3"}});
    return LiteratureFakeTransport::reply(200, kS2Reply);
  });
  time::FakeClock clock;
  auto r = make_s2_client(opts(t, clock))->search({"grokking", 10});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_GE(clock.total_slept(), std::chrono::milliseconds(6000));
}

TEST(S2EngineTest, ServerErrorsAndTransportFailuresBecomeUnavailable) {
  LiteratureFakeTransport t5([](const http::HttpRequest&) { return LiteratureFakeTransport::reply(503, "down"); });
  time::FakeClock clock;
  auto o = opts(t5, clock);
  o.max_attempts = 3;
  auto r = make_s2_client(o)->search({"x", 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(t5.requests().size(), 3u);

  LiteratureFakeTransport tt([](const http::HttpRequest&) -> Result<http::HttpResponse> {
    return make_error(ErrorCode::kTimeout, "operation timed out after 30000 ms");
  });
  o.transport = &tt;
  r = make_s2_client(o)->search({"x", 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
}

TEST(S2EngineTest, MalformedJsonIsAParseError) {
  LiteratureFakeTransport t([](const http::HttpRequest&) { return LiteratureFakeTransport::reply(200, "<html>oops"); });
  time::FakeClock clock;
  auto r = make_s2_client(opts(t, clock))->search({"x", 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("Semantic Scholar"), std::string::npos);
}

TEST(OpenAlexEngineTest, RebuildsInvertedIndexAbstractAndBuildsBibtex) {
  const char* reply = R"({"meta": {"count": 1}, "results": [{
    "id": "https://openalex.org/W2741809807", "doi": "https://doi.org/10.7717/peerj.4375",
    "title": "The state of OA", "display_name": "The state of OA", "publication_year": 2018, "cited_by_count": 900,
    "authorships": [{"author": {"display_name": "Heather Piwowar"}}, {"author": {"display_name": "Jason Priem"}}],
    "primary_location": {"source": {"display_name": "PeerJ"}},
    "abstract_inverted_index": {"Despite": [0], "growing": [1], "interest": [2], "in": [3, 5], "Open": [4], "Access": [6]}},
   {"id": "https://openalex.org/W2", "title": "No abstract here", "publication_year": 2020, "authorships": [],
    "abstract_inverted_index": null}]})";
  LiteratureFakeTransport t([&](const http::HttpRequest&) { return LiteratureFakeTransport::reply(200, reply); });
  time::FakeClock clock;
  auto o = opts(t, clock);
  o.contact_email = "me@example.org";
  auto r = make_openalex_client(o)->search({"open access", 2});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  const auto& p = (*r)[0];
  EXPECT_EQ(p.id, "W2741809807");
  EXPECT_EQ(p.doi, "10.7717/peerj.4375");
  EXPECT_EQ(p.abstract, "Despite growing interest in Open in Access");
  EXPECT_EQ(p.venue, "PeerJ");
  EXPECT_EQ(p.bibtex_key, "piwowar2018state");
  EXPECT_NE(p.bibtex.find("journal = {PeerJ}"), std::string::npos);
  EXPECT_TRUE((*r)[1].abstract.empty());
  EXPECT_EQ(t.requests()[0].url, "http://oa.test/works?search=open%20access&per-page=2&mailto=me%40example.org");
}

TEST(ArxivAndCrossrefTest, ParseTheirDocumentedFormats) {
  const char* atom = R"(<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>ArXiv Query</title>
<entry><id>http://arxiv.org/abs/2201.02177v1</id><published>2022-01-06T18:43:37Z</published>
<title>Grokking: Generalization Beyond
  Overfitting</title><summary>  In this paper we &amp; others study.</summary>
<author><name>Alethea Power</name></author><author><name>Yuri Burda</name></author>
<arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.1/x</arxiv:doi></entry></feed>)";
  LiteratureFakeTransport ta([&](const http::HttpRequest&) { return LiteratureFakeTransport::reply(200, atom); });
  time::FakeClock clock;
  auto o = opts(ta, clock);
  auto r = make_arxiv_client(o)->search({"grokking", 3});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].arxiv_id, "2201.02177");
  EXPECT_EQ((*r)[0].title, "Grokking: Generalization Beyond Overfitting");
  EXPECT_EQ((*r)[0].abstract, "In this paper we & others study.");
  EXPECT_EQ((*r)[0].authors.size(), 2u);
  EXPECT_EQ((*r)[0].year, 2022);

  const char* cr = R"({"status": "ok", "message": {"items": [{"DOI": "10.1/abc", "title": ["Deep <i>learning</i>"],
    "author": [{"given": "Yann", "family": "LeCun"}], "container-title": ["Nature"],
    "issued": {"date-parts": [[2015, 5, 27]]}, "is-referenced-by-count": 50000,
    "abstract": "<jats:p>Deep learning allows models.</jats:p>", "URL": "http://dx.doi.org/10.1/abc"}]}})";
  LiteratureFakeTransport tc([&](const http::HttpRequest&) { return LiteratureFakeTransport::reply(200, cr); });
  o.transport = &tc;
  r = make_crossref_client(o)->search({"deep learning", 3});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].title, "Deep learning");
  EXPECT_EQ((*r)[0].authors, std::vector<std::string>{"Yann LeCun"});
  EXPECT_EQ((*r)[0].year, 2015);
  EXPECT_EQ((*r)[0].abstract, "Deep learning allows models.");
  EXPECT_EQ((*r)[0].bibtex_key, "lecun2015deep");
}

TEST(CascadeTest, FallsThroughErrorsAndEmptyResults) {
  LiteratureFakeTransport t([](const http::HttpRequest& req) {
    if (req.url.find("s2.test") != std::string::npos) return LiteratureFakeTransport::reply(429, "");
    return LiteratureFakeTransport::reply(200, R"({"meta": {}, "results": [{"id": "W1", "title": "Found it",
      "publication_year": 2020, "authorships": []}]})");
  });
  time::FakeClock clock;
  auto o = opts(t, clock);
  o.engine = "s2,openalex";
  o.s2_max_wait_s = 5;
  auto client = make_client(o);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->engine_name(), "s2,openalex");
  auto r = (*client)->search({"q", 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].engine, "openalex");

  EXPECT_FALSE(make_client([&] { auto x = o; x.engine = "google"; return x; }()).ok());
}

TEST(TokenBucketTest, SpacesRequestsAtTheConfiguredRate) {
  time::FakeClock clock;
  TokenBucket bucket(2.0, 1.0, clock);
  EXPECT_EQ(bucket.acquire().count(), 0);
  EXPECT_EQ(bucket.acquire().count(), 500);
  EXPECT_EQ(bucket.acquire().count(), 500);
  clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(bucket.acquire().count(), 0);  // burst is capped at 1
  EXPECT_EQ(bucket.acquire().count(), 500);
}

TEST(PaperJsonTest, RoundTrips) {
  Paper p;
  p.id = "x";
  p.title = "T";
  p.authors = {"A B"};
  p.year = 2000;
  p.citation_count = 3;
  auto back = papers_from_json(papers_to_json({p}));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].authors, p.authors);
  EXPECT_EQ((*back)[0].citation_count, 3);
  EXPECT_FALSE(papers_from_json("{").ok());
}

}  // namespace
}  // namespace sci::literature
