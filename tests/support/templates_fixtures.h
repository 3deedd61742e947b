// Template fixtures for tests: copies of the shipped templates (without run_* or
// figures) and a minimal valid template that tests break one piece at a time.
#pragma once

#include <filesystem>
#include <string>

namespace sci::testing {

// The shipped templates directory (<source>/templates).
std::filesystem::path shipped_templates_dir();

// Copies <source>/templates/<name> into `dest` (created), leaving out run_* dirs,
// PNGs, LaTeX build products and __pycache__. Returns `dest`.
std::filesystem::path copy_shipped_template(const std::string& name, const std::filesystem::path& dest);

// Copies the small valid template tests/support/minimal_template into `dir` (created):
// a numpy experiment with one dataset, a plot.py with `labels` writing curve.png, prompt.json, seed_ideas.json,
// template.toml with directions, latex/template.tex + references.bib, literature.bib.
void write_minimal_template(const std::filesystem::path& dir);

// Overwrites dir/rel with `content` (creating parent directories).
void write_text(const std::filesystem::path& dir, const std::string& rel, const std::string& content);

}  // namespace sci::testing
