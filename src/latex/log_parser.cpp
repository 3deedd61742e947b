// TeX log parsing; see log_parser.h. Line-oriented: TeX logs are not a grammar, so
// each recognised message shape is matched on its first line and its context is
// collected from the few lines that follow.
#include "latex/log_parser.h"

#include <map>
#include <regex>

#include <fmt/format.h>

#include "base/strings.h"

namespace sci::latex {

const char* diagnostic_kind_name(DiagnosticKind kind) {
  switch (kind) {
    case DiagnosticKind::kError: return "error";
    case DiagnosticKind::kMissingFile: return "missing_file";
    case DiagnosticKind::kUndefinedReference: return "undefined_reference";
    case DiagnosticKind::kUndefinedCitation: return "undefined_citation";
    case DiagnosticKind::kOverfullBox: return "overfull_box";
    case DiagnosticKind::kMultiplyDefinedLabel: return "multiply_defined_label";
    case DiagnosticKind::kWarning: return "warning";
  }
  return "warning";
}

int LogReport::count(DiagnosticKind kind) const {
  int n = 0;
  for (const auto& d : diagnostics) n += d.kind == kind ? 1 : 0;
  return n;
}

int LogReport::blocking_count() const {
  return count(DiagnosticKind::kError) + count(DiagnosticKind::kMissingFile);
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    if (c < 0x80) len = 1;
    else if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
    else if ((c & 0xF0) == 0xE0) len = 3;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (valid && len == 3) {  // reject overlongs and surrogates
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) valid = false;
    }
    if (valid && len == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) valid = false;
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

namespace {

// Tracks which file TeX is reading from the "(./file.tex" ... ")" nesting in the log.
class FileStack {
 public:
  void feed(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '(') {
        size_t j = i + 1;
        while (j < line.size() && line[j] != ' ' && line[j] != '(' && line[j] != ')') ++j;
        std::string token(line.substr(i + 1, j - i - 1));
        stack_.push_back(looks_like_file(token) ? token : std::string());
      } else if (line[i] == ')') {
        if (!stack_.empty()) stack_.pop_back();
      }
    }
  }
  std::string current() const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (!it->empty()) return *it;
    return {};
  }

 private:
  static bool looks_like_file(const std::string& t) {
    if (t.empty()) return false;
    if (str::starts_with(t, "./") || str::starts_with(t, "/")) return true;
    auto dot = t.rfind('.');
    if (dot == std::string::npos || dot + 1 >= t.size()) return false;
    std::string ext = t.substr(dot + 1);
    return ext == "tex" || ext == "sty" || ext == "cls" || ext == "bbl" || ext == "aux" || ext == "clo" ||
           ext == "cfg" || ext == "def" || ext == "fd" || ext == "toc";
  }
  std::vector<std::string> stack_;
};

// Text between the first ` (or ') and the following '.
std::string quoted_key(std::string_view s) {
  auto open = s.find_first_of("`'");
  if (open == std::string_view::npos) return {};
  auto close = s.find('\'', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(s.substr(open + 1, close - open - 1));
}

int input_line_of(std::string_view s) {
  static const std::regex kLine(R"(input line (\d+))");
  std::string tmp(s);
  std::smatch m;
  if (std::regex_search(tmp, m, kLine)) return std::stoi(m[1].str());
  return 0;
}

bool is_blank(std::string_view s) { return str::trim(s).empty(); }

// Collects the "l.N ..." line and its continuation after an error; returns the line
// number from "l.N" (0 if none) and fills `context`. Looks at most `max_ahead` lines.
int collect_error_context(const std::vector<std::string>& lines, size_t start, std::string& context,
                          size_t max_ahead = 12) {
  static const std::regex kLdot(R"(^l\.(\d+)( |$))");
  static const std::regex kNextError(R"(^\S[^: ]*:\d+: )");
  std::vector<std::string> ctx;
  for (size_t i = start; i < lines.size() && i < start + max_ahead; ++i) {
    const std::string& l = lines[i];
    if (i > start && (str::starts_with(l, "! ") || std::regex_search(l, kNextError))) break;
    std::smatch m;
    if (std::regex_search(l, m, kLdot)) {
      ctx.push_back(l);
      if (i + 1 < lines.size() && !is_blank(lines[i + 1])) ctx.push_back(lines[i + 1]);
      context = str::join(ctx, "\n");
      return std::stoi(m[1].str());
    }
    if (l.rfind("<", 0) == 0 && !is_blank(l)) ctx.push_back(l);  // "<inserted text>", "<argument>"
  }
  context = str::join(ctx, "\n");
  return 0;
}

// Joins a warning that TeX wrapped over several lines (it ends at a line ending in '.').
std::string join_wrapped(const std::vector<std::string>& lines, size_t& i) {
  std::string text = lines[i];
  while (!str::ends_with(str::trim(text), ".") && i + 1 < lines.size() && !is_blank(lines[i + 1]) &&
         text.size() < 2000) {
    ++i;
    std::string next(str::trim(lines[i]));
    // Package warnings continue with "(natbib)                ..." prefixes.
    if (str::starts_with(next, "(")) {
      auto close = next.find(')');
      if (close != std::string::npos) next = std::string(str::trim(next.substr(close + 1)));
    }
    // TeX wraps at a fixed column without inserting spaces; logs made with a large
    // max_print_line never get here.
    text += (lines[i - 1].size() >= 79 ? "" : " ") + next;
  }
  return text;
}

}  // namespace

LogReport parse_log(std::string_view raw_log, const ParseOptions& options) {
  LogReport report;
  std::string log = sanitize_utf8(raw_log);
  std::vector<std::string> lines = str::split_lines(log);
  for (auto& l : lines)
    if (!l.empty() && l.back() == '\r') l.pop_back();

  static const std::regex kFileLine(R"(^(\S[^:]*?):(\d+): (.*)$)");
  static const std::regex kBox(
      R"(^(Overfull|Underfull) \\([hv])box \((-?[0-9.]+)pt too (wide|high)\)(.*)$)");
  static const std::regex kLines(R"(lines (\d+)--(\d+))");
  static const std::regex kAtLine(R"(at line (\d+))");
  static const std::regex kOutput(R"(^Output written on .* \((\d+) pages?)");
  static const std::regex kFileNotFound(R"(File `([^']+)' not found)");

  FileStack files;
  std::map<std::string, size_t> missing_index;  // missing file name -> diagnostic index
  size_t last_error = std::string::npos;

  auto add_missing = [&](Diagnostic d) {
    auto it = missing_index.find(d.key);
    if (it == missing_index.end()) {
      missing_index[d.key] = report.diagnostics.size();
      report.diagnostics.push_back(std::move(d));
      return;
    }
    Diagnostic& prev = report.diagnostics[it->second];
    if (prev.line == 0) prev.line = d.line;
    if (prev.file.empty()) prev.file = d.file;
    if (prev.context.empty()) prev.context = d.context;
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::smatch m;

    if (std::regex_search(line, m, kOutput)) {
      report.pages = std::stoi(m[1].str());
      continue;
    }
    if (str::starts_with(line, "No pages of output.")) {
      report.pages = 0;
      continue;
    }
    if (line.find("Emergency stop") != std::string::npos || str::starts_with(line, "*** (job aborted") ||
        line.find("Fatal error occurred") != std::string::npos || str::starts_with(line, "!  ==> Fatal error")) {
      report.fatal = true;
      // "file:N: Emergency stop." repeats the previous error; give it the line if it had none.
      if (std::regex_match(line, m, kFileLine) && last_error != std::string::npos) {
        Diagnostic& prev = report.diagnostics[last_error];
        if (prev.line == 0) {
          prev.file = m[1].str();
          prev.line = std::stoi(m[2].str());
          std::string ctx;
          collect_error_context(lines, i + 1, ctx);
          if (prev.context.empty()) prev.context = ctx;
        }
      }
      continue;
    }

    // Errors: "./file.tex:12: message" (-file-line-error) or "! message".
    bool file_line = std::regex_match(line, m, kFileLine) && m[1].str().find(' ') == std::string::npos;
    if (file_line || str::starts_with(line, "! ")) {
      Diagnostic d;
      d.kind = DiagnosticKind::kError;
      if (file_line) {
        d.file = m[1].str();
        d.line = std::stoi(m[2].str());
        d.message = m[3].str();
      } else {
        d.message = line.substr(2);
        d.file = files.current();
      }
      std::string ctx;
      int l = collect_error_context(lines, i + 1, ctx);
      d.context = ctx;
      if (d.line == 0) d.line = l;
      std::smatch fm;
      if (std::regex_search(d.message, fm, kFileNotFound)) {
        d.kind = DiagnosticKind::kMissingFile;
        d.key = fm[1].str();
        add_missing(d);
        // The entry may have been merged into an earlier warning; upgrade it to an error.
        last_error = missing_index[d.key];
        report.diagnostics[last_error].message = d.message;
      } else {
        last_error = report.diagnostics.size();
        report.diagnostics.push_back(std::move(d));
      }
      continue;
    }

    if (std::regex_match(line, m, kBox)) {
      double pt = std::stod(m[3].str());
      bool overfull = m[1].str() == "Overfull";
      if (overfull && pt > options.overfull_threshold_pt) {
        Diagnostic d;
        d.kind = DiagnosticKind::kOverfullBox;
        d.overfull_pt = pt;
        d.file = files.current();
        d.message = line;
        std::string rest = m[5].str();
        std::smatch lm;
        if (std::regex_search(rest, lm, kLines) || std::regex_search(rest, lm, kAtLine)) d.line = std::stoi(lm[1].str());
        if (i + 1 < lines.size() && !is_blank(lines[i + 1])) d.context = std::string(str::trim(lines[i + 1]));
        report.diagnostics.push_back(std::move(d));
      }
      continue;
    }

    bool latex_warning = str::starts_with(line, "LaTeX Warning: ");
    bool package_warning = str::starts_with(line, "Package ") && line.find(" Warning: ") != std::string::npos;
    if (latex_warning || package_warning) {
      size_t start = i;
      std::string text = join_wrapped(lines, i);
      std::string body = text.substr(text.find("Warning: ") + 9);
      Diagnostic d;
      d.file = files.current();
      d.line = input_line_of(text);
      d.message = text;
      if (str::starts_with(body, "Reference ") && body.find("undefined") != std::string::npos) {
        d.kind = DiagnosticKind::kUndefinedReference;
        d.key = quoted_key(body);
      } else if (str::starts_with(body, "Citation ") && body.find("undefined") != std::string::npos) {
        d.kind = DiagnosticKind::kUndefinedCitation;
        d.key = quoted_key(body);
      } else if (str::starts_with(body, "Label ") && body.find("multiply defined") != std::string::npos) {
        d.kind = DiagnosticKind::kMultiplyDefinedLabel;
        d.key = quoted_key(body);
      } else if (std::smatch fm; std::regex_search(body, fm, kFileNotFound)) {
        d.kind = DiagnosticKind::kMissingFile;
        d.key = fm[1].str();
        add_missing(std::move(d));
        continue;
      } else if (str::starts_with(body, "There were undefined") || str::starts_with(body, "There were multiply") ||
                 str::starts_with(body, "Label(s) may have changed") || body.find("Rerun") != std::string::npos ||
                 body.find("Font shape") != std::string::npos) {
        continue;  // summaries and font substitutions: noise for a writer
      } else {
        d.kind = DiagnosticKind::kWarning;
      }
      (void)start;
      report.diagnostics.push_back(std::move(d));
      continue;
    }

    files.feed(line);
  }
  return report;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string where;
  if (!d.file.empty() && d.line > 0) where = fmt::format("{}:{}: ", d.file, d.line);
  else if (!d.file.empty()) where = d.file + ": ";
  else if (d.line > 0) where = fmt::format("line {}: ", d.line);
  std::string msg = d.message;
  if (d.kind == DiagnosticKind::kOverfullBox) msg = fmt::format("overfull box {:.1f}pt too wide", d.overfull_pt);
  std::string out = fmt::format("{}{}: {}", where, diagnostic_kind_name(d.kind), msg);
  if (!d.context.empty()) {
    for (const auto& l : str::split_lines(d.context)) out += "\n    " + l;
  }
  return out;
}

}  // namespace sci::latex
