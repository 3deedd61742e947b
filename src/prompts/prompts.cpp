// Prompt lookup and rendering; see prompts.h.
#include "prompts/prompts.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "base/fs.h"

namespace sci::prompts {

Result<std::string> get(const std::string& name) {
  if (const char* dir = std::getenv("SCIENTIST_PROMPTS_DIR"); dir && *dir) {
    auto path = std::filesystem::path(dir) / (name + ".txt");
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return fs::read_file(path);
  }
  const auto& all = builtin();
  auto it = all.find(name);
  if (it == all.end())
    return make_error(ErrorCode::kNotFound, fmt::format("prompt '{}' not found in prompts/", name));
  return it->second;
}

Result<std::string> render_text(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    std::string var = text.substr(open + 2, close - open - 2);
    out.append(text, pos, open - pos);
    auto it = vars.find(var);
    if (it == vars.end())
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("prompt variable '{{{{{}}}}}' has no value", var));
    out += it->second;
    pos = close + 2;
  }
  return out;
}

Result<std::string> render(const std::string& name, const std::map<std::string, std::string>& vars) {
  SCI_ASSIGN_OR_RETURN(std::string text, get(name));
  auto r = render_text(text, vars);
  if (!r.ok()) return r.error().with_context("prompt " + name);
  return r;
}

}  // namespace sci::prompts
