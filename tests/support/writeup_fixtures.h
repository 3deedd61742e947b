// Shared helpers for writeup tests: the fixture idea directories under
// tests/golden/writeup/ and a manifest matching their template.toml.
#pragma once

#include <filesystem>
#include <string>

#include "templates/manifest.h"

namespace sci::testing {

// tests/golden/writeup/<name>
std::filesystem::path writeup_fixture(const std::string& name);
// Copies a fixture idea directory into a fresh temp dir and returns the copy.
std::filesystem::path copy_writeup_fixture(const std::string& name, const std::string& temp_name);
// The manifest of idea_basic: test_acc higher, train_loss lower, page limit 8, timeout 600 s.
templates::Manifest writeup_basic_manifest();

}  // namespace sci::testing
