// Measures the integrity checker on labelled papers (planted errors vs. correct
// numbers, see integrity_fixtures/README.md) and asserts its precision and recall.
#include <cstdio>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/strings.h"
#include "support/writeup_fixtures.h"
#include "writeup/integrity.h"
#include "writeup/results_tex.h"
#include "writeup/run_data.h"

namespace sci::writeup {
namespace {

struct Score {
  int tp = 0, fp = 0, fn = 0;
};

Score score_paper(const std::string& name, const IdeaData& data, const GeneratedTex& gen, std::string* log) {
  auto text = fs::read_file(testing::writeup_fixture("integrity_fixtures/" + name));
  EXPECT_TRUE(text.ok()) << name;
  if (!text.ok()) return {};
  IntegrityInput in;
  in.kind = str::ends_with(name, ".txt") ? TextKind::kPlain : TextKind::kLatex;
  in.macros = gen.macros;
  in.cited_years = {2015};
  std::set<int> planted;
  auto lines = str::split_lines(*text);
  static const std::regex kTxtLabel(R"(\s*\[PLANTED: [a-z_]+\])");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find("PLANTED") != std::string::npos) planted.insert(static_cast<int>(i) + 1);
    lines[i] = std::regex_replace(lines[i], kTxtLabel, "");
  }
  in.text = str::join(lines, "\n") + "\n";
  auto report = check_integrity(in, data);
  std::set<int> flagged;
  for (const auto* v : {&report.unsupported, &report.wrong_direction, &report.within_noise, &report.single_seed,
                        &report.run_references, &report.environment_contradictions})
    for (const auto& f : *v) flagged.insert(f.line);
  Score s;
  for (int line : flagged) {
    if (planted.count(line)) {
      ++s.tp;
    } else {
      ++s.fp;
      *log += fmt::format("{}: false positive on line {}: {}\n", name, line, lines[static_cast<size_t>(line - 1)]);
    }
  }
  for (int line : planted)
    if (!flagged.count(line)) {
      ++s.fn;
      *log += fmt::format("{}: missed planted error on line {}: {}\n", name, line, lines[static_cast<size_t>(line - 1)]);
    }
  return s;
}

TEST(IntegrityFixturesTest, PrecisionAndRecallOnLabelledPapers) {
  auto manifest = testing::writeup_basic_manifest();
  auto data = load_idea_data(testing::writeup_fixture("idea_basic"), &manifest);
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  auto gen = generate_tex(*data, &manifest);
  Score total;
  std::string log;
  for (const char* name : {"paper_a.tex", "paper_b.tex", "paper_c.tex", "paper_d.txt"}) {
    Score s = score_paper(name, *data, gen, &log);
    total.tp += s.tp;
    total.fp += s.fp;
    total.fn += s.fn;
  }
  double precision = total.tp + total.fp > 0 ? static_cast<double>(total.tp) / (total.tp + total.fp) : 1.0;
  double recall = total.tp + total.fn > 0 ? static_cast<double>(total.tp) / (total.tp + total.fn) : 1.0;
  std::printf("integrity checker on %d planted errors: precision %.3f (tp %d, fp %d), recall %.3f (fn %d)\n%s",
              total.tp + total.fn, precision, total.tp, total.fp, recall, total.fn, log.c_str());
  RecordProperty("precision", fmt::format("{:.3f}", precision));
  RecordProperty("recall", fmt::format("{:.3f}", recall));
  EXPECT_EQ(total.tp + total.fn, 18);  // the labelled set itself
  EXPECT_GE(precision, 0.9) << log;
  EXPECT_GE(recall, 0.8) << log;
}

}  // namespace
}  // namespace sci::writeup
