// The version string compiled in from CMakeLists.txt's project(VERSION).
#include "base/version.h"

#ifndef SCI_VERSION
#define SCI_VERSION "unknown"
#endif

namespace sci {

const char* version() { return SCI_VERSION; }

}  // namespace sci
