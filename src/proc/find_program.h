// Locating external programs (pdflatex, bwrap, python3) on PATH without running them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sci::proc {

// Absolute path of `name` (searched in $PATH unless it contains '/'), if it exists
// and is executable.
std::optional<std::filesystem::path> find_program(const std::string& name);

}  // namespace sci::proc
