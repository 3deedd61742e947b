// FakeScriptRunner and PNG writers; see experiment_fake_script_runner.h.
#include "support/experiment_fake_script_runner.h"

#include <png.h>

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace sci::testing {

Result<experiment::ScriptResult> FakeScriptRunner::run(const templates::Manifest&,
                                                       const experiment::ScriptRequest& request) {
  requests_.push_back(request);
  if (steps_.empty())
    return make_error(ErrorCode::kInternal, fmt::format("FakeScriptRunner: no step scripted for call {}", requests_.size()));
  FakeScriptStep step = std::move(steps_.front());
  steps_.pop_front();
  if (step.effect) step.effect(request.idea_dir);
  experiment::ScriptResult r;
  r.status = step.status;
  r.stderr_tail = step.stderr_tail;
  r.sandbox_level = "fake";
  r.wall_s = 0.5;
  r.exit_code = step.status == experiment::ScriptStatus::kSucceeded ? 0 : 1;
  r.message = step.status == experiment::ScriptStatus::kSucceeded ? "succeeded"
              : step.status == experiment::ScriptStatus::kTimedOut
                  ? fmt::format("timed out after {} s", request.timeout_s)
                  : "exit code 1";
  return r;
}

void write_test_png(const std::filesystem::path& path, int pattern, std::uint32_t width, std::uint32_t height) {
  std::vector<png_byte> pixels(static_cast<size_t>(width) * height * 3, 255);
  if (pattern != 0) {
    for (std::uint32_t x = 0; x < width; ++x) {
      double t = static_cast<double>(x) / width;
      auto y = static_cast<std::uint32_t>((0.5 + 0.4 * std::sin(t * 6.28 * pattern)) * (height - 1));
      for (std::uint32_t dy = 0; dy < 3 && y + dy < height; ++dy) {
        png_byte* p = &pixels[((y + dy) * width + x) * 3];
        p[0] = 31, p[1] = 119, p[2] = 180;
      }
      std::uint32_t d = x * height / width;  // axis-like diagonal
      png_byte* q = &pixels[(d * width + x) * 3];
      q[0] = q[1] = q[2] = 0;
    }
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr);
  png_image_free(&image);
}

}  // namespace sci::testing
