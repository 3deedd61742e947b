// env::snapshot(); see environment.h.
#include "base/environment.h"

extern char** environ;

namespace sci::env {

std::map<std::string, std::string> snapshot() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) out.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

}  // namespace sci::env
