// The local library engine: BibTeX or JSONL files of papers indexed in the store's
// FTS5 table and searched offline with BM25 (`scientist lit index FILE`,
// `--engine local`, and a template's latex/references.bib or literature.bib).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "literature/client.h"

namespace sci::store {
class Database;
}

namespace sci::literature {

// Library files larger than this are refused (a sizeable published .bib is tens of MiB).
inline constexpr size_t kMaxLibraryFileBytes = size_t{128} << 20;

// Parses a library file: *.jsonl (one JSON object per line: title required; authors
// (array or " and "-string), year, venue, abstract, doi, arxiv_id, url, citation_count,
// id/key, bibtex) or anything else as BibTeX (values over BibtexLimits are left out
// with a logged warning). Errors: kNotFound, kIo, kParse "FILE:LINE: ..." (corrupt
// files name the line), kInvalidArgument (over kMaxLibraryFileBytes, not a regular file).
Result<std::vector<Paper>> load_library_file(const std::filesystem::path& path);

// Indexes the papers of `path` into `db` (migrating it if needed); returns how many.
Result<int> index_library_file(store::Database& db, const std::filesystem::path& path);

// A LiteratureClient over the index in `db` (not owned; must outlive the client).
std::unique_ptr<LiteratureClient> make_local_client(store::Database& db);

}  // namespace sci::literature
