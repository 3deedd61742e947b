// make_client, the cascade and the store-backed cache; see engines.h.
#include "literature/engines.h"

#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "literature/local_library.h"
#include "store/database.h"
#include "store/literature_store.h"

namespace sci::literature {
namespace {

class Cascade final : public LiteratureClient {
 public:
  explicit Cascade(std::vector<std::unique_ptr<LiteratureClient>> engines) : engines_(std::move(engines)) {
    std::vector<std::string> names;
    for (const auto& e : engines_) names.push_back(e->engine_name());
    name_ = str::join(names, ",");
  }
  std::string engine_name() const override { return name_; }
  Result<std::vector<Paper>> search(const SearchQuery& query) override {
    std::optional<Error> first_error;
    std::vector<std::string> reasons;
    bool any_ok = false;
    for (auto& e : engines_) {
      auto r = e->search(query);
      if (r.ok()) {
        if (!r->empty()) return r;
        any_ok = true;
        log::info("literature: {} found nothing for '{}', trying the next engine", e->engine_name(), query.text);
        continue;
      }
      if (r.error().code == ErrorCode::kCancelled) return r.error();
      log::warn("literature: {} failed ({}), trying the next engine", e->engine_name(), r.error().message);
      if (!first_error) first_error = r.error();
      reasons.push_back(e->engine_name() + ": " + r.error().message);
    }
    if (any_ok || !first_error) return std::vector<Paper>{};
    Error e = *first_error;
    if (reasons.size() > 1) e.message = "every engine failed: " + str::join(reasons, "; ");
    return e;
  }

 private:
  std::vector<std::unique_ptr<LiteratureClient>> engines_;
  std::string name_;
};

class Cached final : public LiteratureClient {
 public:
  Cached(std::unique_ptr<LiteratureClient> inner, store::Database& db) : inner_(std::move(inner)), cache_(db) {}
  std::string engine_name() const override { return inner_->engine_name(); }
  Result<std::vector<Paper>> search(const SearchQuery& query) override {
    std::string key = fmt::format("{}|{}", query.limit, str::to_lower(str::trim(query.text)));
    auto hit = cache_.get(inner_->engine_name(), key);
    if (hit.ok() && hit->has_value()) {
      auto papers = papers_from_json(**hit);
      if (papers.ok()) {
        log::debug("literature: cache hit {} '{}'", inner_->engine_name(), query.text);
        return papers;
      }
      log::warn("literature: ignoring a corrupt cache entry: {}", papers.error().message);
    } else if (!hit.ok()) {
      log::warn("literature: cache unreadable ({}); searching without it", hit.error().message);
    }
    SCI_ASSIGN_OR_RETURN(auto papers, inner_->search(query));
    if (auto st = cache_.put(inner_->engine_name(), key, papers_to_json(papers)); !st.ok())
      log::warn("literature: could not cache results: {}", st.error().message);
    return papers;
  }

 private:
  std::unique_ptr<LiteratureClient> inner_;
  store::LiteratureCache cache_;
};

}  // namespace

std::unique_ptr<LiteratureClient> make_cascade(std::vector<std::unique_ptr<LiteratureClient>> engines) {
  return std::make_unique<Cascade>(std::move(engines));
}

std::unique_ptr<LiteratureClient> make_cached(std::unique_ptr<LiteratureClient> inner, store::Database& db) {
  return std::make_unique<Cached>(std::move(inner), db);
}

Result<std::unique_ptr<LiteratureClient>> make_client(const EngineOptions& options) {
  std::vector<std::unique_ptr<LiteratureClient>> engines;
  for (const auto& raw : str::split(options.engine, ',')) {
    std::string name = str::to_lower(str::trim(raw));
    if (name.empty()) continue;
    std::unique_ptr<LiteratureClient> e;
    if (name == "local") {
      if (!options.db)
        return make_error(ErrorCode::kInvalidArgument, "the local literature engine needs a library database");
      engines.push_back(make_local_client(*options.db));
      continue;  // already local: no cache
    }
    if (name == "s2" || name == "semanticscholar") e = make_s2_client(options);
    else if (name == "openalex") e = make_openalex_client(options);
    else if (name == "arxiv") e = make_arxiv_client(options);
    else if (name == "crossref") e = make_crossref_client(options);
    else
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("unknown literature engine '{}': use s2, openalex, arxiv, crossref or local "
                                    "(or a cascade such as s2,openalex)",
                                    name));
    if (!options.transport)
      return make_error(ErrorCode::kInvalidArgument, fmt::format("engine '{}' needs an HTTP transport", name));
    if (options.db && options.cache == CacheMode::kUse) e = make_cached(std::move(e), *options.db);
    engines.push_back(std::move(e));
  }
  if (engines.empty()) return make_error(ErrorCode::kInvalidArgument, "no literature engine given");
  if (engines.size() == 1) return std::move(engines.front());
  return make_cascade(std::move(engines));
}

}  // namespace sci::literature
