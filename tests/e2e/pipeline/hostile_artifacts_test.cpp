// The trust boundary after a run: experiment code that the sandbox ran plants files in
// the idea directory (rc files, TeX that reads host files, links to host files and to a
// sibling idea, a huge or crowded run directory, Python start-up files), then the
// host-side steps that follow run on it through the built binary (latex build, paper
// check, writeup, review) or through the executor (a later run). Each test checks that
// nothing ran outside the sandbox (a marker the planted code would write stays absent),
// that no host file's content reached any output, that the API-key canary is nowhere,
// and that the step reports what it refused. Every child is bounded by a timeout.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "coder/transcript.h"
#include "experiment/local_run_executor.h"
#include "experiment/prepare.h"
#include "experiment/result_files.h"
#include "proc/run_capture.h"
#include "review/paper_text.h"
#include "support.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"
#include "templates/manifest.h"
#include "writeup/run_data.h"

namespace sci::testing {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

constexpr const char* kCanaryKey = "sk-canary-HOSTILE-0c4f1d2e";
constexpr const char* kHostSecret = "HOSTSECRET-91be77";
constexpr double kSecretMetric = 0.917263;  // a value only the host file holds

// One experimented idea directory (baseline, prepare, experiment from the demo
// cassette), made once; each test works on its own copy.
class HostileArtifacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_dir_ = new stdfs::path(fresh_temp_dir("hostile_suite"));
    const stdfs::path& dir = *suite_dir_;
    auto tmpl = copy_fast_template(dir);
    auto baseline = run_scientist({"--config", demo_config().string(), "template", "baseline", tmpl.string()}, dir,
                                  env(), 300);
    ASSERT_EQ(baseline.exit_code, 0) << baseline.output;
    json idea = {{"Name", "label_smoothing"},       {"Title", "Label smoothing in tiny networks"},
                 {"Experiment", "Train with smoothed targets."}, {"Interestingness", 5},
                 {"Feasibility", 9},                 {"Novelty", 4}};
    ASSERT_TRUE(fs::write_file_atomic(dir / "idea.json", idea.dump()).ok());
    auto prepared = run_scientist({"--config", demo_config().string(), "idea", "prepare", "--template", tmpl.string(),
                                   "--idea", (dir / "idea.json").string(), "--results-dir", (dir / "results").string()},
                                  dir, env(), 120);
    ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
    for (const auto& e : stdfs::directory_iterator(dir / "results" / "numpy_fast"))
      if (stdfs::exists(e.path() / "idea.json")) idea_ = new stdfs::path(e.path());
    ASSERT_NE(idea_, nullptr);
    auto experiment = run_scientist({"--config", demo_config().string(), "experiment", idea_->string()}, dir, env(), 300);
    ASSERT_EQ(experiment.exit_code, 0) << experiment.output;
  }

  static std::vector<std::string> env() {
    return {std::string("OPENAI_API_KEY=") + kCanaryKey, "SCIENTIST_LLM_REPLAY=" + demo_cassette().string()};
  }

  void SetUp() override {
    ASSERT_NE(idea_, nullptr) << "suite set-up failed";
    dir_ = fresh_temp_dir(std::string("hostile_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    batch_ = dir_ / "results" / "numpy_fast";
    stdfs::create_directories(batch_);
    idea_dir_ = batch_ / idea_->filename();
    stdfs::copy(*idea_, idea_dir_, stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks);
    if (stdfs::exists(idea_->parent_path() / ".prepared"))  // the prepare-time template.toml
      stdfs::copy(idea_->parent_path() / ".prepared", batch_ / ".prepared", stdfs::copy_options::recursive);
    // A root-only host file and a directory the planted code would write markers into.
    stdfs::create_directories(dir_ / "host");
    secret_ = dir_ / "host" / "secret.json";
    json fake = {{"moons", {{"means", {{"test_accuracy", kSecretMetric}}}}}, {kHostSecret, {{"means", {{"x", 1}}}}}};
    ASSERT_TRUE(fs::write_file_atomic(secret_, fake.dump()).ok());
    ::chmod(secret_.c_str(), 0600);
    markers_ = dir_ / "markers";
    stdfs::create_directories(markers_);
    ::chmod(markers_.c_str(), 0777);
  }

  // Runs `code` as the experiment would: python3 in the sandbox, cwd = the idea directory.
  void plant(const std::string& code) {
    ASSERT_TRUE(fs::write_file_atomic(idea_dir_ / "plant.py", code).ok());
    // --force: an idea directory is not one `sandbox run` made (it has no .sandbox/ yet).
    auto r = run_scientist({"sandbox", "run", "--workdir", idea_dir_.string(), "--force", "--timeout-s", "60",
                            "--disk-quota-mb", "512", "--", "/usr/bin/python3", "plant.py"},
                           dir_, env(), 120);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    stdfs::remove(idea_dir_ / "plant.py");
  }

  // Python literal of a host path.
  static std::string py(const stdfs::path& p) { return "'" + p.string() + "'"; }

  void expect_nothing_leaked(const std::string& output) {
    EXPECT_TRUE(stdfs::is_empty(markers_)) << "planted code ran outside the sandbox";
    EXPECT_EQ(output.find(kCanaryKey), std::string::npos);
    EXPECT_EQ(output.find(kHostSecret), std::string::npos) << output;
    EXPECT_EQ(output.find("917263"), std::string::npos) << output;
    for (const char* needle : {kCanaryKey, kHostSecret, "917263"})
      EXPECT_EQ(files_holding(dir_ / "results", needle), std::vector<std::string>{}) << needle;
  }

  // Regular files under `dir` holding `needle` (the planted links themselves, and files
  // over 64 MiB, are not opened: the huge planted file is sparse zeros).
  static std::vector<std::string> files_holding(const stdfs::path& dir, const std::string& needle) {
    std::vector<std::string> out;
    for (auto it = stdfs::recursive_directory_iterator(dir); it != stdfs::recursive_directory_iterator(); ++it) {
      if (!stdfs::is_regular_file(it->symlink_status()) || it->file_size() > (64u << 20)) continue;
      auto text = fs::read_file(it->path());
      if (text.ok() && text->find(needle) != std::string::npos)
        out.push_back(stdfs::relative(it->path(), dir).string());
    }
    return out;
  }

  std::string pdf_text_of(const stdfs::path& pdf) {
    auto r = proc::run_capture({"pdftotext", pdf.string(), "-"}, std::chrono::seconds(60));
    return r.ok() ? r->output : std::string();
  }

  static stdfs::path* suite_dir_;
  static stdfs::path* idea_;
  stdfs::path dir_, batch_, idea_dir_, secret_, markers_;
};

stdfs::path* HostileArtifacts::suite_dir_ = nullptr;
stdfs::path* HostileArtifacts::idea_ = nullptr;

// Fails on the old code: latexmk ran on the host, as root, in latex/ and executed the
// planted rc file as Perl (the marker appeared, holding `id` and the environment).
TEST_F(HostileArtifacts, PlantedLatexmkrcIsNeverExecuted) {
  const std::string perl = "system(\"id > " + (markers_ / "rc").string() + "; env >> " + (markers_ / "rc").string() +
                           "\");\n";
  plant("for name in ('latex/latexmkrc', 'latex/.latexmkrc'):\n    open(name, 'w').write(" + json(perl).dump() +
        ")\n");
  auto r = run_scientist({"latex", "build", (idea_dir_ / "latex").string(), "--json"}, dir_, env(), 300);
  auto out = json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  ASSERT_TRUE(out.is_object()) << r.output;
  EXPECT_TRUE(out["success"].get<bool>()) << r.output;
  EXPECT_NE(out["commands"].dump().find("-norc"), std::string::npos);
  expect_nothing_leaked(r.output + pdf_text_of(idea_dir_ / "latex" / "template.pdf"));
}

// Fails on the old code: pdflatex ran on the host and \openin/\read put the root-only
// file into the PDF.
TEST_F(HostileArtifacts, TexReadingAHostFileGetsNothing) {
  plant("p = 'latex/template.tex'\n"
        "t = open(p).read()\n"
        "hook = r'\\newread\\leak\\openin\\leak=" + secret_.string() +
        " \\ifeof\\leak NOLEAK\\else\\read\\leak to\\leakline LEAK:\\leakline\\fi\\closein\\leak' + '\\n'\n"
        "open(p, 'w').write(t.replace(r'\\end{document}', hook + r'\\end{document}'))\n");
  auto r = run_scientist({"latex", "build", (idea_dir_ / "latex").string()}, dir_, env(), 300);
  EXPECT_NE(r.output.find("built "), std::string::npos) << "the paper builds (the read just fails): " << r.output;
  std::string text = pdf_text_of(idea_dir_ / "latex" / "template.pdf");
  EXPECT_NE(text.find("NOLEAK"), std::string::npos) << "\\openin of a host file must fail: " << text;
  expect_nothing_leaked(r.output + text);
}

// Fails on the old code: \input of an absolute host path was read by pdflatex on the host.
TEST_F(HostileArtifacts, TexInputOfAHostFileIsRefused) {
  plant("p = 'latex/template.tex'\n"
        "t = open(p).read()\n"
        "open(p, 'w').write(t.replace(r'\\end{document}', r'\\input{" + secret_.string() + "}' + '\\n' + "
        "r'\\end{document}'))\n");
  auto r = run_scientist({"latex", "build", (idea_dir_ / "latex").string()}, dir_, env(), 300);
  EXPECT_NE(r.exit_code, 0) << "the build cannot succeed without the host file: " << r.output;
  EXPECT_NE(r.output.find("secret.json"), std::string::npos) << "the missing file is named: " << r.output;
  expect_nothing_leaked(r.output + pdf_text_of(idea_dir_ / "latex" / "template.pdf"));
}

// Fails on the old code: the host followed run_1/final_info.json to the root-only file
// and its numbers became the run's results (prompts, results.tex, the paper's check).
TEST_F(HostileArtifacts, SymlinkedFinalInfoIsRefusedEverywhere) {
  plant("import os\nos.remove('run_1/final_info.json')\nos.symlink(" + py(secret_) + ", 'run_1/final_info.json')\n");
  auto check = run_scientist({"paper", "check", idea_dir_.string(), "--json"}, dir_, env(), 120);
  EXPECT_NE(check.output.find("symbolic link"), std::string::npos) << check.output;

  auto data = writeup::load_idea_data(idea_dir_, nullptr);
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  for (const auto& run : data->runs) EXPECT_NE(run.index, 1) << "run_1's results came through the link";
  auto manifest = experiment::scan_results(idea_dir_, 100, 100);
  EXPECT_EQ(std::count(manifest.runs.begin(), manifest.runs.end(), 1), 0);
  std::string warnings;
  for (const auto& w : manifest.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("symbolic link"), std::string::npos) << warnings;
  auto paper = review::load_paper(idea_dir_, {});
  std::string shown = paper.ok() ? paper->results : "";
  expect_nothing_leaked(check.output + warnings + shown);
}

// Fails on the old code: run_2 -> the sibling idea's directory was read as this idea's run 2.
TEST_F(HostileArtifacts, RunDirectoryLinkedToASiblingIdeaIsNotRead) {
  const stdfs::path sibling = batch_ / "20990101_000000_other_idea";
  stdfs::create_directories(sibling / "run_1");
  stdfs::copy_file(secret_, sibling / "run_1" / "final_info.json");
  plant("import os, shutil\nshutil.rmtree('run_2', ignore_errors=True)\nos.symlink(" + py(sibling / "run_1") +
        ", 'run_2')\n");
  auto data = writeup::load_idea_data(idea_dir_, nullptr);
  ASSERT_TRUE(data.ok()) << data.error().to_string();
  for (const auto& run : data->runs) EXPECT_NE(run.index, 2);
  std::string warnings;
  for (const auto& w : data->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("run_2 is a symbolic link"), std::string::npos) << warnings;
  auto check = run_scientist({"paper", "check", idea_dir_.string()}, dir_, env(), 120);
  EXPECT_NE(check.output.find("run_2 is a symbolic link"), std::string::npos) << check.output;
  stdfs::remove_all(sibling);  // its copy of the secret is the test's own
  expect_nothing_leaked(check.output + warnings);
}

// Fails on the old code: the 3 GB file was read into memory whole (past the 1.5 GB
// address-space cap the check runs under here). The file is sparse and made here: the
// sandbox's own quota would stop a run that wrote it.
TEST_F(HostileArtifacts, HugeFinalInfoIsRefusedWithoutReadingIt) {
  const stdfs::path info = idea_dir_ / "run_1" / "final_info.json";
  stdfs::remove(info);
  { std::ofstream(info).close(); }
  stdfs::resize_file(info, 3ull << 30);
  auto r = proc::run_capture({"prlimit", "--as=1500000000", "--", binary_path().string(), "paper", "check",
                              idea_dir_.string()},
                             std::chrono::seconds(120));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->timed_out);
  EXPECT_NE(r->output.find("over the limit"), std::string::npos) << r->output;
  EXPECT_TRUE(r->exit_code == 0 || r->exit_code == 1) << "a clean exit, not a crash: " << r->exit_code << r->output;
  expect_nothing_leaked(r->output);
}

// Fails on the old code: latex/ with 3000 files went to the TeX tools unchecked, and the
// result scan walked all 30000 files of run_1.
TEST_F(HostileArtifacts, CrowdedDirectoriesAreBoundedWithAFinding) {
  plant("import os\nos.makedirs('run_1/junk', exist_ok=True)\n"
        "for i in range(30000):\n    open('run_1/junk/f%05d' % i, 'w').close()\n"
        "os.makedirs('latex/junk', exist_ok=True)\n"
        "for i in range(3000):\n    open('latex/junk/g%04d.tex' % i, 'w').close()\n");
  auto manifest = experiment::scan_results(idea_dir_, 100, 100);
  std::string warnings;
  for (const auto& w : manifest.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("the rest are not listed"), std::string::npos) << warnings;
  auto r = run_scientist({"latex", "build", (idea_dir_ / "latex").string()}, dir_, env(), 300);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("holds more than 2000 files"), std::string::npos) << r.output;
  expect_nothing_leaked(r.output);
}

// Fails on the old code: HOME was the idea directory and Python's user site was on, so
// the planted usercustomize.py ran inside the next run.
TEST_F(HostileArtifacts, PlantedPythonStartupFilesDoNotRunInTheNextRun) {
  const std::string hook = "open('customize_ran.txt', 'a').write('x')\n";
  plant("import os\nsite = os.path.expanduser('~/.local/lib/python3.11/site-packages')\n"
        "os.makedirs(site, exist_ok=True)\n"
        "for path in (site + '/usercustomize.py', 'sitecustomize.py', 'usercustomize.py'):\n"
        "    open(path, 'w').write(" + json(hook).dump() + ")\n"
        "open(site + '/hook.pth', 'w').write('import os; ' + " + json(hook).dump() + ".strip() + '\\n')\n");
  auto manifest = templates::load_manifest(idea_dir_);
  ASSERT_TRUE(manifest.ok());
  experiment::LocalRunExecutorOptions options;
  options.record_environment = false;
  auto executor = experiment::make_local_run_executor(options);
  ASSERT_TRUE(executor.ok()) << executor.error().to_string();
  experiment::RunRequest request;
  request.idea_dir = idea_dir_;
  request.run_index = 3;
  request.timeout_s = 120;
  auto ran = (*executor)->run(*manifest, request);
  ASSERT_TRUE(ran.ok()) << ran.error().to_string();
  EXPECT_EQ(ran->status, experiment::RunStatus::kSucceeded) << ran->message;
  EXPECT_FALSE(stdfs::exists(idea_dir_ / "customize_ran.txt")) << "a planted start-up file ran in the next run";
  expect_nothing_leaked(ran->message);
}

// Fails on the old code: run_2 -> the template's run_0, and root wrote environment.json
// (and took the baseline's numbers as run 2) through the link.
TEST_F(HostileArtifacts, RunThatLinksItsOutputDirectoryOutIsBadResults) {
  const stdfs::path outside = dir_ / "host" / "run_0";
  stdfs::create_directories(outside);
  stdfs::copy_file(*idea_ / "run_0" / "final_info.json", outside / "final_info.json");
  auto manifest = templates::load_manifest(idea_dir_);
  ASSERT_TRUE(manifest.ok());
  // experiment.py replaced by code that links its --out_dir to the host directory.
  ASSERT_TRUE(fs::write_file_atomic(idea_dir_ / "experiment.py",
                                    "import os, sys\nout = sys.argv[-1].split('=')[-1]\n"
                                    "os.symlink(" + py(outside) + ", out)\n")
                  .ok());
  experiment::LocalRunExecutorOptions options;
  auto executor = experiment::make_local_run_executor(options);
  ASSERT_TRUE(executor.ok());
  experiment::RunRequest request;
  request.idea_dir = idea_dir_;
  request.run_index = 4;
  request.timeout_s = 60;
  auto ran = (*executor)->run(*manifest, request);
  ASSERT_TRUE(ran.ok()) << ran.error().to_string();
  EXPECT_EQ(ran->status, experiment::RunStatus::kBadResults) << ran->message;
  EXPECT_NE(ran->message.find("symbolic link"), std::string::npos) << ran->message;
  EXPECT_FALSE(stdfs::exists(outside / "environment.json")) << "root wrote through the run's link";
}

// Fails on the old code (no prepare-time copy): `scientist experiment|plot IDEA_DIR` took
// network, timeouts and mounts from the template.toml the run had rewritten.
TEST_F(HostileArtifacts, TemplateTomlRewrittenByARunDoesNotChangeTheLimits) {
  plant("open('template.toml', 'w').write('data_dirs = [\"/root\"]\\n[timeouts]\\nrun_s = 86400\\n'\n"
        "    '[limits]\\nnetwork = true\\nmemory_mb = 999999\\n')\n");
  auto m = experiment::load_idea_manifest(idea_dir_);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->run_timeout_s, 300);
  EXPECT_EQ(m->network, templates::Network::kOff);
  EXPECT_TRUE(m->data_dirs.empty());
  EXPECT_NE(m->memory_mb, 999999);
  std::string warnings;
  for (const auto& w : m->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("differs from the copy made at `idea prepare`"), std::string::npos) << warnings;
}

// Fails on the old code: transcript.md -> a root-only file was read, rewritten 0644 and
// its content carried on into the transcript (and the next prompt).
TEST_F(HostileArtifacts, TranscriptReplacedByALinkIsNotFollowed) {
  plant("import os\nif os.path.exists('transcript.md'): os.remove('transcript.md')\nos.symlink(" + py(secret_) +
        ", 'transcript.md')\n");
  coder::Transcript transcript(idea_dir_ / "transcript.md");
  ASSERT_TRUE(transcript.user("next turn").ok());
  struct stat st {};
  ASSERT_EQ(::stat(secret_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the host file's mode was changed";
  auto text = fs::read_file(idea_dir_ / "transcript.md");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find(kHostSecret), std::string::npos);
  auto secret = fs::read_file(secret_);
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(secret->find("next turn"), std::string::npos) << "the host file was written through the link";
  expect_nothing_leaked(*text);
}

// The whole writeup and review of the paper, with every LaTeX plant at once, from the
// demo cassette: the paper is built in the sandbox, nothing planted runs or leaks.
TEST_F(HostileArtifacts, WriteupAndReviewOfAPlantedIdeaLeakNothing) {
  const std::string perl = "system(\"touch " + (markers_ / "writeup_rc").string() + "\");\n";
  plant("for name in ('latex/latexmkrc', 'latex/.latexmkrc'):\n    open(name, 'w').write(" + json(perl).dump() + ")\n"
        "import os\nos.remove('run_1/final_info.json')\nos.symlink(" + py(secret_) + ", 'run_1/final_info.json')\n");
  auto w = run_scientist({"--config", demo_config().string(), "writeup", idea_dir_.string()}, dir_, env(), 600);
  std::string pdf;
  for (const auto& e : stdfs::directory_iterator(idea_dir_))
    if (e.path().extension() == ".pdf") pdf = pdf_text_of(e.path());
  EXPECT_EQ(w.exit_code, 0) << w.output;
  EXPECT_FALSE(pdf.empty()) << "the paper was built in the sandbox: " << w.output;
  EXPECT_NE(w.output.find("run_1/final_info.json"), std::string::npos) << "the refused link is reported: " << w.output;
  // The cassette keys the review by the directory's name.
  const stdfs::path named = batch_ / "label_smoothing";
  stdfs::rename(idea_dir_, named);
  auto rv = run_scientist({"--config", demo_config().string(), "review", named.string()}, dir_, env(), 300);
  EXPECT_EQ(rv.exit_code, 0) << rv.output;
  expect_nothing_leaked(w.output + pdf + rv.output);
}

}  // namespace
}  // namespace sci::testing
