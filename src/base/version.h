// The tool's version string (from CMake's project version), for --version, run
// records and bug reports.
#pragma once

namespace sci {

const char* version();

}  // namespace sci
