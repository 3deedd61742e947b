// The whole loop through the built binary on the fast template with the scripted
// cassette: every artifact of a finished batch; the same run through the real HTTP
// client against `llm serve-cassette` (costs metered, the key never written down);
// a budget stop and its resume; 3 ideas on 2 slots; and `scientist status`.
#include <signal.h>

#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "proc/cpu_affinity.h"
#include "support.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

json read_json(const stdfs::path& path) {
  auto text = fs::read_file(path);
  return text.ok() ? json::parse(*text, nullptr, false) : json();
}

std::vector<std::string> replay_args(const stdfs::path& tmpl, const stdfs::path& batch) {
  return {"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas", "2", "--replay",
          demo_cassette().string(), "--engine", "local", "--results", batch.string()};
}

// A cassette server in the background; its base URL once it listens.
struct CassetteServerProcess {
  explicit CassetteServerProcess(const stdfs::path& dir, const stdfs::path& cassette = demo_cassette())
      : ready(dir / "server.url"),
        process({"llm", "serve-cassette", cassette.string(), "--ready-file", ready.string()}, dir / "server.log") {
    wait_until([&] { return stdfs::exists(ready); }, std::chrono::seconds(20));
    auto text = fs::read_file(ready);
    if (text.ok()) url = text->substr(0, text->find('\n'));
  }
  stdfs::path ready;
  BackgroundScientist process;
  std::string url;
};

void expect_finished_idea(const stdfs::path& dir, const std::string& name) {
  SCOPED_TRACE(name);
  for (const char* run : {"run_1", "run_2"}) {
    json info = read_json(dir / run / "final_info.json");
    ASSERT_TRUE(info.is_object()) << run;
    EXPECT_FALSE(info.empty());
  }
  int figures = 0;
  for (const auto& e : stdfs::directory_iterator(dir))
    if (e.path().extension() == ".png") ++figures;
  EXPECT_GE(figures, 1);
  auto notes = fs::read_file(dir / "notes.txt");
  ASSERT_TRUE(notes.ok());
  EXPECT_NE(notes->find(".png"), std::string::npos) << "the notes stage describes the figures";
  auto pdf = fs::read_file(dir / (name + ".pdf"));
  ASSERT_TRUE(pdf.ok()) << "no PDF";
  EXPECT_EQ(pdf->rfind("%PDF", 0), 0u);
  EXPECT_GT(pdf->size(), 20000u);
  json review = read_json(dir / "review.json");
  ASSERT_TRUE(review.is_object());
  EXPECT_FALSE(review.dump().find("Overall") == std::string::npos) << review.dump();
  json integrity = read_json(dir / "integrity.json");
  ASSERT_TRUE(integrity.is_object());
  json state = read_json(dir / "state.json");
  EXPECT_EQ(state.value("next", state.value("stage", "")), "done") << state.dump();
  EXPECT_TRUE(stdfs::exists(dir / "transcript.md"));
}

TEST(PipelineE2E, CassetteRunProducesEveryArtifactOffline) {
  auto dir = fresh_temp_dir("pipeline_cassette");
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  auto r = run_scientist(replay_args(tmpl, batch), dir, {}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("replaying"), std::string::npos) << "the run says plainly that it replays";
  EXPECT_NE(r.output.find("estimate:"), std::string::npos);
  EXPECT_TRUE(stdfs::exists(tmpl / "run_0" / "final_info.json")) << "the baseline was built first";

  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u);
  for (const auto& [name, idea_dir] : ideas) expect_finished_idea(idea_dir, name);

  json summary = read_json(batch / "summary.json");
  EXPECT_EQ(summary.value("status", ""), "all_done") << summary.dump();
  ASSERT_EQ(summary["ideas"].size(), 2u);
  for (const auto& idea : summary["ideas"]) {
    EXPECT_GE(idea.value("review_overall", -1.0), 1.0);
    EXPECT_TRUE(idea["stage_wall_s"].contains("experiment"));
    EXPECT_TRUE(idea.contains("cost_usd"));
  }
  json record = read_json(batch / "run_config.json");
  EXPECT_FALSE(record.value("template_hash", "").empty());
  EXPECT_FALSE(record.value("version", "").empty());
  auto [lines, tags] = journal_lines_and_distinct_tags(batch);
  EXPECT_EQ(lines, 76u) << "every scripted reply served once";
  EXPECT_EQ(tags, lines);

  auto status = run_scientist({"status", batch.string(), "--json"}, dir, {}, 60);
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("lr_warmup_cosine"), std::string::npos);

  // A second `run` into the same batch is refused with the way to continue it.
  auto again = run_scientist(replay_args(tmpl, batch), dir, {}, 60);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("scientist resume"), std::string::npos) << again.output;
}

TEST(PipelineE2E, LiveHttpClientAgainstALoopbackCassetteServerMetersCostAndNeverWritesTheKey) {
  auto dir = fresh_temp_dir("pipeline_http");
  auto tmpl = copy_fast_template(dir);
  CassetteServerProcess server(dir);
  ASSERT_FALSE(server.url.empty()) << fs::read_file(dir / "server.log").value_or("");
  auto batch = dir / "batch";
  const std::string secret = "sk-e2e-do-not-log-4f7a9c1b";
  auto r = run_scientist({"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas", "2",
                          "--engine", "local", "--results", batch.string(), "--model", "gpt-4o", "--base-url",
                          server.url + "/v1"},
                         dir, {"OPENAI_API_KEY=" + secret}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u);
  for (const auto& [name, idea_dir] : ideas) expect_finished_idea(idea_dir, name);
  json summary = read_json(batch / "summary.json");
  EXPECT_GT(summary.value("cost_usd", 0.0), 0.0) << "gpt-4o prices applied to the served usage";
  EXPECT_EQ(r.output.find(secret), std::string::npos);
  EXPECT_TRUE(files_containing(batch, secret).empty()) << "the API key reached a file";
  EXPECT_TRUE(files_containing(batch, "4f7a9c1b").empty());
}

TEST(PipelineE2E, BudgetCapStopsCleanlyAndResumeWithAHigherCapFinishes) {
  auto dir = fresh_temp_dir("pipeline_budget");
  auto tmpl = copy_fast_template(dir);
  CassetteServerProcess server(dir);
  ASSERT_FALSE(server.url.empty());
  auto batch = dir / "batch";
  std::vector<std::string> env = {"OPENAI_API_KEY=sk-test"};
  auto r = run_scientist({"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas", "2",
                          "--engine", "local", "--results", batch.string(), "--model", "gpt-4o", "--base-url",
                          server.url + "/v1", "--budget-usd", "0.15"},
                         dir, env, 600);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  json stopped = read_json(batch / "summary.json");
  EXPECT_EQ(stopped.value("status", ""), "budget_stopped") << stopped.dump();
  EXPECT_LE(stopped.value("cost_usd", 1.0), 0.15 + 1e-9);
  auto before = finished_artifacts(batch);

  auto resumed = run_scientist({"--config", demo_config().string(), "resume", batch.string(), "--budget-usd", "100"},
                               dir, env, 600);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto ideas = idea_dirs(batch);
  ASSERT_EQ(ideas.size(), 2u);
  for (const auto& [name, idea_dir] : ideas) expect_finished_idea(idea_dir, name);
  auto after = finished_artifacts(batch);
  for (const auto& [path, hash] : before) EXPECT_EQ(after[path], hash) << path << " changed on resume";
  auto [lines, tags] = journal_lines_and_distinct_tags(batch);
  EXPECT_EQ(lines, tags) << "an LLM call was paid twice";
}

TEST(PipelineE2E, ThreeIdeasOnTwoGpuSlotsRunTwoAtATimeOneGpuEach) {
  auto dir = fresh_temp_dir("pipeline_parallel");
  auto tmpl = copy_fast_template(dir);
  // A cassette for three ideas: the label_smoothing replies serve a copy of that idea too.
  std::ifstream in(demo_cassette());
  std::ofstream out(dir / "three.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    out << line << "\n";
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("tag") || j["tag"].value("idea", "") != "label_smoothing") continue;
    j["tag"]["idea"] = "label_smoothing_again";
    out << j.dump() << "\n";
  }
  out.close();
  json ideas_file = json::array();
  for (const char* name : {"lr_warmup_cosine", "label_smoothing", "label_smoothing_again"})
    ideas_file.push_back({{"Name", name},
                          {"Title", std::string("Study ") + name},
                          {"Experiment", "Change the training of experiment.py as the name says and compare."},
                          {"Interestingness", 5},
                          {"Feasibility", 8},
                          {"Novelty", 5}});
  ASSERT_TRUE(fs::write_file_atomic(dir / "ideas.json", ideas_file.dump(2)).ok());
  auto batch = dir / "batch";
  auto r = run_scientist({"--config", demo_config().string(), "run", "--template", tmpl.string(), "--num-ideas", "3",
                          "--ideas", (dir / "ideas.json").string(), "--replay", (dir / "three.jsonl").string(),
                          "--engine", "local", "--results", batch.string(), "--parallel", "2", "--gpus", "0,1"},
                         dir, {}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto dirs = idea_dirs(batch);
  ASSERT_EQ(dirs.size(), 3u);
  for (const auto& [name, idea_dir] : dirs) expect_finished_idea(idea_dir, name);

  // From the event log: how many ideas were between their first stage and their last at once.
  int active = 0, max_active = 0;
  std::set<std::string> started;
  for (const auto& e : read_events(batch)) {
    std::string idea = e.value("idea", ""), kind = e.value("kind", ""), stage = e.value("stage", "");
    if (idea.empty() || stage == "ideas" || stage == "novelty") continue;
    if (kind == "stage_started" && !started.count(idea)) {
      started.insert(idea);
      max_active = std::max(max_active, ++active);
    }
    if (kind == "stage_finished" && stage == "review") --active;
  }
  EXPECT_EQ(max_active, 2) << "two slots: two ideas at once, never three";

  // Every run got exactly one of the two GPUs (CUDA_VISIBLE_DEVICES), and both were used;
  // each GPU slot's runs were pinned to that slot's own CPUs.
  std::set<std::string> used;
  std::map<std::string, std::set<int>> cpus_of_gpu;
  for (const auto& [name, idea_dir] : dirs) {
    for (const auto& e : stdfs::directory_iterator(idea_dir / "attempts")) {
      if (e.path().filename().string().rfind("run_", 0) != 0) continue;  // experiment runs only
      json attempt = read_json(e.path() / "attempt.json");
      std::string text = attempt.dump();
      json gpus = json::array();
      for (const auto& [k, v] : attempt.items())
        if (v.is_object() && v.contains("gpus")) gpus = v["gpus"];
      if (attempt.contains("gpus")) gpus = attempt["gpus"];
      ASSERT_EQ(gpus.size(), 1u) << name << ": " << text;
      used.insert(gpus[0].get<std::string>());
      ASSERT_TRUE(attempt["rules"].contains("cpus")) << name << ": " << text;
      auto cpus = attempt["rules"]["cpus"].get<std::vector<int>>();
      EXPECT_FALSE(cpus.empty()) << name << ": " << text;
      cpus_of_gpu[gpus[0].get<std::string>()].insert(cpus.begin(), cpus.end());
    }
  }
  EXPECT_EQ(used, (std::set<std::string>{"0", "1"}));
  if (proc::allowed_cpu_ids().size() >= 2) {
    for (int cpu : cpus_of_gpu["0"]) EXPECT_EQ(cpus_of_gpu["1"].count(cpu), 0u) << "CPU " << cpu << " in both slots";
  }
}

TEST(PipelineE2E, OpenEndedGeneratesTheNextIdeaSeeingTheFinishedOnesScoreAndImproveRevisesThePaper) {
  auto dir = fresh_temp_dir("pipeline_open_ended");
  auto tmpl = copy_fast_template(dir);
  auto batch = dir / "batch";
  auto args = replay_args(tmpl, batch);
  args.push_back("--open-ended");
  args.push_back("--improve");
  auto r = run_scientist(args, dir, {}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json archive = read_json(batch / "ideas.json");
  ASSERT_TRUE(archive.is_array());
  int scored = 0;
  for (const auto& idea : archive)
    if (idea.contains("Score")) {
      ++scored;
      EXPECT_EQ(idea["Score"].get<double>(), 4.0) << "the improved paper's review score";
    }
  EXPECT_EQ(scored, 2);
  // The second idea's first generation prompt shows the first idea's score.
  bool seen = false;
  std::ifstream in(batch / "llm_journal.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || j["tag"].value("stage", "") != "ideas" || j["tag"].value("turn", -1) != 2) continue;
    seen = j["request"].dump().find("review score 4") != std::string::npos;
  }
  EXPECT_TRUE(seen) << "idea 2 was generated without seeing idea 1's score";
  for (const auto& [name, idea_dir] : idea_dirs(batch)) {
    EXPECT_TRUE(stdfs::exists(idea_dir / "review_0.json")) << name << ": the first review is kept";
    EXPECT_EQ(read_json(idea_dir / "review.json").dump().find("\"Overall\":4") != std::string::npos, true) << name;
  }
}

}  // namespace
}  // namespace sci::testing
