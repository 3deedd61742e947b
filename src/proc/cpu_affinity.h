// CPU affinity: the CPUs this process may run on (what the executor splits among its
// slots) and the "0,2-3" list syntax of `--cpus`. Pinning a child is done by
// PosixProcessRunner (ProcessSpec::cpu_ids), between fork and exec.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"

namespace sci::proc {

// CPU ids this process may run on (sched_getaffinity), ascending. When the kernel
// will not say, 0 .. hardware_concurrency-1. Never empty. Thread-safe.
std::vector<int> allowed_cpu_ids();

// Parses "0,1" or "0-3,6" into ascending, unique ids. kInvalidArgument naming the bad
// part for anything else (empty items, negative numbers, reversed ranges, text).
Result<std::vector<int>> parse_cpu_list(std::string_view text);

}  // namespace sci::proc
