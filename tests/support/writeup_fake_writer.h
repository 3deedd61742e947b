// A scripted paper writer for writeup tests: fills the fixture template section by
// section, first with an invented number (97.5%) and a duplicated Results header, and
// corrects both only when the check round sends them back; cites what it is given.
#pragma once

#include <string>

namespace sci::testing {

// The script for ScriptedPaperEditor (instruction, current .tex) -> new .tex.
std::string writeup_fake_writer(const std::string& instruction, std::string tex);

// The idea the fake writer writes about (for the topic-drift check).
inline constexpr const char* kWriteupFakeIdeaTitle = "Cyclical learning rates for two-moons classification";
inline constexpr const char* kWriteupFakeIdeaDescription =
    "Replace the constant learning rate of the classifier with a cyclical schedule and compare accuracy.";

}  // namespace sci::testing
