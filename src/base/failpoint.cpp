// Failpoints; see failpoint.h.
#include "base/failpoint.h"

#include <csignal>
#include <cstdlib>
#include <string>

#include "base/log.h"

namespace sci {

void failpoint(std::string_view name) {
  static const char* armed = std::getenv("SCI_FAILPOINT");
  if (armed == nullptr || name != armed) return;
  log::warn("failpoint {}: killing this process (SCI_FAILPOINT is set)", std::string(name));
  std::raise(SIGKILL);
}

}  // namespace sci
