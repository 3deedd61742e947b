// Traceback parsing for the loop guard; see error_signature.h.
#include "experiment/error_signature.h"

#include <cctype>
#include <regex>

#include <fmt/format.h>

#include "base/fs.h"
#include "base/strings.h"

namespace sci::experiment {

std::string ErrorSignature::describe() const {
  if (exception_type.empty() && last_frame.empty()) return "the same failure";
  if (last_frame.empty()) return exception_type;
  if (exception_type.empty()) return "an error at " + last_frame;
  return exception_type + " at " + last_frame;
}

ErrorSignature error_signature(RunStatus status, std::string_view stderr_text) {
  ErrorSignature sig;
  auto lines = str::split_lines(stderr_text);
  static const std::regex kFrame(R"re(^\s*File "([^"]*)", line \d+, in (.+)$)re");
  static const std::regex kException(R"re(^([A-Za-z_][A-Za-z0-9_.]*(Error|Exception|Interrupt|Exit|Warning|Fault)|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*)(:.*)?$)re");
  bool traceback = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (str::starts_with(line, "Traceback (most recent call last)")) traceback = true;
    std::smatch m;
    if (traceback && std::regex_match(line, m, kFrame)) {
      std::string file = std::filesystem::path(m[1].str()).filename().string();
      std::string code;
      if (i + 1 < lines.size() && !std::regex_match(lines[i + 1], kFrame))
        code = std::string(str::trim(lines[i + 1]));
      sig.last_frame = fmt::format("{} in {}", file, std::string(str::trim(m[2].str())));
      if (!code.empty() && !str::starts_with(code, "^") && !str::starts_with(code, "~")) sig.last_frame += ": " + code;
    } else if (traceback && !line.empty() && !std::isspace(static_cast<unsigned char>(line[0])) &&
               std::regex_match(line, m, kException)) {
      sig.exception_type = m[1].str();
    }
  }
  if (!sig.exception_type.empty() || !sig.last_frame.empty()) {
    sig.hash = fs::sha256_hex(sig.exception_type + "\n" + sig.last_frame);
    return sig;
  }
  // No traceback: the status and the last meaningful line, numbers blanked.
  std::string last;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto t = str::trim(*it);
    if (!t.empty()) { last = std::string(t); break; }
  }
  for (char& c : last)
    if (std::isdigit(static_cast<unsigned char>(c))) c = '#';
  sig.exception_type = run_status_name(status);
  sig.hash = fs::sha256_hex(std::string(run_status_name(status)) + "\n" + last);
  return sig;
}

}  // namespace sci::experiment
