// The HTTP engines: Semantic Scholar Graph API, OpenAlex works, arXiv Atom, Crossref
// works. Each builds its documented request, parses the documented reply into Papers
// and gives every record a BibTeX entry built from its metadata.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "base/json.h"
#include "base/log.h"
#include "base/strings.h"
#include "literature/bibtex.h"
#include "literature/engines.h"
#include "literature/fetch.h"

namespace sci::literature {
namespace {

using json::Json;

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

time::Clock& clock_of(const EngineOptions& o) { return o.clock ? *o.clock : time::system_clock(); }

void finish(Paper& p) {
  if (p.bibtex_key.empty()) p.bibtex_key = make_bibtex_key(p);
  if (p.bibtex.empty()) p.bibtex = format_bibtex(p);
}

std::string str_or(const Json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int int_or(const Json& o, const char* key, int fallback) {
  auto it = o.find(key);
  return it != o.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// The retry policy every engine uses; only the name, the wait cap and the fix differ.
FetchPolicy fetch_policy(const char* engine, const EngineOptions& o, int max_wait_s, std::string rate_limit_fix) {
  return FetchPolicy{engine, o.max_attempts, o.initial_backoff, std::chrono::milliseconds(30000),
                     std::chrono::milliseconds(static_cast<long long>(max_wait_s) * 1000), std::move(rate_limit_fix)};
}

// Shared shape of the four engines: build a request, fetch with limits, parse.
class HttpEngine : public LiteratureClient {
 public:
  HttpEngine(const EngineOptions& o, FetchPolicy policy, double rate_per_s)
      : options_(o), policy_(std::move(policy)), bucket_(rate_per_s, 1.0, clock_of(o)) {}

  Result<std::vector<Paper>> search(const SearchQuery& query) override {
    if (!options_.transport)
      return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: no HTTP transport configured", policy_.engine));
    if (str::trim(query.text).empty()) return std::vector<Paper>{};
    http::HttpRequest req;
    req.url = build_url(query);
    req.timeout = std::chrono::milliseconds(options_.request_timeout_s * 1000);
    req.headers = headers();
    SCI_ASSIGN_OR_RETURN(auto resp, fetch(*options_.transport, req, policy_, clock_of(options_), &bucket_));
    auto parsed = parse(resp.body);
    if (!parsed.ok())
      return make_error(ErrorCode::kParse,
                        fmt::format("{} returned a malformed reply: {}", policy_.engine, parsed.error().message));
    auto papers = std::move(parsed).value();
    for (auto& p : papers) finish(p);
    if (static_cast<int>(papers.size()) > query.limit) papers.resize(static_cast<size_t>(std::max(0, query.limit)));
    return papers;
  }

 protected:
  virtual std::string build_url(const SearchQuery& q) const = 0;
  virtual http::Headers headers() const { return {{"Accept", "application/json"}}; }
  virtual Result<std::vector<Paper>> parse(const std::string& body) const = 0;

  EngineOptions options_;
  FetchPolicy policy_;
  TokenBucket bucket_;
};

// Semantic Scholar Graph API: GET /paper/search?query=&limit=&fields=
// reply {"total": n, "offset": 0, "data": [{paperId, title, authors:[{name}], ...}]}.
class S2Engine final : public HttpEngine {
 public:
  explicit S2Engine(const EngineOptions& o)
      : HttpEngine(o,
                   fetch_policy("Semantic Scholar", o, o.s2_max_wait_s,
                                o.s2_api_key.empty()
                                    ? "set S2_API_KEY (free key from semanticscholar.org) or use another engine "
                                      "(--engine openalex, --engine local)"
                                    : "the key's rate limit was exceeded; slow down or use another engine "
                                      "(--engine openalex, --engine local)"),
                   o.s2_api_key.empty() ? o.s2_rate_per_s_without_key : o.s2_rate_per_s_with_key) {}
  std::string engine_name() const override { return "s2"; }

 protected:
  std::string build_url(const SearchQuery& q) const override {
    return fmt::format("{}/paper/search?query={}&limit={}&fields={}", trim_slash(options_.s2_base_url),
                       url_encode(q.text), std::clamp(q.limit, 1, 100),
                       url_encode("title,authors,venue,year,abstract,citationCount,externalIds,url"));
  }
  http::Headers headers() const override {
    http::Headers h = {{"Accept", "application/json"}};
    if (!options_.s2_api_key.empty()) h.emplace_back("x-api-key", options_.s2_api_key);
    return h;
  }
  Result<std::vector<Paper>> parse(const std::string& body) const override {
    SCI_ASSIGN_OR_RETURN(auto j, json::parse(body, "Semantic Scholar reply"));
    if (!j.is_object()) return make_error(ErrorCode::kParse, "reply is not a JSON object");
    std::vector<Paper> out;
    auto data = j.find("data");
    if (data == j.end() || data->is_null()) {
      if (!j.contains("total")) return make_error(ErrorCode::kParse, "reply has neither 'data' nor 'total'");
      return out;  // zero hits: S2 omits "data"
    }
    if (!data->is_array()) return make_error(ErrorCode::kParse, "'data' is not an array");
    for (const auto& d : *data) {
      if (!d.is_object()) continue;
      Paper p;
      p.engine = "s2";
      p.id = str_or(d, "paperId");
      p.title = str_or(d, "title");
      if (p.title.empty()) continue;
      if (auto a = d.find("authors"); a != d.end() && a->is_array())
        for (const auto& au : *a)
          if (au.is_object() && !str_or(au, "name").empty()) p.authors.push_back(str_or(au, "name"));
      p.venue = str_or(d, "venue");
      p.year = int_or(d, "year", 0);
      p.abstract = str_or(d, "abstract");
      p.citation_count = int_or(d, "citationCount", -1);
      p.url = str_or(d, "url");
      if (auto e = d.find("externalIds"); e != d.end() && e->is_object()) {
        p.doi = str_or(*e, "DOI");
        p.arxiv_id = str_or(*e, "ArXiv");
      }
      out.push_back(std::move(p));
    }
    return out;
  }
};

// OpenAlex: GET /works?search=&per-page=&mailto= ; reply {"meta": {...}, "results": [...]},
// abstracts as an inverted index {word: [positions]} that we rebuild.
class OpenAlexEngine final : public HttpEngine {
 public:
  explicit OpenAlexEngine(const EngineOptions& o)
      : HttpEngine(o,
                   fetch_policy("OpenAlex", o, o.max_wait_s,
                                "set OPENALEX_MAIL_ADDRESS for the polite pool or use another engine (--engine local)"),
                   o.other_rate_per_s) {}
  std::string engine_name() const override { return "openalex"; }

 protected:
  std::string build_url(const SearchQuery& q) const override {
    std::string url = fmt::format("{}/works?search={}&per-page={}", trim_slash(options_.openalex_base_url),
                                  url_encode(q.text), std::clamp(q.limit, 1, 200));
    if (!options_.contact_email.empty()) url += "&mailto=" + url_encode(options_.contact_email);
    return url;
  }
  Result<std::vector<Paper>> parse(const std::string& body) const override {
    SCI_ASSIGN_OR_RETURN(auto j, json::parse(body, "OpenAlex reply"));
    if (!j.is_object() || !j.contains("results") || !j["results"].is_array())
      return make_error(ErrorCode::kParse, "reply has no 'results' array");
    std::vector<Paper> out;
    for (const auto& w : j["results"]) {
      if (!w.is_object()) continue;
      Paper p;
      p.engine = "openalex";
      p.id = str_or(w, "id");
      if (auto slash = p.id.rfind('/'); slash != std::string::npos) p.id = p.id.substr(slash + 1);
      p.title = str_or(w, "title");
      if (p.title.empty()) p.title = str_or(w, "display_name");
      if (p.title.empty()) continue;
      p.year = int_or(w, "publication_year", 0);
      p.citation_count = int_or(w, "cited_by_count", -1);
      p.doi = str_or(w, "doi");
      for (const char* prefix : {"https://doi.org/", "http://doi.org/", "doi:"})
        if (str::starts_with(p.doi, prefix)) p.doi = p.doi.substr(std::string(prefix).size());
      if (str::starts_with(str::to_lower(p.doi), "10.48550/arxiv.")) p.arxiv_id = p.doi.substr(15);
      if (auto a = w.find("authorships"); a != w.end() && a->is_array())
        for (const auto& au : *a)
          if (au.is_object() && au.contains("author") && au["author"].is_object()) {
            std::string name = str_or(au["author"], "display_name");
            if (!name.empty()) p.authors.push_back(name);
          }
      if (auto loc = w.find("primary_location"); loc != w.end() && loc->is_object())
        if (auto src = loc->find("source"); src != loc->end() && src->is_object()) p.venue = str_or(*src, "display_name");
      p.url = p.doi.empty() ? str_or(w, "id") : "https://doi.org/" + p.doi;
      if (auto inv = w.find("abstract_inverted_index"); inv != w.end() && inv->is_object()) {
        std::map<int, std::string> words;
        for (auto it = inv->begin(); it != inv->end(); ++it)
          if (it->is_array())
            for (const auto& pos : *it)
              if (pos.is_number_integer()) words[pos.get<int>()] = it.key();
        std::vector<std::string> ordered;
        for (auto& [pos, word] : words) ordered.push_back(word);
        p.abstract = str::join(ordered, " ");
      }
      out.push_back(std::move(p));
    }
    return out;
  }
};

std::string xml_decode(std::string s) {
  s = str::replace_all(s, "&lt;", "<");
  s = str::replace_all(s, "&gt;", ">");
  s = str::replace_all(s, "&quot;", "\"");
  s = str::replace_all(s, "&apos;", "'");
  s = str::replace_all(s, "&#39;", "'");
  return str::replace_all(s, "&amp;", "&");
}

std::string collapse(std::string_view s) {
  std::string out;
  bool sp = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) sp = !out.empty();
    else {
      if (sp) out.push_back(' ');
      sp = false;
      out.push_back(c);
    }
  }
  return out;
}

// Removes markup tags (<jats:p>, <b>) from text.
std::string strip_tags(std::string_view s) {
  std::string out;
  bool in = false;
  for (char c : s) {
    if (c == '<') in = true;
    else if (c == '>') { in = false; out.push_back(' '); }
    else if (!in) out.push_back(c);
  }
  return collapse(xml_decode(out));
}

// Contents of each <tag ...>...</tag> in `s` (non-nested tags, as in Atom).
std::vector<std::string> xml_all(std::string_view s, const std::string& tag) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t open = s.find("<" + tag, pos);
    if (open == std::string_view::npos) break;
    char after = open + tag.size() + 1 < s.size() ? s[open + tag.size() + 1] : '\0';
    if (after != '>' && after != ' ' && after != '/') { pos = open + 1; continue; }
    size_t gt = s.find('>', open);
    if (gt == std::string_view::npos) break;
    if (s[gt - 1] == '/') { out.emplace_back(); pos = gt + 1; continue; }
    size_t close = s.find("</" + tag + ">", gt);
    if (close == std::string_view::npos) break;
    out.emplace_back(s.substr(gt + 1, close - gt - 1));
    pos = close + tag.size() + 3;
  }
  return out;
}
std::string xml_first(std::string_view s, const std::string& tag) {
  auto all = xml_all(s, tag);
  return all.empty() ? "" : collapse(xml_decode(all[0]));
}

// arXiv: GET /query?search_query=all:...&start=0&max_results=N ; Atom feed of <entry>.
class ArxivEngine final : public HttpEngine {
 public:
  explicit ArxivEngine(const EngineOptions& o)
      : HttpEngine(o,
                   fetch_policy("arXiv", o, o.max_wait_s,
                                "arXiv asks for one request every 3 s; retry later or use another engine"),
                   std::min(o.other_rate_per_s, 1.0 / 3.0)) {}
  std::string engine_name() const override { return "arxiv"; }

 protected:
  std::string build_url(const SearchQuery& q) const override {
    return fmt::format("{}/query?search_query={}&start=0&max_results={}", trim_slash(options_.arxiv_base_url),
                       url_encode("all:" + q.text), std::clamp(q.limit, 1, 100));
  }
  http::Headers headers() const override { return {{"Accept", "application/atom+xml"}}; }
  Result<std::vector<Paper>> parse(const std::string& body) const override {
    if (body.find("<feed") == std::string::npos) return make_error(ErrorCode::kParse, "reply is not an Atom feed");
    std::vector<Paper> out;
    for (const auto& e : xml_all(body, "entry")) {
      Paper p;
      p.engine = "arxiv";
      p.title = xml_first(e, "title");
      if (p.title.empty() || p.title == "Error") continue;
      std::string id = xml_first(e, "id");
      if (auto abs = id.find("/abs/"); abs != std::string::npos) id = id.substr(abs + 5);
      if (auto v = id.rfind('v'); v != std::string::npos && v + 1 < id.size() &&
                                  std::all_of(id.begin() + static_cast<long>(v) + 1, id.end(), ::isdigit))
        id = id.substr(0, v);
      p.id = id;
      p.arxiv_id = id;
      p.abstract = xml_first(e, "summary");
      std::string published = xml_first(e, "published");
      if (published.size() >= 4) p.year = std::atoi(published.substr(0, 4).c_str());
      for (const auto& a : xml_all(e, "author")) {
        std::string name = xml_first(a, "name");
        if (!name.empty()) p.authors.push_back(name);
      }
      p.doi = xml_first(e, "arxiv:doi");
      p.venue = xml_first(e, "arxiv:journal_ref");
      p.url = "https://arxiv.org/abs/" + id;
      out.push_back(std::move(p));
    }
    return out;
  }
};

// Crossref: GET /works?query=&rows=&mailto= ; reply {"status":"ok","message":{"items":[...]}}.
class CrossrefEngine final : public HttpEngine {
 public:
  explicit CrossrefEngine(const EngineOptions& o)
      : HttpEngine(o,
                   fetch_policy("Crossref", o, o.max_wait_s,
                                "set OPENALEX_MAIL_ADDRESS (used as the Crossref polite-pool mailto) or use another "
                                "engine"),
                   o.other_rate_per_s) {}
  std::string engine_name() const override { return "crossref"; }

 protected:
  std::string build_url(const SearchQuery& q) const override {
    std::string url = fmt::format("{}/works?query={}&rows={}", trim_slash(options_.crossref_base_url),
                                  url_encode(q.text), std::clamp(q.limit, 1, 100));
    if (!options_.contact_email.empty()) url += "&mailto=" + url_encode(options_.contact_email);
    return url;
  }
  Result<std::vector<Paper>> parse(const std::string& body) const override {
    SCI_ASSIGN_OR_RETURN(auto j, json::parse(body, "Crossref reply"));
    if (!j.is_object() || !j.contains("message") || !j["message"].is_object() || !j["message"].contains("items") ||
        !j["message"]["items"].is_array())
      return make_error(ErrorCode::kParse, "reply has no message.items array");
    std::vector<Paper> out;
    for (const auto& it : j["message"]["items"]) {
      if (!it.is_object()) continue;
      Paper p;
      p.engine = "crossref";
      p.doi = str_or(it, "DOI");
      p.id = p.doi;
      if (auto t = it.find("title"); t != it.end() && t->is_array() && !t->empty() && (*t)[0].is_string())
        p.title = strip_tags((*t)[0].get<std::string>());
      if (p.title.empty()) continue;
      if (auto c = it.find("container-title"); c != it.end() && c->is_array() && !c->empty() && (*c)[0].is_string())
        p.venue = (*c)[0].get<std::string>();
      if (auto a = it.find("author"); a != it.end() && a->is_array())
        for (const auto& au : *a) {
          if (!au.is_object()) continue;
          std::string name = str::join({str_or(au, "given"), str_or(au, "family")}, " ");
          name = std::string(str::trim(name));
          if (name.empty()) name = str_or(au, "name");
          if (!name.empty()) p.authors.push_back(name);
        }
      for (const char* k : {"issued", "published", "published-print", "published-online"}) {
        auto d = it.find(k);
        if (d != it.end() && d->is_object() && d->contains("date-parts") && (*d)["date-parts"].is_array() &&
            !(*d)["date-parts"].empty() && (*d)["date-parts"][0].is_array() && !(*d)["date-parts"][0].empty() &&
            (*d)["date-parts"][0][0].is_number_integer()) {
          p.year = (*d)["date-parts"][0][0].get<int>();
          break;
        }
      }
      p.citation_count = int_or(it, "is-referenced-by-count", -1);
      p.abstract = strip_tags(str_or(it, "abstract"));
      p.url = str_or(it, "URL");
      out.push_back(std::move(p));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<LiteratureClient> make_s2_client(const EngineOptions& o) { return std::make_unique<S2Engine>(o); }
std::unique_ptr<LiteratureClient> make_openalex_client(const EngineOptions& o) {
  return std::make_unique<OpenAlexEngine>(o);
}
std::unique_ptr<LiteratureClient> make_arxiv_client(const EngineOptions& o) { return std::make_unique<ArxivEngine>(o); }
std::unique_ptr<LiteratureClient> make_crossref_client(const EngineOptions& o) {
  return std::make_unique<CrossrefEngine>(o);
}

}  // namespace sci::literature
