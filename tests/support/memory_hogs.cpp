// See memory_hogs.h.
#include "support/memory_hogs.h"

#include <fmt/format.h>

namespace sci::testing {

std::string memory_hogs_script(int children, int mb_each, int hold_s) {
  return fmt::format(
      "import os, time\n"
      "kids = []\n"
      "for i in range({}):\n"
      "    pid = os.fork()\n"
      "    if pid == 0:\n"
      "        block = b'\\x01' * ({} << 20)\n"
      "        time.sleep({})\n"
      "        os._exit(0)\n"
      "    kids.append(pid)\n"
      "bad = sum(os.waitpid(p, 0)[1] != 0 for p in kids)\n"
      "raise SystemExit(1 if bad else 0)\n",
      children, mb_each, hold_s);
}

}  // namespace sci::testing
