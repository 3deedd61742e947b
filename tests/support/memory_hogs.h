// The memory-limit tests' load: a Python script whose children each touch and hold
// memory together.
#pragma once

#include <string>

namespace sci::testing {

// Python source: `children` forked children each touch `mb_each` MB and hold it for
// `hold_s` seconds, all at once; exits 1 when any child did not exit cleanly.
std::string memory_hogs_script(int children, int mb_each, int hold_s = 4);

}  // namespace sci::testing
