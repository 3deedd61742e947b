// The paper's bibliography: BibTeX entries come only from literature records (or the
// template's own .bib), never from model text. Keys are stable and deduplicated, each
// paper appears once, and \cite keys in the .tex are checked against it.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "literature/client.h"

namespace sci::writeup {

struct BibEntry {
  std::string key;
  std::string type;    // "article", "inproceedings", ...
  std::string title;   // as written, braces kept
  int year = 0;        // 0 unknown
  std::string doi;     // lower case
  std::string arxiv;   // eprint / arXiv id
  std::string text;    // the full entry, "@type{key, ...}"
  std::string source;  // "template" or the literature engine ("s2", "local", ...)
};

class Bibliography {
 public:
  // Parses a .bib text; entries without a key or unbalanced braces are skipped.
  // Duplicate keys keep the first entry.
  static Bibliography parse(std::string_view bib, const std::string& source = "template");

  // Adds a literature record and returns the key to \cite. The same paper (same DOI,
  // arXiv id or normalised title) returns the existing key; a key already used by a
  // different paper gets "b", "c", ... appended. The entry text is the record's BibTeX
  // with its key replaced, or one generated from the record's fields.
  std::string add(const literature::Paper& paper);

  // Adds a parsed entry (e.g. from the template's own .bib) unless its key exists.
  // Returns false when the key was already present.
  bool add_entry(BibEntry entry);

  bool has(const std::string& key) const;
  const std::vector<BibEntry>& entries() const { return entries_; }
  std::set<std::string> keys() const;
  std::vector<int> years() const;
  // Entries whose source is not "template" (the literature found during the writeup).
  int added_count() const;
  // Every entry, in insertion order, separated by blank lines.
  std::string render() const;

 private:
  const BibEntry* find_same_paper(const BibEntry& e) const;
  std::vector<BibEntry> entries_;
};

// "firstauthorlastname + year + first title word", lower-case ASCII letters and digits
// only ("vaswani2017attention"); "anon" / "untitled" fill missing parts.
std::string make_bibtex_key(const literature::Paper& paper);

// Keys of every \cite-like command (\cite, \citep, \citet, \citeauthor, \nocite, ...)
// outside comments, in order of first appearance, without duplicates ("*" skipped).
std::vector<std::string> cited_keys(std::string_view tex);

// Removes keys not in `known` from every \cite-like command; a command left with no
// key is removed together with a preceding '~' or space. Returns the new text and
// appends each removed key (once) to `removed`.
std::string remove_unresolved_citations(std::string_view tex, const std::set<std::string>& known,
                                        std::vector<std::string>* removed);

}  // namespace sci::writeup
