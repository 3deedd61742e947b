// Failpoints: named places where a test can make this process die exactly there, as if
// it had crashed (SIGKILL to itself), to prove that `resume` survives the worst moment.
// A failpoint fires when the environment variable SCI_FAILPOINT names it; without the
// variable it does nothing. Tests set it for one process only; users never need it.
#pragma once

#include <string_view>

namespace sci {

// Kills this process with SIGKILL when SCI_FAILPOINT equals `name`.
void failpoint(std::string_view name);

}  // namespace sci
