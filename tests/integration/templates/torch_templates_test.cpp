// Smoke runs of the PyTorch templates (2d_diffusion, grokking, nanoGPT_lite): a tiny
// configuration of each experiment.py and its plot.py, proving the code paths work
// and that their outputs match the template contract. Slow (torch import plus a few
// seconds of training): the suite is named Slow* so `ctest -E Slow` can leave it out.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/fs.h"
#include "proc/run_capture.h"
#include "support/templates_fixtures.h"
#include "support/test_paths.h"
#include "templates/check.h"
#include "templates/final_info.h"
#include "templates/manifest.h"

namespace sci::templates {
namespace {

namespace stdfs = std::filesystem;

struct Case {
  const char* name;
  const char* quick_flag;
  std::vector<std::string> datasets;
};

bool have_torch() {
  static const bool ok = [] {
    auto r = proc::run_capture({"/usr/bin/python3", "-c", "import torch, scipy, matplotlib"}, std::chrono::seconds(120));
    return r.ok() && r->exit_code == 0;
  }();
  return ok;
}

class SlowTorchTemplates : public ::testing::TestWithParam<Case> {};

TEST_P(SlowTorchTemplates, QuickRunWritesContractOutputsAndPlots) {
  if (!have_torch()) GTEST_SKIP() << "needs /usr/bin/python3 with torch, scipy, matplotlib (python3-torch)";
  const Case& c = GetParam();
  auto dir = sci::testing::copy_shipped_template(c.name, sci::testing::fresh_temp_dir("t") / c.name);
  auto run = proc::run_capture({"env", "-C", dir.string(), "/usr/bin/python3", "experiment.py", c.quick_flag,
                                "--out_dir=run_0"},
                               std::chrono::seconds(240));
  ASSERT_TRUE(run.ok()) << run.error().to_string();
  ASSERT_FALSE(run->timed_out) << run->output;
  ASSERT_EQ(run->exit_code, 0) << run->output;

  auto info = load_final_info(dir / "run_0" / "final_info.json");
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  std::vector<std::string> datasets;
  for (const auto& [d, _] : info->datasets) datasets.push_back(d);
  EXPECT_EQ(datasets, c.datasets);
  // Every reported metric is declared with a direction, and every declared one is reported.
  auto manifest = load_manifest(dir);
  ASSERT_TRUE(manifest.ok());
  std::vector<std::string> declared;
  for (const auto& [m, spec] : manifest->metrics) {
    declared.push_back(m);
    EXPECT_NE(spec.direction, Direction::kUnknown) << m;
  }
  EXPECT_EQ(info->metric_names(), declared);
  for (const auto& [d, res] : info->datasets)
    for (const auto& [m, v] : res.means) EXPECT_TRUE(std::isfinite(v)) << d << "/" << m;

  auto plot = proc::run_capture({"env", "-C", dir.string(), "/usr/bin/python3", "plot.py"}, std::chrono::seconds(180));
  ASSERT_TRUE(plot.ok());
  ASSERT_EQ(plot->exit_code, 0) << plot->output;
  auto tex = fs::read_file(dir / "latex" / "template.tex");
  ASSERT_TRUE(tex.ok());
  auto targets = includegraphics_targets(*tex);
  ASSERT_FALSE(targets.empty());
  for (const auto& t : targets) {
    auto png = fs::read_file(dir / t);
    ASSERT_TRUE(png.ok()) << t << " was not written by plot.py";
    EXPECT_EQ(png->compare(0, 4, "\x89PNG"), 0) << t;
  }
}

// The torch templates spread their runs over worker processes; the results must not
// depend on how many (each run is seeded). Timing metrics are left out of the comparison.
struct ParallelCase {
  const char* name;
  const char* quick_flag;
  std::vector<std::string> timing_metrics;
};

class ParallelTorchTemplates : public ::testing::TestWithParam<ParallelCase> {};

TEST_P(ParallelTorchTemplates, TwoWorkerProcessesGiveTheResultsOfOne) {
  if (!have_torch()) GTEST_SKIP() << "needs /usr/bin/python3 with torch, scipy, matplotlib (python3-torch)";
  const ParallelCase& c = GetParam();
  auto dir = sci::testing::copy_shipped_template(c.name, sci::testing::fresh_temp_dir("p") / c.name);
  std::map<std::string, FinalInfo> infos;
  for (const char* workers : {"1", "2"}) {
    std::string out = std::string("run_w") + workers;
    auto run = proc::run_capture({"env", "-C", dir.string(), "/usr/bin/python3", "experiment.py", c.quick_flag,
                                  std::string("--workers=") + workers, "--out_dir=" + out},
                                 std::chrono::seconds(240));
    ASSERT_TRUE(run.ok()) << run.error().to_string();
    ASSERT_FALSE(run->timed_out) << run->output;
    ASSERT_EQ(run->exit_code, 0) << run->output;
    auto info = load_final_info(dir / out / "final_info.json");
    ASSERT_TRUE(info.ok()) << info.error().to_string();
    infos.emplace(workers, *info);
  }
  const FinalInfo& one = infos.at("1");
  const FinalInfo& two = infos.at("2");
  ASSERT_EQ(one.datasets.size(), two.datasets.size());
  for (const auto& [dataset, result] : one.datasets) {
    ASSERT_TRUE(two.datasets.count(dataset)) << dataset;
    for (const auto& [metric, value] : result.means) {
      if (std::find(c.timing_metrics.begin(), c.timing_metrics.end(), metric) != c.timing_metrics.end()) continue;
      EXPECT_DOUBLE_EQ(value, two.datasets.at(dataset).means.at(metric)) << dataset << "/" << metric;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Templates, ParallelTorchTemplates,
                         ::testing::Values(ParallelCase{"grokking", "--quick", {}},
                                           ParallelCase{"2d_diffusion", "--quick", {"training_time", "inference_time"}},
                                           ParallelCase{"nanoGPT_lite", "--smoke",
                                                        {"total_train_time", "avg_inference_tokens_per_second"}}),
                         [](const ::testing::TestParamInfo<ParallelCase>& p) {
                           return std::string(p.param.name) == "2d_diffusion" ? std::string("diffusion_2d")
                                                                             : std::string(p.param.name);
                         });

INSTANTIATE_TEST_SUITE_P(
    Templates, SlowTorchTemplates,
    ::testing::Values(Case{"2d_diffusion", "--quick", {"circle", "dino", "line", "moons"}},
                      Case{"grokking", "--quick", {"permutation", "x_div_y", "x_minus_y", "x_plus_y"}},
                      Case{"nanoGPT_lite", "--smoke", {"shakespeare_char"}}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.name) == "2d_diffusion"
                                                                ? std::string("diffusion_2d")
                                                                : std::string(p.param.name); });

}  // namespace
}  // namespace sci::templates
