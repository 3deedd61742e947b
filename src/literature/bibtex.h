// BibTeX: a real parser (entry types, braces and quotes with nesting, @string macros
// and # concatenation, @comment/@preamble, text between entries) and the writer that
// turns literature records into entries with stable keys (used for every citation).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "literature/client.h"

namespace sci::literature {

struct BibEntry {
  std::string type;  // lower-case: "article", "inproceedings", ...
  std::string key;
  std::vector<std::pair<std::string, std::string>> fields;  // lower-case names, raw values
  int line = 0;  // where the entry starts (1-based)
  // Raw value of `name` (lower-case), "" when absent.
  std::string field(const std::string& name) const;
};

// Bounds on what @string macros and '#' concatenation may build: `@string{a1 = a0 # a0}`
// doubles, so forty such lines would otherwise ask for terabytes.
struct BibtexLimits {
  size_t max_value_bytes = 64 * 1024;           // one field or @string value, after expansion
  size_t max_expanded_bytes = 16 * 1024 * 1024;  // macro text copied into values, whole file
};

// Parses BibTeX `text`. Errors: kParse "SOURCE:LINE: what is wrong" (unterminated
// entry or value, missing key or '=', unbalanced braces, more macro text copied than
// limits.max_expanded_bytes). Unknown macros are kept as their name. Text outside
// entries is a comment, as in BibTeX. A value longer than limits.max_value_bytes is
// left out (the field is dropped, the @string stays undefined and so does every value
// using it) and named in `warnings` ("SOURCE:LINE: ...", when not null); the rest of
// the file is still parsed.
Result<std::vector<BibEntry>> parse_bibtex(std::string_view text, const std::string& source = "bibtex",
                                           std::vector<std::string>* warnings = nullptr,
                                           const BibtexLimits& limits = {});

// Plain text of a BibTeX value: braces removed, common LaTeX escapes and accents
// decoded (\& -> &, {\"o} -> o with umlaut is simplified to o), whitespace collapsed.
std::string bibtex_plain_text(std::string_view value);

// "Last, First and First Last" -> {"First Last", "First Last"}.
std::vector<std::string> split_bibtex_authors(std::string_view value);

// A Paper from an entry (engine "local", id and bibtex_key = entry key, bibtex = the
// entry re-serialised).
Paper paper_from_bib_entry(const BibEntry& entry);

// Stable key: first author's last name (ASCII letters, lower-case) + year + first
// non-stopword of the title, e.g. "vaswani2017attention". Never empty ("anon" + ...).
std::string make_bibtex_key(const Paper& paper);

// An entry for `paper` using paper.bibtex_key (computed when empty): @inproceedings for
// conference venues, @article otherwise; LaTeX special characters escaped.
std::string format_bibtex(const Paper& paper);

// Serialises an entry back to BibTeX text (fields in order).
std::string format_bib_entry(const BibEntry& entry);

}  // namespace sci::literature
