// The built binary: help, version, unknown commands/flags, bad config, doctor, config show.
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "http/loopback_server.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace sci::testing {
namespace {

TEST(CliBasicsTest, HelpListsCommandsAndExitsZero) {
  auto r = run_scientist({"help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("doctor"), std::string::npos);
  EXPECT_NE(r.output.find("config show"), std::string::npos);
}

TEST(CliBasicsTest, VersionPrintsVersion) {
  auto r = run_scientist({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("scientist "), std::string::npos);
}

TEST(CliBasicsTest, UnknownCommandSuggestsClosestAndExitsTwo) {
  auto r = run_scientist({"docter"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("did you mean 'doctor'"), std::string::npos) << r.output;
}

TEST(CliBasicsTest, AGroupWordAloneListsItsCommandsInsteadOfSuggestingItself) {
  auto r = run_scientist({"template"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("'template' needs a command"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("template baseline"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("did you mean"), std::string::npos) << r.output;

  auto typo = run_scientist({"template", "chek", "x"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("'chek' is not a command of 'scientist template'"), std::string::npos) << typo.output;

  auto help = run_scientist({"sandbox", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("sandbox run"), std::string::npos) << help.output;
}

TEST(CliBasicsTest, UnknownFlagIsAUsageError) {
  auto r = run_scientist({"doctor", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("frobnicate"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate"), std::string::npos) << "no stack traces or aborts";
}

TEST(CliBasicsTest, BadTomlIsReportedWithFileAndLineAndExitTwo) {
  auto dir = fresh_temp_dir("cli");
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml", "[llm]\nmodel = \"gpt-4o\"\nbroken ==\n").ok());
  auto r = run_scientist({"config", "show"}, dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("scientist.toml:3"), std::string::npos) << r.output;
}

TEST(CliBasicsTest, WrongTypedKeyExitsTwo) {
  auto dir = fresh_temp_dir("cli");
  ASSERT_TRUE(fs::write_file_atomic(dir / "scientist.toml", "[experiment]\nmax_runs = \"many\"\n").ok());
  auto r = run_scientist({"config", "show"}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("experiment.max_runs"), std::string::npos) << r.output;
}

TEST(CliBasicsTest, ConfigShowRedactsSecretsAndShowsSources) {
  auto dir = fresh_temp_dir("cli");
  auto r = run_scientist({"config", "show"}, dir,
                         {"SCIENTIST_SECRETS_S2_API_KEY=very-secret-value-123", "SCIENTIST_IDEAS_NUM_IDEAS=7"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.find("very-secret-value-123"), std::string::npos);
  EXPECT_NE(r.output.find("num_ideas = 7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(env)"), std::string::npos);
}

TEST(CliBasicsTest, DoctorJsonReportsEveryCheckAndNeverKeyValues) {
  auto r = run_scientist({"doctor", "--json"}, {}, {"OPENAI_API_KEY=sk-should-never-appear-0001"});
  auto start = r.output.find('{');
  ASSERT_NE(start, std::string::npos) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(start), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  std::set<std::string> names;
  for (const auto& c : j["checks"]) names.insert(c["name"].get<std::string>());
  for (const char* n : {"pdflatex", "bibtex", "python interpreter", "sandbox", "disk", "api keys"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_EQ(r.output.find("sk-should-never-appear-0001"), std::string::npos);
  EXPECT_NE(r.output.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(r.exit_code, j["can_run"].get<bool>() ? 0 : 1);
}

TEST(CliBasicsTest, DoctorFailsWhenTheSandboxUidCannotEnterTheResultsDir) {
  if (::getuid() != 0) GTEST_SKIP() << "runs drop to their own uid only when scientist runs as root";
  auto dir = fresh_temp_dir("cli_reach");
  auto closed = dir / "private";
  std::filesystem::create_directories(closed);
  std::filesystem::permissions(closed, std::filesystem::perms::owner_all);  // like mktemp -d
  ASSERT_TRUE(fs::write_file_atomic(dir / "c.toml", "[general]\nresults_dir = \"" + (closed / "results").string() + "\"\n").ok());
  auto r = run_scientist({"--config", (dir / "c.toml").string(), "doctor"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("results dir"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chmod o+x " + closed.string()), std::string::npos) << r.output;
}

TEST(CliBasicsTest, DoctorFailsForMissingTemplateWithFix) {
  auto r = run_scientist({"doctor", "--template", "/nonexistent/template"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("FAIL"), std::string::npos);
}

}  // namespace
}  // namespace sci::testing

namespace sci::testing {
namespace {

// The configured provider's endpoint is probed with a short timeout: a live loopback
// server answers (any HTTP status counts), a dead port is a WARN with the fix, and
// neither blocks a run.
TEST(CliDoctorEndpointTest, ReachableEndpointIsOkAndADeadOneIsAWarningWithTheFix) {
  auto dir = fresh_temp_dir("doctor_endpoint");
  auto server = http::LoopbackServer::start([](const http::HttpRequest&) {
    http::HttpResponse r;
    r.status = 404;
    r.body = "{}";
    return r;
  });
  ASSERT_TRUE(server.ok());
  auto live = run_scientist({"doctor", "--no-pdf"}, dir,
                            {"SCIENTIST_LLM_MODEL=my-model", "SCIENTIST_LLM_BASE_URL=" + (*server)->base_url() + "/v1"},
                            60);
  EXPECT_EQ(live.exit_code, 0) << live.output;
  EXPECT_NE(live.output.find("answers (HTTP 404)"), std::string::npos) << live.output;

  std::string dead_url = (*server)->base_url() + "/v1";
  (*server)->stop();
  auto dead = run_scientist({"doctor", "--no-pdf"}, dir,
                            {"SCIENTIST_LLM_MODEL=my-model", "SCIENTIST_LLM_BASE_URL=" + dead_url}, 60);
  EXPECT_EQ(dead.exit_code, 0) << "an unreachable endpoint is a warning, not a failure: " << dead.output;
  EXPECT_NE(dead.output.find("unreachable"), std::string::npos) << dead.output;
  EXPECT_NE(dead.output.find("--replay"), std::string::npos) << dead.output;
}

}  // namespace
}  // namespace sci::testing
