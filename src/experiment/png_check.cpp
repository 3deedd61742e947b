// PNG decoding with libpng's simplified API (png_image: no setjmp/longjmp in our code)
// and the figure checks built on it; see png_check.h.
#include "experiment/png_check.h"

#include <png.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>

#include "base/confined_fs.h"
#include "base/fs.h"

namespace sci::experiment {

namespace stdfs = std::filesystem;

Result<PngStats> inspect_png(const stdfs::path& path) {
  // plot.py wrote the file: read without following a link, bounded, then decoded from memory.
  auto bytes = fs::read_file_beneath(path.has_parent_path() ? path.parent_path() : stdfs::path("."), path.filename(),
                                     fs::kMaxFigureBytes);
  if (!bytes.ok()) {
    if (bytes.error().code == ErrorCode::kNotFound)
      return make_error(ErrorCode::kNotFound, fmt::format("{} not found", path.string()));
    return make_error(ErrorCode::kParse, bytes.error().message);
  }
  PngStats stats;
  stats.file_bytes = bytes->size();
  if (stats.file_bytes == 0) return make_error(ErrorCode::kParse, fmt::format("{} is empty", path.string()));

  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes->data(), bytes->size())) {
    std::string why = image.message;
    png_image_free(&image);
    return make_error(ErrorCode::kParse, fmt::format("{} is not a readable PNG: {}", path.string(), why));
  }
  image.format = PNG_FORMAT_RGBA;
  // Refuse absurd sizes before allocating (a 100k x 100k canvas would need 40 GB).
  if (static_cast<std::uint64_t>(image.width) * image.height > (200ull << 20)) {
    png_image_free(&image);
    return make_error(ErrorCode::kParse,
                      fmt::format("{} is {}x{} pixels: too large for a figure", path.string(), image.width, image.height));
  }
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
    std::string why = image.message;
    png_image_free(&image);
    return make_error(ErrorCode::kParse, fmt::format("{} is a corrupt PNG: {}", path.string(), why));
  }
  stats.width = image.width;
  stats.height = image.height;
  png_image_free(&image);

  const size_t n = static_cast<size_t>(stats.width) * stats.height;
  if (n == 0) return make_error(ErrorCode::kParse, fmt::format("{} has no pixels", path.string()));
  double sum = 0, sum_sq = 0;
  std::unordered_map<std::uint32_t, size_t> counts;
  for (size_t i = 0; i < n; ++i) {
    const png_byte* p = &pixels[i * 4];
    // Composite over white so a transparent canvas counts as the white it shows.
    double a = p[3] / 255.0;
    double r = p[0] * a + 255.0 * (1 - a), g = p[1] * a + 255.0 * (1 - a), b = p[2] * a + 255.0 * (1 - a);
    double luma = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += luma;
    sum_sq += luma * luma;
    std::uint32_t key = (static_cast<std::uint32_t>(r + 0.5) << 16) | (static_cast<std::uint32_t>(g + 0.5) << 8) |
                        static_cast<std::uint32_t>(b + 0.5);
    ++counts[key];
  }
  double mean = sum / static_cast<double>(n);
  stats.luma_variance = std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean);
  size_t most = 0;
  for (const auto& [colour, c] : counts) most = std::max(most, c);
  stats.distinct_fraction = static_cast<double>(n - most) / static_cast<double>(n);
  std::string material = fmt::format("{}x{}:", stats.width, stats.height);
  material.append(reinterpret_cast<const char*>(pixels.data()), pixels.size());
  stats.pixel_sha256 = fs::sha256_hex(material);
  return stats;
}

bool is_blank(const PngStats& stats, const BlankRule& rule) {
  return stats.luma_variance < rule.min_luma_variance || stats.distinct_fraction < rule.min_distinct_fraction;
}

FigureCheck check_figures(const stdfs::path& idea_dir, const std::vector<std::string>& expected, const BlankRule& rule) {
  FigureCheck out;
  out.figures = expected;
  std::sort(out.figures.begin(), out.figures.end());
  out.figures.erase(std::unique(out.figures.begin(), out.figures.end()), out.figures.end());
  std::map<std::string, std::string> by_hash;  // pixel hash -> first file with it
  for (const auto& rel : out.figures) {
    auto stats = inspect_png(idea_dir / rel);
    if (!stats.ok()) {
      const Error& e = stats.error();
      std::string problem = e.code == ErrorCode::kNotFound ? "was not written by plot.py" : e.message;
      out.problems.push_back({rel, problem});
      continue;
    }
    if (is_blank(*stats, rule)) {
      out.problems.push_back(
          {rel, fmt::format("is blank: {}x{} pixels, {:.2f}% of them differ from the background (luma variance {:.3g}); "
                            "the plotted data is probably missing",
                            stats->width, stats->height, 100.0 * stats->distinct_fraction, stats->luma_variance)});
      continue;
    }
    auto [it, inserted] = by_hash.emplace(stats->pixel_sha256, rel);
    if (!inserted)
      out.problems.push_back({rel, fmt::format("is pixel-for-pixel identical to {}; each figure must show something "
                                               "different",
                                               it->second)});
  }
  return out;
}

}  // namespace sci::experiment
