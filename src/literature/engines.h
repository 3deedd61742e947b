// Building LiteratureClients: the HTTP engines (Semantic Scholar, OpenAlex, arXiv,
// Crossref), the local FTS5 library, a cascade over several engines and a cache in
// the store. Also the text form of records (JSON) used by caches, --json and evidence.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/time.h"
#include "http/transport.h"
#include "literature/client.h"

namespace sci::store {
class Database;
}

namespace sci::literature {

enum class CacheMode { kUse, kBypass };

struct EngineOptions {
  // "s2", "openalex", "arxiv", "crossref", "local", or a cascade "s2,openalex".
  std::string engine = "s2,openalex";
  std::string s2_base_url = "https://api.semanticscholar.org/graph/v1";
  std::string openalex_base_url = "https://api.openalex.org";
  std::string arxiv_base_url = "https://export.arxiv.org/api";
  std::string crossref_base_url = "https://api.crossref.org";
  std::string s2_api_key;      // optional; sent as x-api-key (never logged)
  std::string contact_email;   // OpenAlex/Crossref polite pool (OPENALEX_MAIL_ADDRESS)
  int s2_max_wait_s = 120;     // total rate-limit wait per S2 query
  int max_wait_s = 120;        // the same cap for the other HTTP engines
  int max_attempts = 6;
  int request_timeout_s = 30;
  std::chrono::milliseconds initial_backoff{1000};
  // Requests per second (token bucket). S2: 1/s with a key, shared pool without.
  double s2_rate_per_s_with_key = 1.0;
  double s2_rate_per_s_without_key = 0.5;
  double other_rate_per_s = 5.0;
  http::HttpTransport* transport = nullptr;  // required for HTTP engines; not owned
  time::Clock* clock = nullptr;              // null = system clock
  store::Database* db = nullptr;             // cache + local library; not owned; null = none
  CacheMode cache = CacheMode::kUse;
};

// The client for `options.engine`. Errors: kInvalidArgument (unknown engine name,
// HTTP engine without a transport, local engine without a database).
Result<std::unique_ptr<LiteratureClient>> make_client(const EngineOptions& options);

// Single engines, for tests and callers that want exactly one.
std::unique_ptr<LiteratureClient> make_s2_client(const EngineOptions& options);
std::unique_ptr<LiteratureClient> make_openalex_client(const EngineOptions& options);
std::unique_ptr<LiteratureClient> make_arxiv_client(const EngineOptions& options);
std::unique_ptr<LiteratureClient> make_crossref_client(const EngineOptions& options);
// Tries each engine in order; an error or zero hits moves on to the next. Returns the
// first non-empty result, an empty result if every engine answered empty, or (all
// failed) the first engine's error with the others' reasons appended. kCancelled stops.
std::unique_ptr<LiteratureClient> make_cascade(std::vector<std::unique_ptr<LiteratureClient>> engines);
// Caches successful results of `inner` in the store keyed by engine + query + limit.
std::unique_ptr<LiteratureClient> make_cached(std::unique_ptr<LiteratureClient> inner, store::Database& db);

// Records as JSON text (an array of objects with the Paper fields).
std::string papers_to_json(const std::vector<Paper>& papers, int indent = -1);
Result<std::vector<Paper>> papers_from_json(std::string_view text);

// Percent-encodes for a URL query component (RFC 3986 unreserved kept).
std::string url_encode(std::string_view s);

}  // namespace sci::literature
