// The process environment as a map: read once at the edges (config, doctor,
// sandbox allow-lists) so the rest of the code takes environments as values.
#pragma once

#include <map>
#include <string>

namespace sci::env {

std::map<std::string, std::string> snapshot();

}  // namespace sci::env
