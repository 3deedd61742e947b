// Figure checks for the plot stage: decode a PNG (libpng) and measure whether it is a
// real figure: present, non-empty, decodable, not blank (pixel variance) and not a
// duplicate of another figure (hash of the decoded pixels).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace sci::experiment {

struct PngStats {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uintmax_t file_bytes = 0;
  double luma_variance = 0;      // variance of 8-bit luma over all pixels (0 = one colour)
  double distinct_fraction = 0;  // pixels differing from the most common colour / all pixels
  std::string pixel_sha256;      // hash of the decoded RGBA pixels and the size
};

// Decodes `path`. Errors: kNotFound (missing), kParse (not a PNG or corrupt: the
// libpng message), kIo. Images are decoded to 8-bit RGBA whatever their format.
Result<PngStats> inspect_png(const std::filesystem::path& path);

// A figure is blank when nearly every pixel has the same colour: less than
// `min_distinct_fraction` of the pixels differ from the most common one, or the luma
// variance is below `min_luma_variance`. An empty matplotlib canvas with only axes
// and ticks is not blank by this rule; a white (or single-colour) image is.
struct BlankRule {
  double min_luma_variance = 1.0;
  double min_distinct_fraction = 0.002;
};
bool is_blank(const PngStats& stats, const BlankRule& rule = {});

struct FigureProblem {
  std::string file;     // relative to the idea directory
  std::string problem;  // one line, for the model and people
};

struct FigureCheck {
  std::vector<std::string> figures;       // relative paths checked, sorted
  std::vector<FigureProblem> problems;    // empty = every figure is fine
  bool ok() const { return problems.empty(); }
};

// Checks `expected` (relative paths under `idea_dir`): each must exist, be non-empty,
// decode, not be blank, and differ from every other (decoded pixels).
FigureCheck check_figures(const std::filesystem::path& idea_dir, const std::vector<std::string>& expected,
                          const BlankRule& rule = {});

}  // namespace sci::experiment
