// Bibliography management; see bibliography.h. Parsing is a small brace matcher (BibTeX
// entries nest braces freely) rather than a regex over the whole file.
#include "writeup/bibliography.h"

#include <cctype>
#include <regex>

#include <fmt/format.h>

#include "base/strings.h"
#include "writeup/results_tex.h"

namespace sci::writeup {

namespace {

std::string lower_alnum(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

// Value of `field` in an entry body: {...} (nested), "..." or a bare word/number.
std::string field_value(std::string_view body, std::string_view field) {
  std::string lower = str::to_lower(body);
  size_t pos = 0;
  while ((pos = lower.find(field, pos)) != std::string::npos) {
    bool left_ok = pos == 0 || !(std::isalnum(static_cast<unsigned char>(lower[pos - 1])) || lower[pos - 1] == '_');
    size_t i = pos + field.size();
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (!left_ok || i >= body.size() || body[i] != '=') {
      pos += field.size();
      continue;
    }
    ++i;
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i >= body.size()) return "";
    if (body[i] == '{') {
      int depth = 0;
      size_t start = i + 1;
      for (; i < body.size(); ++i) {
        if (body[i] == '{') ++depth;
        if (body[i] == '}' && --depth == 0) return std::string(body.substr(start, i - start));
      }
      return "";
    }
    if (body[i] == '"') {
      size_t end = body.find('"', i + 1);
      return end == std::string_view::npos ? "" : std::string(body.substr(i + 1, end - i - 1));
    }
    size_t start = i;
    while (i < body.size() && body[i] != ',' && body[i] != '}' && body[i] != '\n') ++i;
    return std::string(str::trim(body.substr(start, i - start)));
  }
  return "";
}

int parse_year(const std::string& s) {
  static const std::regex kYear(R"((1[89]\d\d|20\d\d))");
  std::smatch m;
  if (std::regex_search(s, m, kYear)) return std::stoi(m.str(1));
  return 0;
}

std::string strip_braces(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '{' && c != '}') out += c;
  return std::string(str::trim(out));
}

std::string bib_escape(std::string_view s) {
  // latex_escape handles \ { } $ & # ^ _ % ~; titles keep their case with an outer brace.
  return latex_escape(s);
}

// Blanks '%' comments (unescaped) keeping offsets, so positions map to the original.
std::string without_comments(std::string_view tex) {
  std::string s(tex);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '%') {
      while (i < s.size() && s[i] != '\n') s[i++] = ' ';
    }
  }
  return s;
}

const std::regex& cite_regex() {
  static const std::regex kCite(R"(\\(?:no)?cite[a-zA-Z]*\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^}]*)\})");
  return kCite;
}

}  // namespace

Bibliography Bibliography::parse(std::string_view bib, const std::string& source) {
  Bibliography out;
  size_t i = 0;
  while ((i = bib.find('@', i)) != std::string_view::npos) {
    size_t open = bib.find_first_of("{(", i);
    if (open == std::string_view::npos) break;
    std::string type = str::to_lower(str::trim(bib.substr(i + 1, open - i - 1)));
    if (type.empty() || type.find_first_of(" \n\t}") != std::string::npos) {
      i = i + 1;
      continue;
    }
    int depth = 0;
    size_t end = open;
    for (; end < bib.size(); ++end) {
      if (bib[end] == '{' || bib[end] == '(') ++depth;
      if ((bib[end] == '}' || bib[end] == ')') && --depth == 0) break;
    }
    if (end >= bib.size()) break;  // unbalanced: stop
    std::string_view body = bib.substr(open + 1, end - open - 1);
    size_t comma = body.find(',');
    if (type == "comment" || type == "preamble" || type == "string" || comma == std::string_view::npos) {
      i = end + 1;
      continue;
    }
    BibEntry e;
    e.type = type;
    e.key = std::string(str::trim(body.substr(0, comma)));
    e.title = field_value(body, "title");
    e.year = parse_year(field_value(body, "year"));
    e.doi = str::to_lower(field_value(body, "doi"));
    e.arxiv = field_value(body, "eprint");
    e.text = std::string(bib.substr(i, end - i + 1));
    e.source = source;
    if (!e.key.empty() && !out.has(e.key)) out.entries_.push_back(std::move(e));
    i = end + 1;
  }
  return out;
}

const BibEntry* Bibliography::find_same_paper(const BibEntry& e) const {
  std::string norm_title = lower_alnum(strip_braces(e.title));
  for (const auto& x : entries_) {
    if (!e.doi.empty() && x.doi == e.doi) return &x;
    if (!e.arxiv.empty() && x.arxiv == e.arxiv) return &x;
    if (norm_title.size() >= 12 && lower_alnum(strip_braces(x.title)) == norm_title) return &x;
  }
  return nullptr;
}

std::string make_bibtex_key(const literature::Paper& paper) {
  std::string last = "anon";
  if (!paper.authors.empty()) {
    auto words = str::split(std::string(str::trim(paper.authors[0])), ' ');
    std::string w = words.empty() ? "" : lower_alnum(words.back());
    if (!w.empty()) last = w;
  }
  std::string first_word = "untitled";
  static const std::set<std::string> kSkip = {"a", "an", "the", "on", "of", "in", "for", "to", "and"};
  for (const auto& w : str::split(paper.title, ' ')) {
    std::string lw = lower_alnum(w);
    if (lw.empty() || kSkip.count(lw)) continue;
    first_word = lw;
    break;
  }
  return last + (paper.year > 0 ? std::to_string(paper.year) : "") + first_word;
}

std::string Bibliography::add(const literature::Paper& paper) {
  BibEntry e;
  e.title = paper.title;
  e.year = paper.year;
  e.doi = str::to_lower(paper.doi);
  e.arxiv = paper.arxiv_id;
  e.source = paper.engine.empty() ? "literature" : paper.engine;
  if (const BibEntry* same = find_same_paper(e)) return same->key;

  std::string base = lower_alnum(paper.bibtex_key);
  if (base.empty() || !std::isalpha(static_cast<unsigned char>(base[0]))) base = make_bibtex_key(paper);
  std::string key = base;
  for (char suffix = 'b'; has(key) && suffix <= 'z'; ++suffix) key = base + suffix;
  e.key = key;

  static const std::regex kHead(R"(^\s*@\s*([A-Za-z]+)\s*\{\s*[^,\s]*\s*,)");
  std::smatch m;
  if (!paper.bibtex.empty() && std::regex_search(paper.bibtex, m, kHead)) {
    e.type = str::to_lower(m.str(1));
    e.text = "@" + e.type + "{" + key + "," + paper.bibtex.substr(static_cast<size_t>(m.length(0)));
    e.text = std::string(str::trim(e.text));
  } else {
    e.type = paper.venue.empty() ? "misc" : "article";
    std::string text = fmt::format("@{}{{{},\n  title = {{{{{}}}}},\n", e.type, key, bib_escape(paper.title));
    if (!paper.authors.empty()) text += fmt::format("  author = {{{}}},\n", bib_escape(str::join(paper.authors, " and ")));
    if (!paper.venue.empty()) text += fmt::format("  journal = {{{}}},\n", bib_escape(paper.venue));
    if (paper.year > 0) text += fmt::format("  year = {{{}}},\n", paper.year);
    if (!paper.doi.empty()) text += fmt::format("  doi = {{{}}},\n", paper.doi);
    if (!paper.arxiv_id.empty()) text += fmt::format("  eprint = {{{}}},\n  archivePrefix = {{arXiv}},\n", paper.arxiv_id);
    if (!paper.url.empty()) text += fmt::format("  url = {{{}}},\n", paper.url);
    text += "}";
    e.text = text;
  }
  entries_.push_back(std::move(e));
  return key;
}

bool Bibliography::add_entry(BibEntry entry) {
  if (entry.key.empty() || has(entry.key)) return false;
  entries_.push_back(std::move(entry));
  return true;
}

bool Bibliography::has(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return true;
  return false;
}

std::set<std::string> Bibliography::keys() const {
  std::set<std::string> out;
  for (const auto& e : entries_) out.insert(e.key);
  return out;
}

std::vector<int> Bibliography::years() const {
  std::vector<int> out;
  for (const auto& e : entries_)
    if (e.year > 0) out.push_back(e.year);
  return out;
}

int Bibliography::added_count() const {
  int n = 0;
  for (const auto& e : entries_) n += e.source != "template";
  return n;
}

std::string Bibliography::render() const {
  std::string out;
  for (const auto& e : entries_) out += e.text + "\n\n";
  return out;
}

std::vector<std::string> cited_keys(std::string_view tex) {
  std::string s = without_comments(tex);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), cite_regex()); it != std::sregex_iterator(); ++it) {
    for (const auto& k : str::split((*it)[1].str(), ',')) {
      std::string key(str::trim(k));
      if (key.empty() || key == "*" || !seen.insert(key).second) continue;
      out.push_back(key);
    }
  }
  return out;
}

std::string remove_unresolved_citations(std::string_view tex, const std::set<std::string>& known,
                                        std::vector<std::string>* removed) {
  std::string s(tex);
  std::string out;
  std::set<std::string> reported;
  size_t last = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), cite_regex()); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    std::vector<std::string> keep;
    bool changed = false;
    for (const auto& k : str::split(m[1].str(), ',')) {
      std::string key(str::trim(k));
      if (key.empty()) continue;
      if (known.count(key) || key == "*") {
        keep.push_back(key);
      } else {
        changed = true;
        if (removed && reported.insert(key).second) removed->push_back(key);
      }
    }
    size_t pos = static_cast<size_t>(m.position(0));
    out += s.substr(last, pos - last);
    last = pos + static_cast<size_t>(m.length(0));
    if (!changed) {
      out += m.str(0);
    } else if (!keep.empty()) {
      std::string whole = m.str(0);
      size_t brace = whole.rfind('{');
      out += whole.substr(0, brace) + "{" + str::join(keep, ",") + "}";
    } else {
      while (!out.empty() && (out.back() == '~' || out.back() == ' ')) out.pop_back();
    }
  }
  out += s.substr(last);
  return out;
}

}  // namespace sci::writeup
