// Finding live processes by a marker in their command line, so hostile-code tests can
// assert that nothing a run started survives it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sci::testing {

// Live (non-zombie) processes whose command line contains `marker`.
std::vector<pid_t> processes_with_marker(const std::string& marker);

}  // namespace sci::testing
