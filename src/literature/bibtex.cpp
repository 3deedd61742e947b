// BibTeX parsing and writing; see bibtex.h.
#include "literature/bibtex.h"

#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/bounded_read.h"
#include "base/strings.h"

namespace sci::literature {
namespace {

bool is_ident_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '-' || c == ':' || c == '.' || c == '+' || c == '/' || c == '\'' ||
         u >= 0x80;
}

constexpr size_t kMaxWarnings = 20;  // then one line says how many more

class Parser {
 public:
  Parser(std::string_view text, std::string source, const BibtexLimits& limits, std::vector<std::string>* warnings)
      : t_(text), source_(std::move(source)), limits_(limits), warnings_(warnings) {
    const char* months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    const char* names[] = {"January", "February", "March",     "April",   "May",      "June",
                           "July",    "August",   "September", "October", "November", "December"};
    for (int i = 0; i < 12; ++i) macros_[months[i]] = names[i];
  }

  Result<std::vector<BibEntry>> run() {
    std::vector<BibEntry> out;
    while (true) {
      // Everything up to the next '@' is a comment (BibTeX semantics).
      while (pos_ < t_.size() && t_[pos_] != '@') advance();
      if (pos_ >= t_.size()) break;
      int start_line = line_;
      advance();  // '@'
      skip_ws();
      std::string type = str::to_lower(read_ident());
      if (type.empty()) return err(start_line, "'@' not followed by an entry type");
      skip_ws();
      if (type == "comment") {
        if (pos_ < t_.size() && (t_[pos_] == '{' || t_[pos_] == '(')) SCI_TRY(skip_balanced(start_line));
        continue;
      }
      if (pos_ >= t_.size() || (t_[pos_] != '{' && t_[pos_] != '('))
        return err(line_, fmt::format("expected '{{' or '(' after @{}", type));
      char close = t_[pos_] == '{' ? '}' : ')';
      if (type == "preamble") {
        SCI_TRY(skip_balanced(start_line));
        continue;
      }
      advance();
      skip_ws();
      if (type == "string") {
        std::string name = str::to_lower(read_ident());
        if (name.empty()) return err(line_, "@string without a macro name");
        skip_ws();
        if (!consume('=')) return err(line_, fmt::format("expected '=' after @string name '{}'", name));
        SCI_ASSIGN_OR_RETURN(Value value, read_value(start_line));
        if (value.oversized) {
          macros_.erase(name);
          oversized_macros_.insert(name);
          // Said once, for the macro that grew past the limit, not for each one built on it.
          if (!value.uses_oversized)
            warn(start_line, fmt::format("@string {} is longer than {} after expansion; it is left undefined "
                                         "and every value using it is left out",
                                         name, fs::format_bytes(limits_.max_value_bytes)));
        } else {
          oversized_macros_.erase(name);
          macros_[name] = std::move(value.text);
        }
        skip_ws();
        if (!consume(close)) return err(line_, fmt::format("expected '{}' to close @string", close));
        continue;
      }
      BibEntry entry;
      entry.type = type;
      entry.line = start_line;
      // Key: everything up to ',' (keys may contain ':' '/' etc., never whitespace).
      size_t key_start = pos_;
      while (pos_ < t_.size() && t_[pos_] != ',' && t_[pos_] != close && !std::isspace(static_cast<unsigned char>(t_[pos_])))
        advance();
      entry.key = std::string(t_.substr(key_start, pos_ - key_start));
      if (entry.key.empty()) return err(start_line, fmt::format("@{} entry without a citation key", type));
      skip_ws();
      while (true) {
        skip_ws();
        if (pos_ >= t_.size()) return err(start_line, fmt::format("entry '{}' is not closed (missing '{}')", entry.key, close));
        if (consume(close)) break;
        if (!consume(',')) {
          return err(line_, fmt::format("entry '{}': expected ',' or '{}' but found '{}'", entry.key, close, t_[pos_]));
        }
        skip_ws();
        if (consume(close)) break;  // trailing comma
        const int field_line = line_;
        std::string name = str::to_lower(read_ident());
        if (name.empty()) {
          if (pos_ >= t_.size()) continue;
          return err(line_, fmt::format("entry '{}': expected a field name, found '{}'", entry.key, t_[pos_]));
        }
        skip_ws();
        if (!consume('=')) return err(line_, fmt::format("entry '{}': field '{}' has no '='", entry.key, name));
        SCI_ASSIGN_OR_RETURN(Value value, read_value(start_line));
        if (value.oversized)
          warn(field_line, fmt::format("entry '{}': field '{}' is longer than {} after expansion; it is left out",
                                       entry.key, name, fs::format_bytes(limits_.max_value_bytes)));
        else
          entry.fields.emplace_back(name, std::move(value.text));
      }
      out.push_back(std::move(entry));
    }
    if (warnings_ && warning_count_ > kMaxWarnings)
      warnings_->push_back(fmt::format("{}: {} more value(s) over the limit left out", source_,
                                       warning_count_ - kMaxWarnings));
    return out;
  }

 private:
  // A field or @string value; `oversized` when it grew past limits_.max_value_bytes or
  // uses a macro that did (`uses_oversized`); then `text` is empty.
  struct Value {
    std::string text;
    bool oversized = false;
    bool uses_oversized = false;
  };

  void warn(int line, const std::string& what) {
    if (warnings_ && ++warning_count_ <= kMaxWarnings)
      warnings_->push_back(fmt::format("{}:{}: {}", source_, line, what));
  }
  void advance() {
    if (pos_ < t_.size() && t_[pos_] == '\n') ++line_;
    ++pos_;
  }
  bool consume(char c) {
    if (pos_ < t_.size() && t_[pos_] == c) {
      advance();
      return true;
    }
    return false;
  }
  void skip_ws() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) advance();
      else if (c == '%') {  // a line comment inside an entry (biber/bibtool style)
        while (pos_ < t_.size() && t_[pos_] != '\n') advance();
      } else break;
    }
  }
  std::string read_ident() {
    size_t s = pos_;
    while (pos_ < t_.size() && is_ident_char(t_[pos_])) advance();
    return std::string(t_.substr(s, pos_ - s));
  }
  Error err(int line, const std::string& what) const {
    return make_error(ErrorCode::kParse, fmt::format("{}:{}: {}", source_, line, what));
  }
  Status skip_balanced(int start_line) {
    char open = t_[pos_];
    char close = open == '{' ? '}' : ')';
    int depth = 0;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      advance();
      if (c == open) ++depth;
      else if (c == close && --depth == 0) return ok_status();
    }
    return err(start_line, "unbalanced braces: block never closed");
  }
  // {...} with nesting; returns the inside.
  Result<std::string> read_braced(int start_line) {
    advance();  // '{'
    int depth = 1;
    size_t s = pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '\\' && pos_ + 1 < t_.size()) { advance(); advance(); continue; }
      if (c == '{') ++depth;
      else if (c == '}' && --depth == 0) {
        std::string v(t_.substr(s, pos_ - s));
        advance();
        return v;
      } else if (c == '@' && depth == 1 && pos_ > 0 && t_[pos_ - 1] == '\n') {
        return err(start_line, "value never closed: a new entry starts inside it (unbalanced braces)");
      }
      advance();
    }
    return err(start_line, "unbalanced braces: value never closed");
  }
  Result<std::string> read_quoted(int start_line) {
    advance();  // '"'
    int depth = 0;
    size_t s = pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '\\' && pos_ + 1 < t_.size()) { advance(); advance(); continue; }
      if (c == '{') ++depth;
      else if (c == '}') --depth;
      else if (c == '"' && depth == 0) {
        std::string v(t_.substr(s, pos_ - s));
        advance();
        return v;
      }
      advance();
    }
    return err(start_line, "quoted value never closed (missing '\"')");
  }
  // value := part ('#' part)*. The size is checked before each part is copied, so a
  // chain of doubling macros never allocates more than the limits.
  Result<Value> read_value(int start_line) {
    Value out;
    auto append = [&](std::string_view part) {
      if (out.oversized) return;
      if (out.text.size() + part.size() > limits_.max_value_bytes) {
        out.oversized = true;
        out.text = std::string();
        return;
      }
      out.text += part;
    };
    while (true) {
      skip_ws();
      if (pos_ >= t_.size()) return err(start_line, "entry ends inside a field value");
      char c = t_[pos_];
      if (c == '{') {
        SCI_ASSIGN_OR_RETURN(std::string v, read_braced(line_));
        append(v);
      } else if (c == '"') {
        SCI_ASSIGN_OR_RETURN(std::string v, read_quoted(line_));
        append(v);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t s = pos_;
        while (pos_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[pos_]))) advance();
        append(t_.substr(s, pos_ - s));
      } else {
        std::string name = read_ident();
        if (name.empty()) return err(line_, fmt::format("expected a field value, found '{}'", c));
        const std::string key = str::to_lower(name);
        auto it = macros_.find(key);
        if (oversized_macros_.count(key)) {
          out.oversized = out.uses_oversized = true;
          out.text = std::string();
        } else if (it == macros_.end()) {
          append(name);
        } else {
          if (!out.oversized && out.text.size() + it->second.size() <= limits_.max_value_bytes) {
            expanded_bytes_ += it->second.size();
            if (expanded_bytes_ > limits_.max_expanded_bytes)
              return err(line_, fmt::format("@string macros expand to more than {} in all (at '{}'): the file "
                                            "is refused; define long texts once instead of concatenating macros",
                                            fs::format_bytes(limits_.max_expanded_bytes), name));
          }
          append(it->second);
        }
      }
      skip_ws();
      if (!consume('#')) return out;
    }
  }

  std::string_view t_;
  std::string source_;
  BibtexLimits limits_;
  std::vector<std::string>* warnings_;
  size_t warning_count_ = 0;
  size_t expanded_bytes_ = 0;  // macro text copied into values so far
  size_t pos_ = 0;
  int line_ = 1;
  std::map<std::string, std::string> macros_;
  std::set<std::string> oversized_macros_;
};

std::string collapse_ws(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

// Splits at " and " on brace depth 0 (case-insensitive).
std::vector<std::string> split_and(std::string_view v) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '{') ++depth;
    else if (v[i] == '}') --depth;
    else if (depth == 0 && i + 5 <= v.size() && std::isspace(static_cast<unsigned char>(v[i])) &&
             str::to_lower(v.substr(i + 1, 3)) == "and" && std::isspace(static_cast<unsigned char>(v[i + 4]))) {
      parts.emplace_back(v.substr(start, i - start));
      start = i + 5;
      i += 4;
    }
  }
  parts.emplace_back(v.substr(start));
  return parts;
}

std::string escape_latex(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': case '%': case '$': case '#': case '_': out.push_back('\\'); out.push_back(c); break;
      case '{': case '}': break;  // never emit unbalanced braces
      case '\\': out += "\\textbackslash{}"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string ascii_letters_lower(std::string_view s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalpha(c)) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

bool is_conference(const std::string& venue) {
  std::string v = str::to_lower(venue);
  for (const char* w : {"conference", "proceedings", "processing systems", "workshop", "symposium", "neurips", "nips", "icml", "iclr", "cvpr",
                        "iccv", "eccv", "acl", "emnlp", "naacl", "aaai", "ijcai", "kdd", "sigir", "colt", "aistats", "uai"})
    if (v.find(w) != std::string::npos) return true;
  return false;
}

}  // namespace

std::string BibEntry::field(const std::string& name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return "";
}

Result<std::vector<BibEntry>> parse_bibtex(std::string_view text, const std::string& source,
                                           std::vector<std::string>* warnings, const BibtexLimits& limits) {
  return Parser(text, source, limits, warnings).run();
}

std::string bibtex_plain_text(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '{' || c == '}') continue;
    if (c == '\\' && i + 1 < value.size()) {
      char n = value[i + 1];
      if (std::string_view("&%$#_{}").find(n) != std::string_view::npos) {
        out.push_back(n);
        ++i;
        continue;
      }
      if (std::string_view("\"'`^~=.").find(n) != std::string_view::npos) {  // accent: keep the letter
        ++i;
        continue;
      }
      // \command: drop the command name, keep its argument text.
      size_t j = i + 1;
      while (j < value.size() && std::isalpha(static_cast<unsigned char>(value[j]))) ++j;
      std::string cmd(value.substr(i + 1, j - i - 1));
      if (cmd == "textendash") out += "-";
      else if (cmd == "ss") out += "ss";
      i = j - 1;
      if (j < value.size() && value[j] == ' ') i = j;
      continue;
    }
    if (c == '~') c = ' ';
    out.push_back(c);
  }
  return collapse_ws(out);
}

std::vector<std::string> split_bibtex_authors(std::string_view value) {
  std::vector<std::string> out;
  for (const auto& raw : split_and(value)) {
    std::string name = bibtex_plain_text(raw);
    if (name.empty()) continue;
    if (auto comma = name.find(','); comma != std::string::npos) {
      std::string last = std::string(str::trim(name.substr(0, comma)));
      std::string rest = std::string(str::trim(name.substr(comma + 1)));
      if (auto c2 = rest.find(','); c2 != std::string::npos)  // "von Last, Jr, First"
        rest = std::string(str::trim(rest.substr(c2 + 1))) + " " + std::string(str::trim(rest.substr(0, c2)));
      name = rest.empty() ? last : rest + " " + last;
    }
    out.push_back(name);
  }
  return out;
}

Paper paper_from_bib_entry(const BibEntry& e) {
  Paper p;
  p.engine = "local";
  p.id = e.key;
  p.bibtex_key = e.key;
  p.title = bibtex_plain_text(e.field("title"));
  p.authors = split_bibtex_authors(e.field("author"));
  for (const char* v : {"journal", "booktitle", "publisher", "howpublished", "school", "institution"}) {
    p.venue = bibtex_plain_text(e.field(v));
    if (!p.venue.empty()) break;
  }
  std::string year = bibtex_plain_text(e.field("year"));
  if (year.size() >= 4 && std::isdigit(static_cast<unsigned char>(year[0]))) p.year = std::atoi(year.c_str());
  p.abstract = bibtex_plain_text(e.field("abstract"));
  p.doi = bibtex_plain_text(e.field("doi"));
  p.url = bibtex_plain_text(e.field("url"));
  std::string prefix = str::to_lower(bibtex_plain_text(e.field("archiveprefix")));
  std::string eprint = bibtex_plain_text(e.field("eprint"));
  if (!eprint.empty() && (prefix.empty() || prefix == "arxiv")) p.arxiv_id = eprint;
  p.bibtex = format_bib_entry(e);
  return p;
}

std::string make_bibtex_key(const Paper& paper) {
  std::string last = "anon";
  if (!paper.authors.empty()) {
    auto words = str::split(std::string(str::trim(paper.authors.front())), ' ');
    std::string l = words.empty() ? "" : ascii_letters_lower(words.back());
    if (!l.empty()) last = l;
  }
  static const std::set<std::string> kStop = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is",
                                              "are", "towards", "toward", "via", "from", "by", "at"};
  std::string word;
  for (const auto& w : str::split(paper.title, ' ')) {
    std::string l;
    for (unsigned char c : w)
      if (std::isalnum(c)) l.push_back(static_cast<char>(std::tolower(c)));
    if (!l.empty() && !kStop.count(l)) {
      word = l;
      break;
    }
  }
  return last + (paper.year > 0 ? std::to_string(paper.year) : "") + word;
}

std::string format_bibtex(const Paper& paper) {
  BibEntry e;
  e.key = paper.bibtex_key.empty() ? make_bibtex_key(paper) : paper.bibtex_key;
  bool conf = is_conference(paper.venue);
  bool preprint = paper.venue.empty() && !paper.arxiv_id.empty();
  e.type = conf ? "inproceedings" : (paper.venue.empty() && !preprint ? "misc" : "article");
  e.fields.emplace_back("title", escape_latex(paper.title));
  if (!paper.authors.empty()) {
    std::vector<std::string> names;
    for (const auto& a : paper.authors) names.push_back(escape_latex(a));
    e.fields.emplace_back("author", str::join(names, " and "));
  }
  if (conf) e.fields.emplace_back("booktitle", escape_latex(paper.venue));
  else if (!paper.venue.empty()) e.fields.emplace_back("journal", escape_latex(paper.venue));
  else if (preprint) e.fields.emplace_back("journal", "arXiv preprint arXiv:" + escape_latex(paper.arxiv_id));
  if (paper.year > 0) e.fields.emplace_back("year", std::to_string(paper.year));
  if (!paper.doi.empty()) e.fields.emplace_back("doi", escape_latex(paper.doi));
  if (!paper.arxiv_id.empty()) {
    e.fields.emplace_back("eprint", escape_latex(paper.arxiv_id));
    e.fields.emplace_back("archiveprefix", "arXiv");
  }
  if (!paper.url.empty()) e.fields.emplace_back("url", paper.url);
  return format_bib_entry(e);
}

std::string format_bib_entry(const BibEntry& e) {
  std::string out = fmt::format("@{}{{{},\n", e.type, e.key);
  for (size_t i = 0; i < e.fields.size(); ++i)
    out += fmt::format("  {} = {{{}}}{}\n", e.fields[i].first, e.fields[i].second, i + 1 < e.fields.size() ? "," : "");
  out += "}\n";
  return out;
}

}  // namespace sci::literature
