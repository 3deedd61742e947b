// Message -> edit blocks; see parser.h. The rules are the corpus README's P1-P5
// (../shared/corpus/edit_conformance/README.md §3), which describe how real models
// write blocks.
#include "edit/parser.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::edit {
namespace {

constexpr std::string_view kSearchMarker = "<<<<<<< SEARCH";
constexpr std::string_view kDividerMarker = "=======";
constexpr std::string_view kReplaceMarker = ">>>>>>> REPLACE";

bool is_blank(std::string_view s) { return str::trim(s).empty(); }
bool is_fence(std::string_view s) { return str::starts_with(s, "```"); }

std::string_view marker_text(Marker m) {
  switch (m) {
    case Marker::kSearch: return kSearchMarker;
    case Marker::kDivider: return kDividerMarker;
    case Marker::kReplace: return kReplaceMarker;
    case Marker::kNone: break;
  }
  return "";
}

// A line of the message: its text without '\n' (and without a trailing '\r').
struct Line {
  std::string_view text;  // what markers and filenames are read from
  std::string_view raw;   // the line as written, without its '\n'
};

std::vector<Line> split_message(std::string_view message) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < message.size()) {
    size_t nl = message.find('\n', start);
    size_t end = nl == std::string_view::npos ? message.size() : nl;
    std::string_view raw = message.substr(start, end - start);
    std::string_view text = raw;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    lines.push_back({text, raw});
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

// A path as models write it on a whole-file line: no spaces, has an extension or a '/'.
bool looks_like_path(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '|' || c == '"') return false;
  size_t slash = name.rfind('/');
  std::string_view base = slash == std::string::npos ? std::string_view(name) : std::string_view(name).substr(slash + 1);
  size_t dot = base.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < base.size();
}

}  // namespace

Marker marker_of(std::string_view line) {
  // P1: exact marker text at column 1, then only whitespace.
  for (Marker m : {Marker::kSearch, Marker::kDivider, Marker::kReplace}) {
    std::string_view t = marker_text(m);
    if (str::starts_with(line, t) && is_blank(line.substr(t.size()))) return m;
  }
  return Marker::kNone;
}

std::string clean_filename(std::string_view line) {
  std::string_view s = str::trim(line);
  while (!s.empty() && s.back() == ':') s.remove_suffix(1);
  while (!s.empty() && s.front() == '#') s.remove_prefix(1);
  s = str::trim(s);
  // Decoration can nest (**`path`**), so peel backticks and stars until none are left.
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    while (!s.empty() && (s.front() == '`' || s.front() == '*')) { s.remove_prefix(1); changed = true; }
    while (!s.empty() && (s.back() == '`' || s.back() == '*')) { s.remove_suffix(1); changed = true; }
    while (!s.empty() && s.back() == ':') { s.remove_suffix(1); changed = true; }
    s = str::trim(s);
  }
  return str::replace_all(std::string(s), "\\_", "_");
}

std::string ParseError::render() const {
  std::string where = fmt::format("line {}, block {}", line, block_number);
  if (!file.empty()) where += fmt::format(" ({})", file);
  std::string gutter = fmt::format("{:>5}", line);
  std::string out = fmt::format("{}: {}\n", where, message);
  out += fmt::format("{} | {}\n", gutter, line_text);
  out += fmt::format("{} | {}^\n", std::string(gutter.size(), ' '),
                     std::string(static_cast<size_t>(column > 1 ? column - 1 : 0), ' '));
  return out;
}

ParseResult parse_message(std::string_view message, const ParseOptions& options) {
  enum class State { kOutside, kSearch, kReplace };
  ParseResult result;
  std::vector<Line> lines = split_message(message);
  State state = State::kOutside;
  EditBlock current;
  int boundary = -1;  // index of the last marker line: filename lookup stops there

  auto fail = [&](size_t index, std::string what, int column = 1) {
    ParseError e;
    e.file = current.file;
    e.block_number = static_cast<int>(result.blocks.size()) + 1;
    e.line = static_cast<int>(index) + 1;
    e.column = column;
    e.line_text = index < lines.size() ? std::string(lines[index].raw) : std::string();
    e.message = std::move(what);
    result.error = std::move(e);
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    Marker m = marker_of(line.text);
    if (state == State::kOutside) {
      if (m == Marker::kSearch) {
        current = EditBlock{};
        current.number = static_cast<int>(result.blocks.size()) + 1;
        current.line = static_cast<int>(i) + 1;
        // P4: up to 3 lines above, nearest first, skipping blanks and fences.
        std::string name;
        for (int k = static_cast<int>(i) - 1; k >= 0 && k >= static_cast<int>(i) - 3 && k > boundary; --k) {
          std::string_view t = lines[static_cast<size_t>(k)].text;
          if (is_blank(t) || is_fence(t)) continue;
          name = clean_filename(t);
          break;
        }
        if (name.empty()) {
          if (result.blocks.empty()) {
            fail(i, fmt::format("no filename line above \"{}\" and no earlier block to inherit one from; "
                                "put the file's path on the line before the opening fence",
                                kSearchMarker));
            return result;
          }
          name = result.blocks.back().file;
          current.file_inherited = true;
        }
        current.file = name;
        state = State::kSearch;
        boundary = static_cast<int>(i);
        continue;
      }
      if (m == Marker::kDivider || m == Marker::kReplace) {
        if (!result.blocks.empty()) current.file = result.blocks.back().file;
        fail(i, fmt::format("\"{}\" outside a block (no \"{}\" opened one)", marker_text(m), kSearchMarker));
        return result;
      }
      // Whole-file block: "<path>" line, fence, body without markers, closing fence.
      if (options.file_exists && i + 1 < lines.size() && is_fence(lines[i + 1].text) && !is_fence(line.text) &&
          !is_blank(line.text)) {
        std::string name = clean_filename(line.text);
        if (looks_like_path(name) && !options.file_exists(name)) {
          size_t j = i + 2;
          bool has_marker = false;
          while (j < lines.size() && !is_fence(lines[j].text)) {
            if (marker_of(lines[j].text) != Marker::kNone) has_marker = true;
            ++j;
          }
          int body_lines = static_cast<int>(j - (i + 2));
          if (j < lines.size() && !has_marker && body_lines <= kWholeFileMaxLines) {
            EditBlock b;
            b.kind = BlockKind::kWholeFile;
            b.number = static_cast<int>(result.blocks.size()) + 1;
            b.file = name;
            b.line = static_cast<int>(i) + 1;
            for (size_t k = i + 2; k < j; ++k) {
              b.replace += lines[k].raw;
              b.replace += '\n';
            }
            result.blocks.push_back(std::move(b));
            boundary = static_cast<int>(j);
            i = j;
          }
        }
      }
      continue;
    }
    if (state == State::kSearch) {
      if (m == Marker::kDivider) {
        state = State::kReplace;
        boundary = static_cast<int>(i);
      } else if (m == Marker::kSearch) {
        fail(i, fmt::format("a second \"{}\" before \"{}\" ended the SEARCH part", kSearchMarker, kDividerMarker));
        return result;
      } else if (m == Marker::kReplace) {
        fail(i, fmt::format("\"{}\" where \"{}\" was expected: every block needs a SEARCH part, the "
                            "\"{}\" line, then the REPLACE part (to append, leave SEARCH empty)",
                            kReplaceMarker, kDividerMarker, kDividerMarker));
        return result;
      } else {
        current.search += line.raw;
        current.search += '\n';
      }
      continue;
    }
    // State::kReplace
    if (m == Marker::kReplace) {
      result.blocks.push_back(std::move(current));
      current = EditBlock{};
      state = State::kOutside;
      boundary = static_cast<int>(i);
    } else if (m == Marker::kDivider || m == Marker::kSearch) {
      fail(i, fmt::format("\"{}\" where \"{}\" was expected to close the block", marker_text(m), kReplaceMarker));
      return result;
    } else {
      current.replace += line.raw;
      current.replace += '\n';
    }
  }
  if (state != State::kOutside) {
    size_t last = lines.empty() ? 0 : lines.size() - 1;
    int column = lines.empty() ? 1 : static_cast<int>(lines[last].raw.size()) + 1;
    fail(last,
         fmt::format("the message ends inside the block opened at line {} (missing \"{}\"); the reply was "
                     "probably cut off at the output limit",
                     current.line, state == State::kSearch ? kDividerMarker : kReplaceMarker),
         column);
  }
  return result;
}

}  // namespace sci::edit
