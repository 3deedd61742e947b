// Applying edit blocks to a FileSet; see applier.h. Order of checks per block:
// blank SEARCH (create/append), SEARCH in the named file, SEARCH in the other chat
// files, and only when SEARCH matched nowhere: is REPLACE already there (a reported
// no-op). Deciding "already there" first would skip edits real checkpoints need.
#include "edit/applier.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

namespace sci::edit {
namespace {

using Originals = std::map<std::string, std::optional<std::string>>;

void remember(Originals* originals, const FileSet& files, const std::string& path) {
  if (!originals || originals->count(path)) return;
  auto it = files.find(path);
  (*originals)[path] = it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
}

BlockResult apply_one(const EditBlock& block, FileSet& files, const ApplyOptions& options, Originals* originals) {
  BlockResult r;
  r.block = block;
  const std::string named = normalise_path(block.file);
  const bool allowed = !named.empty() && (!options.allow_file || options.allow_file(named));
  const bool named_exists = allowed && files.count(named) > 0;
  auto fail = [&](std::string reason) {
    r.outcome = Outcome::kFailed;
    r.reason = std::move(reason);
    return r;
  };
  auto refused = [&] {
    return fail(fmt::format("\"{}\" is not a file inside the project directory; use a relative path "
                            "such as one of the chat files",
                            block.file));
  };

  if (block.kind == BlockKind::kWholeFile) {
    if (!allowed) return refused();
    if (named_exists) return fail(fmt::format("{} already exists; edit it with SEARCH/REPLACE blocks", named));
    remember(originals, files, named);
    files[named] = block.replace;
    r.outcome = Outcome::kApplied;
    r.method = MatchMethod::kWholeFile;
    r.target_file = named;
    r.first_line = 1;
    return r;
  }

  const std::string search = normalise_block_text(block.search);
  const std::string replace = normalise_block_text(block.replace);

  // A2: blank SEARCH creates the named file or appends to it.
  if (is_blank_text(search)) {
    if (!allowed) return refused();
    r.target_file = named;
    if (!named_exists) {
      remember(originals, files, named);
      files[named] = replace;
      r.outcome = Outcome::kApplied;
      r.method = MatchMethod::kCreated;
      r.first_line = 1;
      return r;
    }
    std::string& content = files[named];
    if (replace.empty()) {
      r.outcome = Outcome::kNoop;
      r.noop = NoopReason::kSearchEqualsReplace;
      return r;
    }
    remember(originals, files, named);
    if (!content.empty() && content.back() != '\n') content += '\n';
    r.first_line = static_cast<int>(std::count(content.begin(), content.end(), '\n')) + 1;
    content += replace;
    r.outcome = Outcome::kApplied;
    r.method = MatchMethod::kAppended;
    return r;
  }

  // A3 on the named file, then A4 on the other chat files in order.
  std::vector<std::string> candidates;
  if (named_exists) candidates.push_back(named);
  for (const auto& f : options.chat_files) {
    std::string p = normalise_path(f);
    if (p.empty() || p == named || !files.count(p)) continue;
    if (options.allow_file && !options.allow_file(p)) continue;
    if (std::find(candidates.begin(), candidates.end(), p) == candidates.end()) candidates.push_back(p);
  }
  for (const auto& path : candidates) {
    std::string& content = files[path];
    auto rep = replace_first(content, search, replace);
    if (!rep) continue;
    r.target_file = path;
    r.method = rep->method;
    r.first_line = rep->first_line;
    if (rep->content == content || (content.empty() ? false : rep->content == content + "\n")) {
      r.outcome = Outcome::kNoop;
      r.noop = NoopReason::kSearchEqualsReplace;
      return r;
    }
    remember(originals, files, path);
    content = std::move(rep->content);
    r.outcome = Outcome::kApplied;
    return r;
  }

  // SEARCH matched nowhere. If REPLACE is already present the model re-sent an edit
  // that was made: report a no-op rather than a failure it cannot fix.
  for (const auto& path : candidates) {
    if (contains_lines(files[path], replace)) {
      r.outcome = Outcome::kNoop;
      r.noop = NoopReason::kReplaceAlreadyPresent;
      r.target_file = path;
      return r;
    }
  }

  if (!allowed) return refused();
  // Show the closest real lines: from the named file, or else the best chat file.
  std::vector<std::string> look_in = named_exists ? std::vector<std::string>{named} : candidates;
  for (const auto& path : look_in) {
    auto s = most_similar_lines(files[path], search);
    if (s && (!r.similar || s->score > r.similar->score)) {
      r.similar = std::move(s);
      r.similar_file = path;
    }
  }
  if (!named_exists)
    return fail(fmt::format("{} does not exist, and the SEARCH text is not in any of the chat files either",
                            named));
  return fail(fmt::format("the SEARCH text does not match any run of whole lines in {}", named));
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kApplied: return "applied";
    case Outcome::kFailed: return "failed";
    case Outcome::kNoop: return "noop";
    case Outcome::kNotApplied: return "not_applied";
  }
  return "failed";
}

const char* noop_reason_name(NoopReason reason) {
  switch (reason) {
    case NoopReason::kNone: return "none";
    case NoopReason::kSearchEqualsReplace: return "search_equals_replace";
    case NoopReason::kReplaceAlreadyPresent: return "replace_already_present";
  }
  return "none";
}

int ApplyResult::count(Outcome outcome) const {
  return static_cast<int>(
      std::count_if(blocks.begin(), blocks.end(), [&](const BlockResult& b) { return b.outcome == outcome; }));
}

std::string normalise_path(std::string_view path) {
  if (path.empty()) return "";
  std::filesystem::path p{std::string(path)};
  if (p.is_absolute()) return "";
  std::string norm = p.lexically_normal().generic_string();
  while (!norm.empty() && norm.back() == '/') norm.pop_back();
  if (norm.empty() || norm == "." || norm == ".." || norm.rfind("../", 0) == 0) return "";
  return norm;
}

BlockResult apply_block(const EditBlock& block, FileSet& files, const ApplyOptions& options) {
  return apply_one(block, files, options, nullptr);
}

ApplyResult apply_message(std::string_view message, FileSet& files, const ApplyOptions& options) {
  ParseOptions parse_options;
  if (options.whole_file_for_new_files) {
    parse_options.file_exists = [&](const std::string& p) {
      std::string n = normalise_path(p);
      return n.empty() || files.count(n) > 0;
    };
  }
  return apply_parsed(parse_message(message, parse_options), files, options);
}

ApplyResult apply_parsed(ParseResult parsed, FileSet& files, const ApplyOptions& options) {
  ApplyResult result;
  if (parsed.error) {
    result.parse_error = std::move(parsed.error);
    for (auto& b : parsed.blocks) {
      BlockResult r;
      r.block = std::move(b);
      r.outcome = Outcome::kNotApplied;
      result.blocks.push_back(std::move(r));
    }
    return result;
  }
  Originals originals;
  std::vector<std::string> touched;
  for (const auto& block : parsed.blocks) {
    BlockResult r = apply_one(block, files, options, &originals);
    if (r.outcome == Outcome::kApplied &&
        std::find(touched.begin(), touched.end(), r.target_file) == touched.end())
      touched.push_back(r.target_file);
    result.blocks.push_back(std::move(r));
  }
  // A later block can undo an earlier one; only files that really differ changed.
  for (const auto& path : touched) {
    const auto& before = originals[path];
    auto it = files.find(path);
    if (!before || it == files.end() || *before != it->second) result.changed_files.push_back(path);
  }
  return result;
}

}  // namespace sci::edit
