// Integrity check units: supported/unsupported numbers, rounding, percentages and
// derived values, exemptions by rule, wrong-direction and within-noise claims,
// run references and hardware/software contradictions.
#include <gtest/gtest.h>

#include "writeup/integrity.h"

namespace sci::writeup {
namespace {

IdeaData tiny_data() {
  IdeaData d;
  RunData r0, r1, r2;
  r0.index = 0;
  r0.info.datasets["moons"].means = {{"test_acc", 0.8712}, {"train_loss", 0.3021}};
  r0.info.datasets["moons"].stderrs = {{"test_acc", 0.0041}, {"train_loss", 0.0102}};
  r1.index = 1;
  r1.info.datasets["moons"].means = {{"test_acc", 0.9124}, {"train_loss", 0.3388}};
  r1.info.datasets["moons"].stderrs = {{"test_acc", 0.0039}, {"train_loss", 0.0121}};
  r2.index = 2;
  r2.info.datasets["moons"].means = {{"test_acc", 0.8745}, {"train_loss", 0.2990}};
  r2.info.datasets["moons"].stderrs = {{"test_acc", 0.0050}, {"train_loss", 0.0100}};
  r1.code = "LR = 0.003\nEPOCHS = 200\n";
  for (auto* r : {&r0, &r1, &r2}) {
    r->environment = {{"gpu.model", "NVIDIA H100 80GB HBM3"}, {"packages.torch", "2.3.1"}, {"python", "3.11.2"},
                      {"memory_mb", "131072"}};
  }
  d.runs = {r0, r1, r2};
  d.directions = {{"test_acc", templates::Direction::kHigher}, {"train_loss", templates::Direction::kLower}};
  d.seeds = 5;
  return d;
}

IntegrityReport check(const std::string& body, std::vector<int> years = {}) {
  IntegrityInput in;
  in.text = "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n";
  in.cited_years = std::move(years);
  in.macros = {{"\\ResRunOneMoonsTestAcc", "0.9124"}, {"\\ResRunZeroMoonsTestAcc", "0.8712"}};
  return check_integrity(in, tiny_data());
}

TEST(IntegrityTest, ExactAndRoundedResultsAreSupported) {
  auto r = check("Accuracy reaches 0.9124, about 0.912 or 0.91 or 91.2\\% (91.24 percent).");
  EXPECT_TRUE(r.unsupported.empty()) << r.to_feedback();
  EXPECT_EQ(r.numbers_supported, 5);
}

TEST(IntegrityTest, InventedNumberIsUnsupportedWithLineAndContext) {
  auto r = check("First line.\nOur method reaches 97.5\\% accuracy.");
  ASSERT_EQ(r.unsupported.size(), 1u);
  EXPECT_EQ(r.unsupported[0].value, "97.5%");
  EXPECT_EQ(r.unsupported[0].line, 4);
  EXPECT_EQ(r.unsupported[0].context, "Our method reaches 97.5\\% accuracy.");
}

TEST(IntegrityTest, WrongRoundingIsUnsupported) {
  auto r = check("Accuracy is 0.9135 and 0.92.");  // 0.9124 rounds to 0.912 / 0.91, never 0.92
  EXPECT_EQ(r.unsupported.size(), 2u) << r.to_feedback();
}

TEST(IntegrityTest, DerivedPercentChangeDifferenceAndRatioAreSupported) {
  // (0.9124-0.8712)/0.8712 = 4.729%; difference 0.0412 = 4.12 points; ratio 1.047.
  auto r = check("A relative gain of 4.73\\%, an absolute gain of 4.12 points (0.0412), ratio 1.047.");
  EXPECT_TRUE(r.unsupported.empty()) << r.to_feedback();
}

TEST(IntegrityTest, MacrosAreExpandedBeforeChecking) {
  auto r = check("We reach \\ResRunOneMoonsTestAcc{} against \\ResRunZeroMoonsTestAcc.");
  EXPECT_TRUE(r.unsupported.empty());
  EXPECT_EQ(r.numbers_supported, 2);
}

TEST(IntegrityTest, StructuralNumbersAreExemptByRule) {
  auto r = check("See Figure~\\ref{fig:a}, Table 2, Section 3 and Eq. 4 as in \\citet{smith2020} (2020).\n"
                 "\\includegraphics[width=0.45\\textwidth]{val_loss_1.png}\\vspace{2mm} $x_1 + w^{2}$ in the 3rd step.",
                 {2020});
  EXPECT_TRUE(r.unsupported.empty()) << r.to_feedback();
}

TEST(IntegrityTest, CodeLiteralsTomlAndCountsSupportSetupNumbers) {
  auto r = check("We train for 200 epochs with learning rate 0.003 on 3 configurations with 5 seeds.");
  EXPECT_TRUE(r.unsupported.empty()) << r.to_feedback();
}

TEST(IntegrityTest, NotesAreNeverEvidence) {
  // 0.975 appears nowhere machine-written (a model could have typed it into notes.txt).
  auto r = check("The tuned model reaches 0.975.");
  EXPECT_EQ(r.unsupported.size(), 1u);
}

TEST(IntegrityTest, WrongDirectionClaimIsFlagged) {
  // train_loss is lower-is-better; run_1 went from 0.3021 to 0.3388.
  auto r = check("Our method improves the training loss from 0.3021 to 0.3388.");
  ASSERT_EQ(r.wrong_direction.size(), 1u) << r.to_feedback();
  EXPECT_TRUE(r.unsupported.empty());
}

TEST(IntegrityTest, ImprovementWithinNoiseIsFlagged) {
  // run_2 vs baseline: 0.8745 vs 0.8712, combined stderr ~0.0065.
  auto r = check("The variant improves accuracy to 0.8745 compared with 0.8712 for the baseline.");
  ASSERT_EQ(r.within_noise.size(), 1u) << r.to_feedback();
  EXPECT_TRUE(r.wrong_direction.empty());
}

TEST(IntegrityTest, RealImprovementIsNotFlagged) {
  auto r = check("Our method improves accuracy from 0.8712 to 0.9124.");
  EXPECT_EQ(r.problem_count(), 0) << r.to_feedback();
}

TEST(IntegrityTest, SingleSeedClaimFlaggedWhenTemplateHasSeveral) {
  auto r = check("With a single seed the gain looks large.");
  EXPECT_EQ(r.single_seed.size(), 1u);
}

TEST(IntegrityTest, RunNumberReferencesAreFlagged) {
  auto r = check("Run 3 shows a drop, and run\\_2 as well.");
  EXPECT_EQ(r.run_references.size(), 2u);
  EXPECT_TRUE(r.unsupported.empty());
}

TEST(IntegrityTest, HardwareAndSoftwareContradictionsAreFlagged) {
  auto r = check("Experiments ran on an NVIDIA V100 with PyTorch 1.13 and Python 3.11.2 on an H100.");
  ASSERT_EQ(r.environment_contradictions.size(), 2u) << r.to_feedback();
  EXPECT_EQ(r.environment_contradictions[0].value, "V100");
  EXPECT_EQ(r.environment_contradictions[1].value, "PyTorch 1.13");
}

TEST(IntegrityTest, MemoryConversionsAreDerived) {
  auto r = check("The machine has 128 GB of memory.");  // 131072 MB / 1024
  EXPECT_TRUE(r.unsupported.empty()) << r.to_feedback();
}

TEST(IntegrityTest, JsonHasTheContractedShape) {
  auto r = check("It reaches 97.5 points.");
  std::string j = r.to_json();
  EXPECT_NE(j.find("\"unsupported\": ["), std::string::npos);
  EXPECT_NE(j.find("\"value\": \"97.5\""), std::string::npos);
  EXPECT_NE(j.find("\"wrong_direction\": []"), std::string::npos);
  EXPECT_NE(j.find("\"within_noise\": []"), std::string::npos);
}

TEST(IntegrityTest, PlainTextFromAPdfIsChecked) {
  IntegrityInput in;
  in.kind = TextKind::kPlain;
  in.text = "1 Introduction\nWe reach 0.9124 accuracy and 99.1% recall.\n3\nReferences\nSmith 2017. Deep 42.\n";
  auto r = check_integrity(in, tiny_data());
  ASSERT_EQ(r.unsupported.size(), 1u) << r.to_feedback();
  EXPECT_EQ(r.unsupported[0].value, "99.1%");
}

TEST(IntegrityTest, MeansOverTheIndexLimitAreNamedInLimitsNotCountedAsProblems) {
  IdeaData d;
  RunData r0;
  r0.index = 0;
  auto& means = r0.info.datasets["many"].means;
  for (size_t i = 0; i <= kMaxIndexedMeans; ++i) means["m" + std::to_string(i)] = 0.25;
  d.runs = {r0};
  IntegrityInput in;
  in.text = "\\documentclass{article}\n\\begin{document}\nWe reach 0.25 here.\n\\end{document}\n";
  auto r = check_integrity(in, d);
  EXPECT_EQ(r.numbers_supported, 1) << r.to_feedback();
  EXPECT_EQ(r.problem_count(), 0) << r.to_feedback();
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_NE(r.limits[0].find(std::to_string(kMaxIndexedMeans + 1) + " means"), std::string::npos) << r.limits[0];
  EXPECT_NE(r.to_json().find("\"limits\": ["), std::string::npos);
  EXPECT_EQ(r.to_feedback().find("indexed"), std::string::npos) << "limits are not feedback for the writer";
}

}  // namespace
}  // namespace sci::writeup
