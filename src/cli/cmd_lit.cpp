// `scientist lit search "QUERY" [--engine E] [--limit N] [--json] [--base-url URL]`
// and `scientist lit index FILE`: the literature engines and the local FTS5 library.
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "cli/literature_setup.h"
#include "literature/engines.h"
#include "literature/local_library.h"
#include "store/database.h"
#include "store/literature_store.h"

namespace sci::cli {

int cmd_lit_search(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Search the literature with one engine or a cascade", "lit search");
  std::string query, base_url;
  int limit = 10;
  bool json = false, no_cache = false;
  app.add_option("query", query, "search text")->required();
  bind_config_flag(app, ctx, "--engine", "literature.engine", "s2, openalex, arxiv, crossref, local or a cascade a,b");
  app.add_option("--limit", limit, "results to show (1-100)");
  app.add_option("--base-url", base_url, "send requests to this base URL instead (every engine named)");
  app.add_flag("--json", json, "print the records as JSON");
  app.add_flag("--no-cache", no_cache, "ignore and do not fill the search cache");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  if (limit < 1 || limit > 100) return report_error(make_error(ErrorCode::kInvalidArgument, "--limit must be 1-100"));

  auto db = store::Database::open(library_db_path(ctx), {5000, {store::literature_migrations()}});
  if (!db.ok()) return report_error(db.error());
  auto transport = http::make_curl_transport();
  literature::EngineOptions options = engine_options_from_config(ctx);
  if (!base_url.empty()) {
    options.s2_base_url = options.openalex_base_url = options.arxiv_base_url = options.crossref_base_url = base_url;
  }
  options.transport = transport.get();
  options.db = db->get();
  options.cache = no_cache ? literature::CacheMode::kBypass : literature::CacheMode::kUse;
  auto client = literature::make_client(options);
  if (!client.ok()) return report_error(client.error());
  auto papers = (*client)->search({query, limit});
  if (!papers.ok()) return report_error(papers.error());
  if (json) {
    std::printf("%s\n", literature::papers_to_json(*papers, 2).c_str());
    return kExitOk;
  }
  if (papers->empty()) {
    std::printf("no papers found for \"%s\" (engine %s)\n", query.c_str(), (*client)->engine_name().c_str());
    return kExitOk;
  }
  for (size_t i = 0; i < papers->size(); ++i) {
    const auto& p = (*papers)[i];
    std::string authors = str::join(p.authors, ", ");
    if (p.authors.size() > 4)
      authors = str::join(std::vector<std::string>(p.authors.begin(), p.authors.begin() + 4), ", ") + " et al.";
    std::printf("%2zu. %s\n    %s | %s %s | cited %s | %s\n", i + 1, p.title.c_str(), authors.c_str(),
                p.venue.c_str(), p.year > 0 ? std::to_string(p.year).c_str() : "",
                p.citation_count >= 0 ? std::to_string(p.citation_count).c_str() : "?", p.bibtex_key.c_str());
  }
  return kExitOk;
}

int cmd_lit_index(Context& ctx, std::vector<std::string> args) {
  CLI::App app("Index a BibTeX or JSONL file of papers into the local library (FTS5)", "lit index");
  std::vector<std::string> files;
  app.add_option("files", files, "BibTeX (.bib) or JSONL (.jsonl) files")->required();
  bind_config_flag(app, ctx, "--library", "literature.library_db", "library database to fill");
  if (int rc = parse_args(app, std::move(args)); rc >= 0) return rc;
  auto db = store::Database::open(library_db_path(ctx), {5000, {store::literature_migrations()}});
  if (!db.ok()) return report_error(db.error());
  for (const auto& f : files) {
    auto n = literature::index_library_file(**db, f);
    if (!n.ok()) return report_error(n.error());
    std::printf("indexed %d papers from %s\n", *n, f.c_str());
  }
  auto total = store::PaperIndex(**db).count();
  std::printf("library %s now holds %lld papers\n", library_db_path(ctx).c_str(),
              static_cast<long long>(total.ok() ? *total : 0));
  return kExitOk;
}

}  // namespace sci::cli
